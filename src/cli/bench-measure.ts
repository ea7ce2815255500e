import type { Client } from 'undici';
import { requestKey } from '../core/request-key.js';
import type { SemanticCache } from '../core/semantic-cache.js';
import type { LookupOptions, LookupStatus } from '../core/types.js';
import type { Embedder } from '../core/ports.js';
import { missPrompts, paraphrase, sample } from './bench-prompts.js';
import { summarize, timed, type Summary } from './bench-stats.js';

/** Every benchmark entry lives in this namespace / model partition. */
export const NAMESPACE = 'bench';
export const MODEL = 'bench-llm';

export type Kind = 'exact' | 'semantic' | 'miss';
export const KINDS: Kind[] = ['exact', 'semantic', 'miss'];
/** Untimed calls before each timed series (JIT, onnxruntime arenas, SQLite page cache). */
export const WARMUP = 20;
export const EXPECTED: Record<Kind, LookupStatus> = { exact: 'hit', semantic: 'semantic-hit', miss: 'miss' };

/** One lookup to send; `source` is the stored prompt it should find (absent for misses). */
export interface Probe {
  prompt: string;
  source?: string;
}

export interface KindResult {
  expected: LookupStatus;
  measured: number;
  /** Lookups whose status was the expected one; latency is summarised over these only. */
  matched: number;
  statuses: Record<LookupStatus, number>;
  /** Hits that returned an entry other than `source` (a near-duplicate won). */
  otherEntry: number;
  latencyMs: Summary;
  /** Server-measured handling time (HTTP only), ms. */
  serverTookMs?: Summary;
}

interface Observation {
  status: LookupStatus;
  ms: number;
  entryPrompt: string | null;
  tookMs?: number;
}

function tally(kind: Kind, probes: readonly Probe[], obs: readonly Observation[]): KindResult {
  const expected = EXPECTED[kind];
  const statuses: Record<LookupStatus, number> = { hit: 0, 'semantic-hit': 0, miss: 0 };
  let otherEntry = 0;
  obs.forEach((o, i) => {
    statuses[o.status] += 1;
    const source = probes[i]?.source;
    if (o.entryPrompt !== null && source !== undefined && o.entryPrompt !== source) otherEntry += 1;
  });
  const good = obs.filter((o) => o.status === expected);
  const result: KindResult = { expected, measured: obs.length, matched: good.length, statuses, otherEntry, latencyMs: summarize(good.map((o) => o.ms)) };
  if (obs.some((o) => o.tookMs !== undefined)) result.serverTookMs = summarize(good.map((o) => o.tookMs ?? Number.NaN));
  return result;
}

/** Stores every prompt, `inFlight` stores at a time (as concurrent clients would; the embedder
 * pool's workers then all stay busy); returns wall time, ms, and each prompt's entry label. Reports progress every 1000 entries
 * with that block's rate (entries/s), so a slowdown as the index grows is visible. */
export async function storeAll(cache: SemanticCache, prompts: readonly string[], inFlight: number, onProgress: (done: number, perSecond: number) => void): Promise<{ ms: number; labels: number[] }> {
  const t0 = performance.now();
  let blockStart = t0;
  let next = 0;
  let done = 0;
  const labels: number[] = new Array<number>(prompts.length);
  const worker = async (): Promise<void> => {
    for (let i = next++; i < prompts.length; i = next++) {
      const key = requestKey({ namespace: NAMESPACE, model: MODEL, prompt: prompts[i] as string });
      labels[i] = (await cache.store(key, { response: `cached answer #${i}`, ttlSeconds: 0, metadata: null })).label;
      if (++done % 1000 === 0) {
        const now = performance.now();
        onProgress(done, 1000 / ((now - blockStart) / 1000));
        blockStart = now;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { ms: performance.now() - t0, labels };
}

export interface EmbedResult {
  latencyMs: Summary;
  /** Sequential embeddings per second (one in flight: one pool worker busy at a time). */
  perSecond: number;
  /** The same embedder with `inFlight` calls outstanding (every pool worker busy): the ceiling. */
  concurrent: { inFlight: number; latencyMs: Summary; perSecond: number };
}

/** Raw embedder latency: `warmup` untimed calls, then `calls` timed sequential calls, then `calls`
 * more with `inFlight` outstanding (distinct texts, so no memo can answer). */
export async function measureEmbedder(embedder: Embedder, prompts: readonly string[], calls: number, warmup: number, inFlight: number): Promise<EmbedResult> {
  const at = (i: number): string => prompts[i % prompts.length] as string;
  for (let i = 0; i < warmup; i++) await embedder.embed(at(i));
  const samples: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) samples.push((await timed(() => embedder.embed(at(warmup + i)))).ms);
  const seconds = (performance.now() - t0) / 1000;
  const parallel: number[] = [];
  let next = 0;
  const t1 = performance.now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < calls; i = next++) parallel.push((await timed(() => embedder.embed(at(warmup + calls + i)))).ms);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const concurrent = { inFlight, latencyMs: summarize(parallel), perSecond: calls / ((performance.now() - t1) / 1000) };
  return { latencyMs: summarize(samples), perSecond: calls / seconds, concurrent };
}

/** In-process lookups through SemanticCache, one at a time, decided by `options` (the service's
 * own: see lookupOptions in src/http/lookup-options.ts). */
export async function lookupInProcess(cache: SemanticCache, kind: Kind, probes: readonly Probe[], options: LookupOptions): Promise<KindResult> {
  const obs: Observation[] = [];
  for (const p of probes) {
    const key = requestKey({ namespace: NAMESPACE, model: MODEL, prompt: p.prompt });
    const { value, ms } = await timed(() => cache.lookup(key, options));
    obs.push({ status: value.status, ms, entryPrompt: value.entry?.prompt ?? null });
  }
  return tally(kind, probes, obs);
}

interface LookupBody {
  status: LookupStatus;
  took_ms: number;
  entry: { prompt: string } | null;
}

/** POST /v1/cache/lookup, sequentially over one keep-alive connection; latency is client-side. */
export async function lookupHttp(client: Client, kind: Kind, probes: readonly Probe[]): Promise<KindResult> {
  const obs: Observation[] = [];
  for (const p of probes) {
    const payload = JSON.stringify({ namespace: NAMESPACE, model: MODEL, prompt: p.prompt });
    const { value, ms } = await timed(async () => {
      const res = await client.request({ method: 'POST', path: '/v1/cache/lookup', headers: { 'content-type': 'application/json' }, body: payload });
      const body = (await res.body.json()) as LookupBody;
      if (res.statusCode !== 200) throw new Error(`lookup returned HTTP ${res.statusCode}: ${JSON.stringify(body)}`);
      return body;
    });
    obs.push({ status: value.status, ms, entryPrompt: value.entry?.prompt ?? null, tookMs: value.took_ms });
  }
  return tally(kind, probes, obs);
}

/** Probes per kind: `n` for in-process, `n` more for HTTP, `warm` untimed ones for each path. */
export function buildProbes(stored: readonly string[], n: number, warm: number): Record<Kind, Probe[]> {
  const total = 2 * n + 2 * warm;
  return {
    exact: sample(stored, total, 11).map((p) => ({ prompt: p, source: p })),
    semantic: sample(stored, total, 12).map((p, i) => ({ prompt: paraphrase(p, i), source: p })),
    miss: missPrompts(total).map((p) => ({ prompt: p })),
  };
}

/** Runs each kind: `warm` untimed lookups, then the next `n` probes timed. Offset selects the slice. */
export async function runKinds(
  probes: Record<Kind, Probe[]>,
  offset: number,
  n: number,
  warm: number,
  run: (kind: Kind, slice: Probe[]) => Promise<KindResult>,
): Promise<Record<Kind, KindResult>> {
  const out = {} as Record<Kind, KindResult>;
  for (const kind of KINDS) {
    const all = probes[kind];
    await run(kind, all.slice(offset, offset + warm));
    out[kind] = await run(kind, all.slice(offset + warm, offset + warm + n));
  }
  return out;
}
