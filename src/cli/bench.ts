// Benchmark: stores N entries into a real service in a temp dir, then measures embedder latency
// and lookup latency (exact hit / semantic hit / miss) in-process and over HTTP.
//   npm run bench [-- --entries 10000] [--lookups 400] [--chat-requests 300] [--qqp path/to/qqp_train.tsv]
//                 [--scale 100000] [--synthetic 1000000] [--quick] [--fresh] [--json] [--out BENCHMARKS.md]
// Then throughput under concurrency 1/8/32 over HTTP (bench-throughput.ts), then the chat sidecar section: /v1/chat/completions through dejavu vs the fake OpenAI server direct.
// Then the scale sections (bench-scale.ts, bench-startup.ts): HNSW index at --scale real embeddings and --synthetic
// synthetic vectors (--quick skips the synthetic one), the cache and service startup at --scale entries.
// Stored prompts are real Quora questions when the QQP file exists, else synthetic templates.
// Prints Markdown (or JSON with --json) on stdout, or writes it to --out; progress goes to stderr.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { arch, cpus, platform, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'undici';
import { buildApp } from '../app.js';
import { parseConfig, type Config } from '../config.js';
import { Ready } from '../ready.js';
import { openService, type Service } from '../service.js';
import { benchChat } from './bench-chat.js';
import { benchThroughput, type ThroughputResult } from './bench-throughput.js';
import { buildProbes, lookupHttp, lookupInProcess, MODEL, NAMESPACE, measureEmbedder, runKinds, storeAll, WARMUP, type EmbedResult, type Kind, type KindResult, type Probe } from './bench-measure.js';
import { storedPrompts } from './bench-prompts.js';
import { measureVerifierCost } from './bench-verifier-cost.js';
import { lookupOptions } from '../http/lookup-options.js';
import { markdown, type BenchReport, type Machine } from './bench-report.js';
import { benchScaleSections, seedEmbeddingCache, type ScaleArgs } from './bench-scale.js';
import { requestKey } from '../core/request-key.js';

/** Repo root: this file runs as dist/cli/bench.js (or src/cli/bench.ts under tsx). */
const REPO = resolve(import.meta.dirname, '..', '..');
const PAIRS = resolve(REPO, '..', 'shared', 'data', 'pairs');
const QQP = join(PAIRS, 'qqp_train.tsv');
/** Raw embedder calls timed. */
const EMBED_CALLS = 300;
/** Calls in flight when storing the 10k entries and when timing the embedder pool at full load:
 * enough to keep both pool workers busy. */
const IN_FLIGHT = 8;

interface Args extends ScaleArgs {
  entries: number;
  lookups: number;
  chatRequests: number;
  qqp: string;
  json: boolean;
  out: string | null;
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

function parseCli(argv: string[]): Args {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      entries: { type: 'string' },
      lookups: { type: 'string' },
      'chat-requests': { type: 'string' },
      qqp: { type: 'string', default: QQP },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      scale: { type: 'string' },
      synthetic: { type: 'string' },
      quick: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const qqp = resolve(v.qqp);
  return {
    entries: positiveInt('entries', v.entries, 10_000),
    lookups: positiveInt('lookups', v.lookups, 400),
    chatRequests: positiveInt('chat-requests', v['chat-requests'], 300),
    qqp,
    json: v.json,
    out: v.out === undefined ? null : resolve(v.out),
    // The scale set reads the QQP test file next to the train file as well (more distinct questions).
    qqpFiles: [qqp, join(resolve(qqp, '..'), 'qqp_test.tsv')],
    scale: positiveInt('scale', v.scale, 100_000),
    synthetic: v.quick ? 0 : positiveInt('synthetic', v.synthetic, 1_000_000),
    quick: v.quick,
    fresh: v.fresh,
    freshSince: v.fresh ? Date.now() : undefined,
    cacheDir: join(REPO, 'data', 'bench-cache'),
    repo: REPO,
  };
}

const log = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};

function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    node: process.version,
    platform: `${platform()} ${arch()}`,
    totalMemGiB: totalmem() / 2 ** 30,
    date: new Date().toISOString(),
  };
}

/** HTTP lookups (sequential, per kind), then the throughput section against the same app. */
async function httpLookups(
  service: Service,
  config: Config,
  probes: Record<Kind, Probe[]>,
  n: number,
  embedder: EmbedResult,
): Promise<{ http: Record<Kind, KindResult>; throughput: ThroughputResult }> {
  const app = buildApp({ config, cache: Ready.of(service.cache) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const client = new Client(origin);
  try {
    const http = await runKinds(probes, n + WARMUP, n, WARMUP, (kind, slice) => lookupHttp(client, kind, slice));
    log('throughput under concurrency (HTTP)');
    // The timed HTTP slices: the probes the sequential HTTP section just measured.
    const slice = (kind: Kind): Probe[] => probes[kind].slice(n + 2 * WARMUP, 2 * n + 2 * WARMUP);
    const throughput = await benchThroughput({ origin, exact: slice('exact'), semantic: slice('semantic'), embedsPerSecond: embedder.perSecond, log });
    return { http, throughput };
  } finally {
    await client.close();
    await app.close();
  }
}

async function measure(service: Service, config: Config, args: Args, lap: (name: string) => void): Promise<Measured> {
  const prompts = storedPrompts(args.entries, args.qqp);
  log(`storing ${args.entries} entries (prompts: ${prompts.source})`);
  const { ms: storeMs, labels } = await storeAll(service.cache, prompts.stored, IN_FLIGHT, (done, rate) => log(`  ${done} stored (${rate.toFixed(0)} entries/s over the last 1000)`));
  const storeSec = storeMs / 1000;
  if (prompts.source === 'qqp') seedScaleEmbeddings(service, prompts.stored, labels, args.cacheDir, args.freshSince);
  lap(`store ${args.entries} entries through the cache`);
  log('timing the raw embedder');
  const embedder = await measureEmbedder(service.embedder, prompts.stored, EMBED_CALLS, WARMUP, IN_FLIGHT);
  const probes = buildProbes(prompts.stored, args.lookups, WARMUP);
  const options = lookupOptions(config, service.cache.verifier, {}, undefined);
  log('in-process lookups');
  const inProcess = await runKinds(probes, 0, args.lookups, WARMUP, (kind, slice) => lookupInProcess(service.cache, kind, slice, options));
  log('verifier cost: semantic hits with the verifier vs cosine only');
  const verifierCost = options.minScore === undefined ? null : await measureVerifierCost(service.cache, probes.semantic.slice(0, WARMUP + args.lookups), WARMUP,
    { setting: `score >= ${options.minScore.toFixed(4)} (max_false_hit_rate ${config.cache.max_false_hit_rate}), cosine floor ${options.threshold}`, options },
    { setting: `cosine >= ${config.cache.threshold}`, options: { threshold: config.cache.threshold } });
  log('HTTP lookups');
  const { http, throughput } = await httpLookups(service, config, probes, args.lookups, embedder);
  lap('raw embedder, lookups, throughput');
  const entries = service.cache.stats().entries; // before the chat section stores its answers
  const chat = await benchChat(service, config, { repo: REPO, prompts: prompts.stored, requests: args.chatRequests, warmup: WARMUP, log });
  lap('chat sidecar');
  return {
    prompts: { source: prompts.source, entries, lookupsPerKind: args.lookups },
    store: { entries: prompts.stored.length, inFlight: IN_FLIGHT, seconds: storeSec, perSecond: prompts.stored.length / storeSec, meanMs: storeMs / prompts.stored.length },
    embedder,
    lookup: { inProcess, http },
    verifierCost,
    throughput,
    chat,
  };
}

/** The stored QQP questions are the scale set's first ones: their vectors (read back from the
 * graph) seed its embedding cache, so a cold run embeds them once, not twice. */
function seedScaleEmbeddings(service: Service, texts: readonly string[], labels: readonly number[], cacheDir: string, freshSince: number | undefined): void {
  const dims = service.embedder.dims;
  const vectors = new Float32Array(texts.length * dims);
  for (let i = 0; i < texts.length; i++) {
    const v = service.cache.index.vector(requestKey({ namespace: NAMESPACE, model: MODEL, prompt: texts[i] as string }), labels[i] as number);
    if (v === null) return; // not embedded (too long for the model): leave the cache alone
    vectors.set(v, i * dims);
  }
  const n = seedEmbeddingCache(texts, vectors, service.embedder.modelId, cacheDir, freshSince);
  if (n > 0) log(`  seeded the scale set's embedding cache with ${n} stored vectors`);
}

function settings(config: Config, service: Service): BenchReport['settings'] {
  return {
    model: service.embedder.modelId,
    threads: `${config.embedder.workers} worker(s) x ${config.embedder.workers > 0 ? Math.max(1, Math.floor(config.embedder.threads / config.embedder.workers)) : config.embedder.threads}`,
    threshold: config.cache.decision === 'verifier' ? `verifier at max_false_hit_rate ${config.cache.max_false_hit_rate} (cosine floor ${config.cache.candidate_floor})` : `cosine ${config.cache.threshold}`,
    candidates: config.cache.candidates,
    index: { m: config.index.m, efConstruction: config.index.ef_construction, ef: config.index.ef },
  };
}

type Measured = Omit<BenchReport, 'totalSeconds' | 'machine' | 'settings' | 'sections' | 'scale'>;

/** Default config; only the models dir is made absolute so the bench also runs from another cwd.
 * The memo is off so every lookup pays for its embedding, as a first-seen prompt would. */
function benchConfig(dataDir: string): Config {
  return parseConfig({ data_dir: dataDir, log_level: 'silent', embedder: { models_dir: join(REPO, 'models'), memo_size: 0 } });
}

async function main(): Promise<void> {
  const args = parseCli(process.argv.slice(2));
  const t0 = performance.now();
  const sections: BenchReport['sections'] = [];
  let tLap = t0;
  const lap = (name: string): void => {
    const now = performance.now();
    sections.push({ name, seconds: (now - tLap) / 1000 });
    tLap = now;
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'dejavu-bench-'));
  let report: BenchReport;
  try {
    const config = benchConfig(dataDir);
    log('loading the model');
    const service = await openService(config);
    try {
      lap('load the model');
      const measured = await measure(service, config, args, lap);
      report = { machine: machine(), settings: settings(config, service), ...measured, sections, scale: null, totalSeconds: 0 };
    } finally {
      await service.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  report.scale = await benchScaleSections(args, benchConfig, lap, log);
  report.totalSeconds = (performance.now() - t0) / 1000;
  const text = args.json ? `${JSON.stringify(report, null, 2)}\n` : markdown(report);
  if (args.out === null) process.stdout.write(text);
  else {
    writeFileSync(args.out, text);
    log(`report written to ${args.out}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
