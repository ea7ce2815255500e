// Chat sidecar benchmark: POST /v1/chat/completions through dejavu in front of the scriptable fake
// OpenAI server (test/support/fake-openai.ts), against the same fake called directly. Sequential
// requests over one keep-alive undici Client per target; latencies are client-side, in ms.
import { chatThroughput, type ChatLoad } from './bench-chat-load.js';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from 'undici';
import { buildApp } from '../app.js';
import { parseConfig, type Config } from '../config.js';
import { systemClock, type Embedder } from '../core/ports.js';
import { normalizePrompt } from '../core/request-key.js';
import { Metrics } from '../http/metrics.js';
import { Ready } from '../ready.js';
import type { Service } from '../service.js';
import { createUpstream } from '../upstream/client.js';
import { paraphrase, syntheticQuestions } from './bench-prompts.js';
import { seededRandom, shuffle, summarize, type Summary } from './bench-stats.js';

/** The model name sent in every chat request (the fake echoes it; it only partitions the cache). */
const CHAT_MODEL = 'bench-chat';
/** Temperature above config.chat.max_temperature (default 1): the request bypasses the cache. */
export const BYPASS_TEMPERATURE = 1.5;

/** The part of test/support/fake-openai.ts used here. It is loaded at run time (bench runs under
 * tsx) because importing test/ from src/ would put it outside tsconfig.json's rootDir and break
 * `npm run build`. */
interface FakeServer {
  url: string;
  chatCalls(): unknown[];
  /** On: streamed answers stop after the role chunk until released; off releases them all. */
  gateStream(on: boolean): void;
  close(): Promise<void>;
}
type StartFake = (opts?: { model?: string }) => Promise<FakeServer>;

async function loadFake(repo: string): Promise<StartFake> {
  const href = pathToFileURL(resolve(repo, 'test', 'support', 'fake-openai.ts')).href;
  const mod = (await import(href)) as { startFakeOpenAI?: StartFake };
  if (typeof mod.startFakeOpenAI !== 'function') throw new Error(`${href} does not export startFakeOpenAI`);
  return mod.startFakeOpenAI;
}

/** What X-Cache-Status a series expects; 'direct' = straight to the fake (no such header). */
export type Expect = 'DIRECT' | 'MISS' | 'HIT' | 'SEMANTIC-HIT' | 'BYPASS';

export interface ChatSeries {
  target: 'fake' | 'dejavu';
  expected: Expect;
  measured: number;
  /** Requests answered 200 with the expected X-Cache-Status; percentiles are over these only. */
  matched: number;
  /** X-Cache-Status values seen (DIRECT for the fake itself; http_<code> for non-200 answers). */
  statuses: Record<string, number>;
  /** Whole request: send to the last body byte. */
  latencyMs: Summary;
  /** Streams only: send to the first body byte (first SSE chunk). */
  ttfbMs?: Summary;
}

export type SeriesName =
  | 'direct'
  | 'miss'
  | 'exact'
  | 'semantic'
  | 'directBypass'
  | 'bypass'
  | 'streamDirect'
  | 'streamMiss'
  | 'streamHit'
  | 'burstDirect'
  | 'burstMiss';

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

interface Obs {
  status: string;
  ms: number;
  ttfbMs?: number;
}

interface Target {
  client: Client;
  path: string;
  target: 'fake' | 'dejavu';
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function chatBody(prompt: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: CHAT_MODEL, messages: [{ role: 'user', content: prompt }], ...extra });
}

function statusOf(t: Target, httpStatus: number, header: string | string[] | undefined): string {
  if (httpStatus !== 200) return `http_${httpStatus}`;
  if (t.target === 'fake') return 'DIRECT';
  return (Array.isArray(header) ? header.join(',') : header) ?? 'none';
}

/** One non-streaming request, timed until the whole body has been read. */
async function once(t: Target, body: string): Promise<Obs> {
  const t0 = performance.now();
  const res = await t.client.request({ method: 'POST', path: t.path, headers: JSON_HEADERS, body });
  const text = await res.body.text();
  const ms = performance.now() - t0;
  const status = statusOf(t, res.statusCode, res.headers['x-cache-status']);
  if (res.statusCode === 200 && !text.includes('"chat.completion"')) return { status: 'bad_body', ms };
  return { status, ms };
}

/** One streaming request: time to the first body chunk and to the end of the stream. With `gate`,
 * the fake sends its first (role) chunk and holds the content chunks until the client has that
 * first chunk, like a model that needs time for the next tokens; without it the fake writes the
 * whole answer at once. */
async function onceStream(t: Target, body: string, gate?: FakeServer): Promise<Obs> {
  gate?.gateStream(true);
  try {
    const t0 = performance.now();
    const res = await t.client.request({ method: 'POST', path: t.path, headers: JSON_HEADERS, body });
    let ttfbMs: number | undefined;
    let text = '';
    for await (const chunk of res.body) {
      if (ttfbMs === undefined) {
        ttfbMs = performance.now() - t0;
        gate?.gateStream(false);
      }
      text += (chunk as Buffer).toString('utf8');
    }
    const ms = performance.now() - t0;
    const status = statusOf(t, res.statusCode, res.headers['x-cache-status']);
    if (res.statusCode === 200 && !text.includes('data: [DONE]')) return { status: 'bad_stream', ms };
    return { status, ms, ttfbMs: ttfbMs ?? ms };
  } finally {
    gate?.gateStream(false);
  }
}

function series(t: Target, expected: Expect, obs: readonly Obs[]): ChatSeries {
  const statuses: Record<string, number> = {};
  for (const o of obs) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
  const good = obs.filter((o) => o.status === expected);
  const out: ChatSeries = { target: t.target, expected, measured: obs.length, matched: good.length, statuses, latencyMs: summarize(good.map((o) => o.ms)) };
  if (obs.some((o) => o.ttfbMs !== undefined)) out.ttfbMs = summarize(good.map((o) => o.ttfbMs ?? Number.NaN));
  return out;
}

/** A step of one measured series: which target, what to expect, how to send request i. */
interface Step {
  name: SeriesName;
  target: Target;
  expected: Expect;
  send: (t: Target, i: number) => Promise<Obs>;
}

/** Runs the steps interleaved (request i of every step, then i + 1...), so that two series that are
 * compared (direct vs dejavu) see the same machine state; the first `warm` rounds are untimed. */
async function interleaved(steps: readonly Step[], warm: number, n: number): Promise<Partial<Record<SeriesName, ChatSeries>>> {
  const obs = steps.map(() => [] as Obs[]);
  for (let i = 0; i < warm + n; i++) {
    for (const [s, step] of steps.entries()) {
      const o = await step.send(step.target, i);
      if (i >= warm) obs[s]?.push(o);
    }
  }
  const out: Partial<Record<SeriesName, ChatSeries>> = {};
  steps.forEach((step, s) => {
    out[step.name] = series(step.target, step.expected, obs[s] ?? []);
  });
  return out;
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

/** Fake upstream + a dejavu app over `service` (its own chat partition: namespace "default", model
 * "bench-chat"), both on 127.0.0.1; measures the series listed in SeriesName. */
export async function benchChat(service: Service, baseConfig: Config, opts: ChatBenchOptions): Promise<ChatBenchResult> {
  const { requests: n, warmup: warm, log } = opts;
  const t0 = performance.now();
  const maxPairCosine = Math.min(0.8, baseConfig.cache.threshold - 0.1);
  log(`chat: picking ${3 * (warm + n)} mutually distinct prompts (pairwise cosine < ${maxPairCosine})`);
  const candidates = [...shuffle([...opts.prompts], seededRandom(31)), ...syntheticQuestions(5000, 32)];
  const { prompts: pool, embedded } = await distinctPrompts(service.embedder, candidates, 3 * (warm + n), maxPairCosine);
  const plain = pool.slice(0, warm + n); // non-stream misses, then exact / semantic hits
  const streamed = pool.slice(warm + n, 2 * (warm + n)); // gated stream misses, then stream hits
  const burst = pool.slice(2 * (warm + n)); // ungated stream misses

  const startFake = await loadFake(opts.repo);
  const fake = await startFake({ model: CHAT_MODEL });
  const providers = [{ name: 'fake', base_url: fake.url }];
  const chatConfig = parseConfig({ ...baseConfig, providers });
  const cache = Ready.of(service.cache);
  const metrics = new Metrics(cache);
  const upstream = createUpstream(chatConfig.providers, chatConfig.upstream, { clock: systemClock, observer: metrics });
  const app = buildApp({ config: chatConfig, cache, upstream, metrics });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const fakeUrl = new URL(fake.url);
  const direct: Target = { client: new Client(fakeUrl.origin), path: `${fakeUrl.pathname}/chat/completions`, target: 'fake' };
  const dejavuOrigin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const dejavu: Target = { client: new Client(dejavuOrigin), path: '/v1/chat/completions', target: 'dejavu' };
  const at = (list: readonly string[], i: number): string => list[i % list.length] as string;
  // dejavu asks upstream streams for their usage chunk (chat.stream_usage); direct streams ask too,
  // so that the fake does the same work on both paths.
  const streamExtra = { stream: true, stream_options: { include_usage: chatConfig.chat.stream_usage } };
  try {
    // Every miss series in one interleaved loop, so that load drift hits them all alike; then the
    // hits (their prompts are stored by then), then bypass.
    log(`chat: misses (plain, stream, stream in one burst), dejavu vs direct: ${warm} + ${n} rounds, interleaved`);
    const misses = await interleaved(
      [
        { name: 'direct', target: direct, expected: 'DIRECT', send: (t, i) => once(t, chatBody(at(plain, i))) },
        { name: 'miss', target: dejavu, expected: 'MISS', send: (t, i) => once(t, chatBody(at(plain, i))) },
        { name: 'streamDirect', target: direct, expected: 'DIRECT', send: (t, i) => onceStream(t, chatBody(at(streamed, i), streamExtra), fake) },
        { name: 'streamMiss', target: dejavu, expected: 'MISS', send: (t, i) => onceStream(t, chatBody(at(streamed, i), { stream: true }), fake) },
        { name: 'burstDirect', target: direct, expected: 'DIRECT', send: (t, i) => onceStream(t, chatBody(at(burst, i), streamExtra)) },
        { name: 'burstMiss', target: dejavu, expected: 'MISS', send: (t, i) => onceStream(t, chatBody(at(burst, i), { stream: true })) },
      ],
      warm,
      n,
    );
    log('chat: hits (exact, semantic, stream), interleaved');
    const hits = await interleaved(
      [
        { name: 'exact', target: dejavu, expected: 'HIT', send: (t, i) => once(t, chatBody(at(plain, i))) },
        { name: 'semantic', target: dejavu, expected: 'SEMANTIC-HIT', send: (t, i) => once(t, chatBody(paraphrase(at(plain, i), i))) },
        { name: 'streamHit', target: dejavu, expected: 'HIT', send: (t, i) => onceStream(t, chatBody(at(streamed, i), { stream: true }), fake) },
      ],
      warm,
      n,
    );
    log(`chat: bypass (temperature ${BYPASS_TEMPERATURE}), dejavu vs direct, interleaved`);
    const hot = { temperature: BYPASS_TEMPERATURE };
    const bypass = await interleaved(
      [
        { name: 'directBypass', target: direct, expected: 'DIRECT', send: (t, i) => once(t, chatBody(at(plain, i), hot)) },
        { name: 'bypass', target: dejavu, expected: 'BYPASS', send: (t, i) => once(t, chatBody(at(plain, i), hot)) },
      ],
      warm,
      n,
    );
    log('chat: hits under concurrency');
    const load = await chatThroughput(dejavuOrigin, plain.slice(0, 64).map((p) => chatBody(p)), plain.map((p, i) => chatBody(paraphrase(p, i))), log);
    const s = { ...misses, ...hits, ...bypass } as Record<SeriesName, ChatSeries>;
    return {
      upstream: 'fake OpenAI server (test/support/fake-openai.ts) on 127.0.0.1',
      seconds: (performance.now() - t0) / 1000,
      requestsPerKind: n,
      warmupPerKind: warm,
      prompts: { candidatesEmbedded: embedded, kept: pool.length, maxPairCosine },
      fakeChatCalls: { received: fake.chatCalls().length, expected: 8 * (warm + n) + load.checkMisses },
      series: s,
      load,
      overhead: {
        missMs: p50(s.miss) - p50(s.direct),
        missRatio: p50(s.miss) / p50(s.direct),
        bypassMs: p50(s.bypass) - p50(s.directBypass),
        bypassRatio: p50(s.bypass) / p50(s.directBypass),
        streamMissTtfbMs: p50(s.streamMiss, 'ttfbMs') - p50(s.streamDirect, 'ttfbMs'),
        streamMissTotalMs: p50(s.streamMiss) - p50(s.streamDirect),
        burstMissTtfbMs: p50(s.burstMiss, 'ttfbMs') - p50(s.burstDirect, 'ttfbMs'),
        burstMissTotalMs: p50(s.burstMiss) - p50(s.burstDirect),
      },
    };
  } finally {
    await direct.client.close();
    await dejavu.client.close();
    await app.close();
    await upstream.close();
    await fake.close();
  }
}
