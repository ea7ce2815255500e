// Throughput under concurrency: closed-loop load over HTTP on 127.0.0.1 against the bench's app
// (exact hits, semantic hits) and against a bare Fastify route (the ceiling for this machine and
// client). For each concurrency c: one undici Pool with c connections (pipelining 1) and c async
// loops sending requests back to back; a warm-up, then a fixed-duration measured window.
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify from 'fastify';
import { Pool } from 'undici';
import { MODEL, NAMESPACE, type Probe } from './bench-measure.js';
import { summarize, type Summary } from './bench-stats.js';

export const CONCURRENCY = [1, 8, 32] as const;
export const WARMUP_MS = 500;
export const DURATION_MS = 3000;
/** monitorEventLoopDelay sampling timer period, ms: 1 ms gives ~3000 samples per 3 s run, so the
 * p99 is not just the 3rd-worst sample as with the 10 ms default; the timer itself costs little. */
export const LOOP_RESOLUTION_MS = 1;
/** Semantic probes checked (one sequential lookup each) before the runs; only hits are rotated. */
const SEMANTIC_CHECK = 64;

export type TargetName = 'exact' | 'semantic' | 'bare' | 'chatExact' | 'chatSemantic';

export interface ThroughputRun {
  target: TargetName;
  concurrency: number;
  /** Requests completed inside the measured window. */
  requests: number;
  /** Of those, answered 200 with the expected status (bare route: any 200). */
  matched: number;
  /** Statuses seen in the window (lookup status, or http_<code>). */
  statuses: Record<string, number>;
  perSecond: number;
  /** Client-side latency of the requests completed in the window, ms. */
  latencyMs: Summary;
  /** Main-thread event-loop delay during the measured window (client and server share it), ms. */
  eventLoopDelayP99Ms: number;
}

export interface ThroughputResult {
  warmupMs: number;
  durationMs: number;
  loopResolutionMs: number;
  /** Semantic probes rotated through (checked to semantic-hit) out of those checked. */
  semanticProbes: { used: number; checked: number };
  runs: ThroughputRun[];
  ratios: {
    /** semantic-hit req/s at c=32 / raw sequential embedder embeds/s. */
    semanticVsEmbedder: number;
    /** exact-hit req/s at c=32 / bare route req/s at c=32. */
    exactVsBare: number;
  };
  seconds: number;
}

/** One closed-loop load: requests rotate through `bodies`, each answer is classified by `check`. */
export interface LoadTarget {
  name: TargetName;
  origin: string;
  path: string;
  bodies: string[];
  /** Classifies one answer: the status label and whether it is the expected one. */
  check: (code: number, body: unknown, headers: Record<string, string | string[] | undefined>) => { label: string; ok: boolean };
}

const lookupBody = (prompt: string): string => JSON.stringify({ namespace: NAMESPACE, model: MODEL, prompt });

function lookupCheck(expected: string): LoadTarget['check'] {
  return (code, body) => {
    if (code !== 200) return { label: `http_${code}`, ok: false };
    const status = (body as { status?: string }).status ?? 'unknown';
    return { label: status, ok: status === expected };
  };
}

export async function post(pool: Pool, path: string, body: string): Promise<{ code: number; json: unknown; headers: Record<string, string | string[] | undefined> }> {
  const res = await pool.request({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body });
  return { code: res.statusCode, json: await res.body.json(), headers: res.headers };
}

/** c loops over one Pool of c connections, for the warm-up and then the measured window. */
export async function closedLoop(target: LoadTarget, concurrency: number): Promise<ThroughputRun> {
  const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1 });
  const histogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const samples: number[] = [];
  const statuses: Record<string, number> = {};
  let matched = 0;
  let next = 0;
  const t0 = performance.now();
  const windowStart = t0 + WARMUP_MS;
  const windowEnd = windowStart + DURATION_MS;
  const loop = async (): Promise<void> => {
    for (;;) {
      const start = performance.now();
      if (start >= windowEnd) return;
      const body = target.bodies[next++ % target.bodies.length] as string;
      const { code, json, headers } = await post(pool, target.path, body);
      const end = performance.now();
      if (start < windowStart || end > windowEnd) continue; // warm-up, or straddling the end
      const { label, ok } = target.check(code, json, headers);
      statuses[label] = (statuses[label] ?? 0) + 1;
      if (ok) matched += 1;
      samples.push(end - start);
    }
  };
  try {
    const on = setTimeout(() => histogram.enable(), WARMUP_MS);
    const off = setTimeout(() => histogram.disable(), WARMUP_MS + DURATION_MS);
    await Promise.all(Array.from({ length: concurrency }, loop));
    clearTimeout(on);
    clearTimeout(off);
  } finally {
    histogram.disable();
    await pool.close();
  }
  return {
    target: target.name,
    concurrency,
    requests: samples.length,
    matched,
    statuses,
    perSecond: samples.length / (DURATION_MS / 1000),
    latencyMs: summarize(samples),
    eventLoopDelayP99Ms: histogram.count > 0 ? histogram.percentile(99) / 1e6 : Number.NaN,
  };
}

export interface ThroughputInput {
  /** Origin of the listening dejavu app (http://127.0.0.1:port). */
  origin: string;
  /** Stored prompts to look up (exact hits). */
  exact: readonly Probe[];
  /** Paraphrase probes; the ones that semantic-hit in a check pass are rotated through. */
  semantic: readonly Probe[];
  /** Raw sequential embedder throughput measured earlier in the run, embeds/s. */
  embedsPerSecond: number;
  log: (msg: string) => void;
}

export async function benchThroughput(input: ThroughputInput): Promise<ThroughputResult> {
  const t0 = performance.now();
  const bare = Fastify();
  bare.post('/echo', async () => ({ status: 'ok', took_ms: 0 }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const barePort = (bare.server.address() as AddressInfo).port;
  try {
    // Re-check the semantic probes (the HTTP section verified them, but does not keep which hit).
    const checkPool = new Pool(input.origin, { connections: 1, pipelining: 1 });
    const checked = input.semantic.slice(0, SEMANTIC_CHECK);
    const hitting: string[] = [];
    try {
      for (const p of checked) {
        const { code, json } = await post(checkPool, '/v1/cache/lookup', lookupBody(p.prompt));
        if (code === 200 && (json as { status?: string }).status === 'semantic-hit') hitting.push(p.prompt);
      }
    } finally {
      await checkPool.close();
    }
    if (hitting.length === 0) throw new Error(`throughput: none of ${checked.length} semantic probes semantic-hit`);
    const targets: LoadTarget[] = [
      { name: 'exact', origin: input.origin, path: '/v1/cache/lookup', bodies: input.exact.map((p) => lookupBody(p.prompt)), check: lookupCheck('hit') },
      { name: 'semantic', origin: input.origin, path: '/v1/cache/lookup', bodies: hitting.map(lookupBody), check: lookupCheck('semantic-hit') },
      { name: 'bare', origin: `http://127.0.0.1:${barePort}`, path: '/echo', bodies: [lookupBody('bare route ceiling')], check: (code) => ({ label: code === 200 ? 'ok' : `http_${code}`, ok: code === 200 }) },
    ];
    const runs: ThroughputRun[] = [];
    for (const target of targets) {
      for (const c of CONCURRENCY) {
        input.log(`  throughput: ${target.name} at concurrency ${c}`);
        runs.push(await closedLoop(target, c));
      }
    }
    const rate = (name: TargetName): number => runs.find((r) => r.target === name && r.concurrency === 32)?.perSecond ?? Number.NaN;
    return {
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
      loopResolutionMs: LOOP_RESOLUTION_MS,
      semanticProbes: { used: hitting.length, checked: checked.length },
      runs,
      ratios: { semanticVsEmbedder: rate('semantic') / input.embedsPerSecond, exactVsBare: rate('exact') / rate('bare') },
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await bare.close();
  }
}
