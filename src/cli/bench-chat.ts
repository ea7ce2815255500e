// Chat sidecar benchmark: POST /v1/chat/completions through dejavu in front of the scriptable fake
// OpenAI server (test/support/fake-openai.ts), against the same fake called directly. Sequential
// requests over one keep-alive undici Client per target; latencies are client-side, in ms.
// Targets: bench-chat-setup.ts; requests: bench-chat-requests.ts; series: bench-chat-series.ts.
import { chatThroughput, type ChatLoad } from './bench-chat-load.js';
import type { Config } from '../config.js';
import type { Embedder } from '../core/ports.js';
import { normalizePrompt } from '../core/request-key.js';
import type { Service } from '../service.js';
import { chatBody, once, onceStream } from './bench-chat-requests.js';
import { interleaved, type ChatSeries, type SeriesName, type Step } from './bench-chat-series.js';
import { startChatRig, type ChatRig } from './bench-chat-setup.js';
import { paraphrase, syntheticQuestions } from './bench-prompts.js';
import { seededRandom, shuffle } from './bench-stats.js';

export type { ChatSeries, Expect, SeriesName } from './bench-chat-series.js';

/** Temperature above config.chat.max_temperature (default 1): the request bypasses the cache. */
export const BYPASS_TEMPERATURE = 1.5;

export interface ChatBenchResult {
  upstream: string;
  /** Wall time of the whole chat section (prompt selection included). */
  seconds: number;
  requestsPerKind: number;
  warmupPerKind: number;
  /** Unique prompts for the misses: bench prompts kept only when their cosine to every prompt kept
   * before is below `maxPairCosine`, so that no "miss" can semantic-hit an earlier one. */
  prompts: { candidatesEmbedded: number; kept: number; maxPairCosine: number };
  /** Chat requests the fake received, and how many should have reached it (direct, miss and bypass
   * requests; hits never should). */
  fakeChatCalls: { received: number; expected: number };
  series: Record<SeriesName, ChatSeries>;
  /** Chat hits under concurrency 1 / 8 / 32 (closed loop, as the REST throughput section). */
  load: ChatLoad;
  /** p50 differences (dejavu minus direct) in ms and ratios (dejavu / direct). */
  overhead: {
    missMs: number;
    missRatio: number;
    bypassMs: number;
    bypassRatio: number;
    streamMissTtfbMs: number;
    streamMissTotalMs: number;
    burstMissTtfbMs: number;
    burstMissTotalMs: number;
  };
}

const dot = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

/** `count` prompts, none closer than `maxCos` (cosine, embeddings are L2-normalised) to another,
 * nor equal after the cache's normalisation: each one is a true miss for the cache. */
async function distinctPrompts(embedder: Embedder, candidates: readonly string[], count: number, maxCos: number): Promise<{ prompts: string[]; embedded: number }> {
  const kept: string[] = [];
  const vectors: Float32Array[] = [];
  const seen = new Set<string>();
  let embedded = 0;
  for (const p of candidates) {
    if (kept.length === count) break;
    const norm = normalizePrompt(p);
    if (norm === '' || seen.has(norm) || !embedder.fits(norm)) continue;
    seen.add(norm);
    const v = await embedder.embed(norm);
    embedded += 1;
    if (vectors.some((k) => dot(k, v) >= maxCos)) continue;
    kept.push(p);
    vectors.push(v);
  }
  if (kept.length < count) throw new Error(`only ${kept.length} mutually distinct prompts found for the chat benchmark, ${count} needed`);
  return { prompts: kept, embedded };
}

const p50 = (s: ChatSeries, f: 'latencyMs' | 'ttfbMs' = 'latencyMs'): number => s[f]?.p50 ?? Number.NaN;

export interface ChatBenchOptions {
  repo: string;
  /** Prompts the bench already uses (QQP questions or synthetic); the chat prompts come from them. */
  prompts: readonly string[];
  requests: number;
  warmup: number;
  log: (msg: string) => void;
}

/** The mutually distinct prompts, `warmup + requests` per pool. */
interface Pools {
  /** Non-stream misses, then exact / semantic hits. */
  plain: string[];
  /** Gated stream misses, then stream hits. */
  streamed: string[];
  /** Ungated stream misses. */
  burst: string[];
  stats: ChatBenchResult['prompts'];
}

async function pickPools(embedder: Embedder, threshold: number, opts: ChatBenchOptions): Promise<Pools> {
  const { requests: n, warmup: warm, log } = opts;
  const maxPairCosine = Math.min(0.8, threshold - 0.1);
  log(`chat: picking ${3 * (warm + n)} mutually distinct prompts (pairwise cosine < ${maxPairCosine})`);
  const candidates = [...shuffle([...opts.prompts], seededRandom(31)), ...syntheticQuestions(5000, 32)];
  const { prompts: pool, embedded } = await distinctPrompts(embedder, candidates, 3 * (warm + n), maxPairCosine);
  return {
    plain: pool.slice(0, warm + n),
    streamed: pool.slice(warm + n, 2 * (warm + n)),
    burst: pool.slice(2 * (warm + n)),
    stats: { candidatesEmbedded: embedded, kept: pool.length, maxPairCosine },
  };
}

const at = (list: readonly string[], i: number): string => list[i % list.length] as string;

/** Every miss series: plain, gated stream and ungated stream (burst), dejavu vs direct. */
function missSteps(rig: ChatRig, pools: Pools): Step[] {
  const { direct, dejavu, fake } = rig;
  const { plain, streamed, burst } = pools;
  // dejavu asks upstream streams for their usage chunk (chat.stream_usage); direct streams ask too,
  // so that the fake does the same work on both paths.
  const streamExtra = { stream: true, stream_options: { include_usage: rig.streamUsage } };
  return [
    { name: 'direct', target: direct, expected: 'DIRECT', send: (t, i) => once(t, chatBody(at(plain, i))) },
    { name: 'miss', target: dejavu, expected: 'MISS', send: (t, i) => once(t, chatBody(at(plain, i))) },
    { name: 'streamDirect', target: direct, expected: 'DIRECT', send: (t, i) => onceStream(t, chatBody(at(streamed, i), streamExtra), fake) },
    { name: 'streamMiss', target: dejavu, expected: 'MISS', send: (t, i) => onceStream(t, chatBody(at(streamed, i), { stream: true }), fake) },
    { name: 'burstDirect', target: direct, expected: 'DIRECT', send: (t, i) => onceStream(t, chatBody(at(burst, i), streamExtra)) },
    { name: 'burstMiss', target: dejavu, expected: 'MISS', send: (t, i) => onceStream(t, chatBody(at(burst, i), { stream: true })) },
  ];
}

/** The hits: the prompts missSteps sent again (exact, stream) or paraphrased (semantic). */
function hitSteps(rig: ChatRig, pools: Pools): Step[] {
  const { dejavu, fake } = rig;
  const { plain, streamed } = pools;
  return [
    { name: 'exact', target: dejavu, expected: 'HIT', send: (t, i) => once(t, chatBody(at(plain, i))) },
    { name: 'semantic', target: dejavu, expected: 'SEMANTIC-HIT', send: (t, i) => once(t, chatBody(paraphrase(at(plain, i), i))) },
    { name: 'streamHit', target: dejavu, expected: 'HIT', send: (t, i) => onceStream(t, chatBody(at(streamed, i), { stream: true }), fake) },
  ];
}

function bypassSteps(rig: ChatRig, pools: Pools): Step[] {
  const { plain } = pools;
  const hot = { temperature: BYPASS_TEMPERATURE };
  return [
    { name: 'directBypass', target: rig.direct, expected: 'DIRECT', send: (t, i) => once(t, chatBody(at(plain, i), hot)) },
    { name: 'bypass', target: rig.dejavu, expected: 'BYPASS', send: (t, i) => once(t, chatBody(at(plain, i), hot)) },
  ];
}

async function measureSeries(rig: ChatRig, pools: Pools, opts: ChatBenchOptions): Promise<Record<SeriesName, ChatSeries>> {
  const { requests: n, warmup: warm, log } = opts;
  // Every miss series in one interleaved loop, so that load drift hits them all alike; then the
  // hits (their prompts are stored by then), then bypass.
  log(`chat: misses (plain, stream, stream in one burst), dejavu vs direct: ${warm} + ${n} rounds, interleaved`);
  const misses = await interleaved(missSteps(rig, pools), warm, n);
  log('chat: hits (exact, semantic, stream), interleaved');
  const hits = await interleaved(hitSteps(rig, pools), warm, n);
  log(`chat: bypass (temperature ${BYPASS_TEMPERATURE}), dejavu vs direct, interleaved`);
  const bypass = await interleaved(bypassSteps(rig, pools), warm, n);
  return { ...misses, ...hits, ...bypass } as Record<SeriesName, ChatSeries>;
}

function overhead(s: Record<SeriesName, ChatSeries>): ChatBenchResult['overhead'] {
  return {
    missMs: p50(s.miss) - p50(s.direct),
    missRatio: p50(s.miss) / p50(s.direct),
    bypassMs: p50(s.bypass) - p50(s.directBypass),
    bypassRatio: p50(s.bypass) / p50(s.directBypass),
    streamMissTtfbMs: p50(s.streamMiss, 'ttfbMs') - p50(s.streamDirect, 'ttfbMs'),
    streamMissTotalMs: p50(s.streamMiss) - p50(s.streamDirect),
    burstMissTtfbMs: p50(s.burstMiss, 'ttfbMs') - p50(s.burstDirect, 'ttfbMs'),
    burstMissTotalMs: p50(s.burstMiss) - p50(s.burstDirect),
  };
}

/** Fake upstream + a dejavu app over `service` (its own chat partition: namespace "default", model
 * "bench-chat"), both on 127.0.0.1; measures the series listed in SeriesName. */
export async function benchChat(service: Service, baseConfig: Config, opts: ChatBenchOptions): Promise<ChatBenchResult> {
  const { requests: n, warmup: warm, log } = opts;
  const t0 = performance.now();
  const pools = await pickPools(service.embedder, baseConfig.cache.threshold, opts);
  const rig = await startChatRig(service, baseConfig, opts.repo);
  try {
    const s = await measureSeries(rig, pools, opts);
    log('chat: hits under concurrency');
    const load = await chatThroughput(rig.dejavuOrigin, pools.plain.slice(0, 64).map((p) => chatBody(p)), pools.plain.map((p, i) => chatBody(paraphrase(p, i))), log);
    return {
      upstream: 'fake OpenAI server (test/support/fake-openai.ts) on 127.0.0.1',
      seconds: (performance.now() - t0) / 1000,
      requestsPerKind: n,
      warmupPerKind: warm,
      prompts: pools.stats,
      fakeChatCalls: { received: rig.fake.chatCalls().length, expected: 8 * (warm + n) + load.checkMisses },
      series: s,
      load,
      overhead: overhead(s),
    };
  } finally {
    await rig.close();
  }
}
