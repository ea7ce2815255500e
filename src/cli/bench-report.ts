import type { ChatLoad } from './bench-chat-load.js';
import { BYPASS_TEMPERATURE, type ChatBenchResult, type ChatSeries, type SeriesName } from './bench-chat.js';
import { KINDS, type EmbedResult, type Kind, type KindResult } from './bench-measure.js';
import type { PromptSource } from './bench-prompts.js';
import { mib, ms, pct, type Summary } from './bench-stats.js';
import type { IndexSetResult, ScaleResult } from './bench-scale.js';
import type { TargetName, ThroughputResult } from './bench-throughput.js';
import { efFor, targetsSection } from './bench-targets.js';
import { verifierCostSection, type VerifierCost } from './bench-verifier-cost.js';

export interface Machine {
  cpu: string;
  cpus: number;
  node: string;
  platform: string;
  totalMemGiB: number;
  /** When the run started (ISO 8601). */
  date: string;
}

/** Everything one run measured; printed as Markdown or, with --json, as is. */
export interface BenchReport {
  machine: Machine;
  settings: {
    model: string;
    threads: string;
    threshold: string;
    candidates: number;
    index: { m: number; efConstruction: number; ef: number };
  };
  prompts: { source: PromptSource; entries: number; lookupsPerKind: number };
  store: { entries: number; inFlight: number; seconds: number; perSecond: number; meanMs: number };
  embedder: EmbedResult;
  lookup: { inProcess: Record<Kind, KindResult>; http: Record<Kind, KindResult> };
  verifierCost: VerifierCost | null;
  throughput: ThroughputResult;
  chat: ChatBenchResult;
  /** Index, cache and startup at scale (null until they ran). */
  scale: ScaleResult | null;
  /** Wall time of each section, in run order, s. */
  sections: Array<{ name: string; seconds: number }>;
  totalSeconds: number;
}

const KIND_LABEL: Record<Kind, string> = { exact: 'exact hit', semantic: 'semantic hit', miss: 'miss' };

function machineLines(r: BenchReport): string[] {
  const m = r.machine;
  const s = r.settings;
  return [
    `- Run: ${m.date}; CPU: ${m.cpu} x ${m.cpus}; RAM ${m.totalMemGiB.toFixed(1)} GiB; ${m.platform}; Node ${m.node}`,
    `- Embedder: ${s.model}, ${s.threads} onnxruntime thread(s), no memo`,
    `- Cache: decision ${s.threshold}, ${s.candidates} candidates; HNSW M=${s.index.m}, efConstruction=${s.index.efConstruction}, ef=${s.index.ef}`,
    `- Entries: ${r.prompts.entries} (prompts: ${r.prompts.source}); ${r.prompts.lookupsPerKind} lookups per kind and path`,
  ];
}

function lookupRow(path: string, kind: Kind, k: KindResult): string {
  const st = k.statuses;
  const mix = `${st.hit}/${st['semantic-hit']}/${st.miss}`;
  const took = k.serverTookMs === undefined ? '' : ms(k.serverTookMs.p50);
  const cells = [path, KIND_LABEL[kind], `${k.matched}/${k.measured}`, mix, String(k.otherEntry)];
  return `| ${[...cells, ms(k.latencyMs.p50), ms(k.latencyMs.p99), ms(k.latencyMs.mean), took].join(' | ')} |`;
}

function lookupTable(r: BenchReport): string[] {
  const kinds: Kind[] = ['exact', 'semantic', 'miss'];
  return [
    '| path | kind | expected status | hit/semantic/miss | other entry | p50 ms | p99 ms | mean ms | server took_ms p50 |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...kinds.map((k) => lookupRow('in-process', k, r.lookup.inProcess[k])),
    ...kinds.map((k) => lookupRow('HTTP', k, r.lookup.http[k])),
  ];
}

function summaryRow(name: string, s: Summary, extra: string): string {
  return `| ${name} | ${s.n} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.mean)} | ${extra} |`;
}

const CHAT_ROWS: ReadonlyArray<[SeriesName, string]> = [
  ['direct', 'unique prompt, direct to the fake'],
  ['miss', 'miss (unique prompt)'],
  ['exact', 'exact hit'],
  ['semantic', 'semantic hit (paraphrase)'],
  ['directBypass', `temperature ${BYPASS_TEMPERATURE}, direct to the fake`],
  ['bypass', `bypass (temperature ${BYPASS_TEMPERATURE})`],
  ['streamDirect', 'stream, unique prompt, direct to the fake'],
  ['streamMiss', 'stream miss (unique prompt)'],
  ['streamHit', 'stream exact hit'],
  ['burstDirect', 'stream in one burst, direct to the fake'],
  ['burstMiss', 'stream miss in one burst'],
];

function chatRow(label: string, c: ChatSeries): string {
  const seen = Object.entries(c.statuses).map(([k, v]) => `${k} ${v}`).join(', ');
  const ttfb = c.ttfbMs === undefined ? ['', ''] : [ms(c.ttfbMs.p50), ms(c.ttfbMs.p99)];
  const cells = [label, c.target === 'fake' ? 'fake' : 'dejavu', `${c.matched}/${c.measured}`, seen, ms(c.latencyMs.p50), ms(c.latencyMs.p99), ms(c.latencyMs.mean), ...ttfb];
  return `| ${cells.join(' | ')} |`;
}

const signed = (x: number): string => (Number.isNaN(x) ? 'n/a' : `${x >= 0 ? '+' : ''}${x.toFixed(2)}`);

function chatSection(c: ChatBenchResult): string[] {
  const s = c.series;
  const o = c.overhead;
  const p = (name: SeriesName): string => ms(s[name].latencyMs.p50);
  return [
    '## Chat sidecar (/v1/chat/completions)',
    '',
    `dejavu (one provider: the ${c.upstream}) vs the same fake called directly; ${c.requestsPerKind} timed requests per row after ${c.warmupPerKind} untimed,`,
    'sequential, one keep-alive connection per target. Rows ran interleaved (one request of each row in turn) in three',
    'groups: the six miss / direct-stream rows, the three hit rows, the two temperature rows.',
    '',
    '| request | to | expected status | X-Cache-Status seen | p50 ms | p99 ms | mean ms | first byte p50 ms | first byte p99 ms |',
    '|---|---|---:|---|---:|---:|---:|---:|---:|',
    ...CHAT_ROWS.map(([name, label]) => chatRow(label, s[name])),
    '',
    `- Overhead of dejavu on a miss (embed + lookup + upstream call + store): ${signed(o.missMs)} ms at p50 (${p('direct')} -> ${p('miss')} ms, x${o.missRatio.toFixed(2)})`,
    `- Bypass overhead (pure proxy, no cache work): ${signed(o.bypassMs)} ms at p50 (${p('directBypass')} -> ${p('bypass')} ms, x${o.bypassRatio.toFixed(2)})`,
    `- Stream miss: first byte ${signed(o.streamMissTtfbMs)} ms, whole stream ${signed(o.streamMissTotalMs)} ms at p50 vs direct`,
    `- Stream miss in one burst: first byte ${signed(o.burstMissTtfbMs)} ms, whole stream ${signed(o.burstMissTotalMs)} ms at p50 vs direct`,
    `- Hits (never reach the upstream): exact ${p('exact')} ms, semantic ${p('semantic')} ms, stream ${p('streamHit')} ms at p50`,
    `- The fake received ${c.fakeChatCalls.received} chat requests (${c.fakeChatCalls.expected} expected: direct, miss and bypass ones, warm-up included)`,
    `- Chat section run time: ${c.seconds.toFixed(1)} s`,
    `- Miss prompts: ${c.prompts.kept} bench prompts with pairwise cosine < ${c.prompts.maxPairCosine} (${c.prompts.candidatesEmbedded} embedded to find them)`,
    '',
    '"stream" rows: the fake sends its first (role) chunk and holds the rest until the client has read',
    'that first byte, as a model producing tokens would; "in one burst" rows: the fake writes the whole',
    'answer at once: when dejavu reads [DONE] in the same chunk as the first bytes it holds them until',
    'the answer is stored (read-your-writes), so the first byte often waits for the store too. Direct streams ask for the',
    'usage chunk too, as dejavu does upstream. Fake, dejavu and client share one Node process.',
    '',
    'The fake answers in about a millisecond; a real model takes hundreds of ms to seconds, so the',
    'miss overhead is what matters there, and a hit saves the whole upstream call.',
  ];
}

const TARGET_LABEL: Record<TargetName, string> = {
  exact: 'exact hit (REST lookup)',
  semantic: 'semantic hit (REST lookup)',
  chatExact: 'exact hit (chat completion)',
  chatSemantic: 'semantic hit (chat completion)',
  bare: 'bare Fastify route (ceiling)',
};

function throughputSection(t: ThroughputResult, chat: ChatLoad, embedsPerSecond: number, poolPerSecond: number): string[] {
  const all = [...t.runs.filter((r) => r.target !== 'bare'), ...chat.runs, ...t.runs.filter((r) => r.target === 'bare')];
  const rows = all.map((r) => {
    const seen = Object.entries(r.statuses).map(([k, v]) => `${k} ${v}`).join(', ');
    const cells = [TARGET_LABEL[r.target], String(r.concurrency), r.perSecond.toFixed(0), `${r.matched}/${r.requests}`, seen, ms(r.latencyMs.p50), ms(r.latencyMs.p99), ms(r.eventLoopDelayP99Ms)];
    return `| ${cells.join(' | ')} |`;
  });
  const at32 = (name: TargetName): number => all.find((r) => r.target === name && r.concurrency === 32)?.perSecond ?? Number.NaN;
  const rate = (name: TargetName): string => at32(name).toFixed(0);
  return [
    '## Throughput under concurrency (HTTP)',
    '',
    `Closed loop: for concurrency c, an undici Pool with c connections (pipelining 1) and c loops sending`,
    `requests back to back; ${t.warmupMs} ms warm-up, then ${(t.durationMs / 1000).toFixed(1)} s measured (requests completed inside the window).`,
    `Semantic hits rotate through ${t.semanticProbes.used} of ${t.semanticProbes.checked} paraphrase probes that semantic-hit in a check pass; exact hits`,
    'rotate through the stored prompts of the HTTP section. Chat rows: POST /v1/chat/completions of the chat section\'s app (below),',
    `exact hits rotate through 64 stored conversations, semantic hits through ${chat.semanticProbes.used} of ${chat.semanticProbes.checked} paraphrases that semantic-hit in a check pass.`,
    'Client, dejavu and the bare route share one Node process,',
    `so the event-loop delay (monitorEventLoopDelay, ${t.loopResolutionMs} ms resolution, main thread) includes the client's work.`,
    '',
    '| target | concurrency | req/s | expected status | statuses seen | p50 ms | p99 ms | event-loop delay p99 ms |',
    '|---|---:|---:|---:|---|---:|---:|---:|',
    ...rows,
    '',
    `- Semantic hits at c=32 vs the raw embedder (sequential, measured above): ${rate('semantic')} req/s / ${embedsPerSecond.toFixed(1)} embeds/s = x${t.ratios.semanticVsEmbedder.toFixed(2)}`,
    `- Semantic hits at c=32 vs the embedder pool at full load (raw, measured above): ${rate('semantic')} / ${poolPerSecond.toFixed(1)} = x${(at32('semantic') / poolPerSecond).toFixed(2)} (what is left goes to HTTP, search, SQLite and the verifier on the main thread, which shares the 2 cores with the workers)`,
    `- Exact hits at c=32 vs the bare route at c=32: ${rate('exact')} / ${rate('bare')} req/s = x${t.ratios.exactVsBare.toFixed(2)}`,
    `- Chat exact hits at c=32 vs the bare route: ${rate('chatExact')} / ${rate('bare')} req/s = x${(at32('chatExact') / at32('bare')).toFixed(2)}; chat semantic hits at c=32 vs the raw embedder: ${rate('chatSemantic')} / ${embedsPerSecond.toFixed(1)} = x${(at32('chatSemantic') / embedsPerSecond).toFixed(2)}`,
    `- Throughput section run time: ${t.seconds.toFixed(1)} s`,
  ];
}

/** Human-readable report. Latencies are sequential (one request in flight), in ms. */
export function markdown(r: BenchReport): string {
  const { store, embedder } = r;
  return [
    '# dejavu benchmark',
    '',
    ...machineLines(r),
    '',
    '## Store and embed',
    '',
    '| phase | n | p50 ms | p99 ms | mean ms | throughput |',
    '|---|---:|---:|---:|---:|---:|',
    `| store (in-process, ${store.inFlight} in flight, embed + SQLite + HNSW) | ${store.entries} | | | ${ms(store.meanMs * store.inFlight)} | ${store.perSecond.toFixed(1)} entries/s (${store.seconds.toFixed(1)} s) |`,
    summaryRow('embedder.embed (raw)', embedder.latencyMs, `${embedder.perSecond.toFixed(1)} embeds/s`),
    summaryRow(`embedder.embed (raw, ${embedder.concurrent.inFlight} in flight over the pool)`, embedder.concurrent.latencyMs, `${embedder.concurrent.perSecond.toFixed(1)} embeds/s`),
    '',
    '## Lookup latency',
    '',
    ...lookupTable(r),
    '',
    'Percentiles are over the lookups that had the expected status ("expected status" column);',
    'HTTP times are client-side round trips over one keep-alive connection to 127.0.0.1;',
    '"other entry" counts hits that returned a different stored prompt than the one probed.',
    '',
    ...verifierCostSection(r.verifierCost),
    '',
    ...throughputSection(r.throughput, r.chat.load, embedder.perSecond, embedder.concurrent.perSecond),
    '',
    ...chatSection(r.chat),
    '',
    ...(r.scale === null ? [] : scaleSections(r.scale, r.lookup, r.prompts.entries)),
    ...targetsSection(r),
    '',
    '## Run time by section',
    '',
    '| section | s |',
    '|---|---:|',
    ...r.sections.map((x) => `| ${x.name} | ${x.seconds.toFixed(1)} |`),
    `| **total** | ${r.totalSeconds.toFixed(1)} |`,
    '',
  ].join('\n');
}


function indexSet(set: IndexSetResult): string[] {
  const builds = set.graphs.map((g) => {
    const when = g.cached ? `cached, built ${g.builtAt.slice(0, 16)}` : 'this run';
    return `| ${g.m} | ${g.efConstruction} | ${g.buildSeconds.toFixed(1)} | ${(set.vectors / g.buildSeconds).toFixed(0)} | ${when} | ${mib(g.buildRssDeltaMiB)} | ${mib(g.loadRssDeltaMiB)} | ${mib(g.fileMiB)} |`;
  });
  const sweeps = set.graphs.flatMap((g) => g.searches.map((s) => `| ${g.m} / ${g.efConstruction} | ${s.ef} | ${ms(s.latencyMs.p50)} | ${ms(s.latencyMs.p99)} | ${pct(s.recallAt1)} |`));
  return [
    `### ${set.name} (${set.dims}-d)`,
    '',
    `${set.description}. ${set.queries} queries, k = ${set.k} (the cache's candidates); exact top-1 by brute-force dot product`,
    `over all vectors (${set.truthCached ? 'cached from an earlier run' : `${set.truthSeconds.toFixed(1)} s`}). Section time ${set.seconds.toFixed(1)} s.`,
    '',
    '| M | efConstruction | build s | vectors/s | built | RSS growth over build MiB | RSS growth loading the saved graph MiB | graph size MiB |',
    '|---:|---:|---:|---:|---|---:|---:|---:|',
    ...builds,
    '',
    '| M / efConstruction | ef | search p50 ms | search p99 ms | recall@1 |',
    '|---|---:|---:|---:|---:|',
    ...sweeps,
    '',
  ];
}

function lookupCompare(small: { entries: number; lookup: BenchReport['lookup'] }, big: NonNullable<ScaleResult['lookups']>): string[] {
  const row = (path: 'inProcess' | 'http', kind: Kind): string => {
    const a = small.lookup[path][kind];
    const b = big[path][kind];
    const took = (k: KindResult): string => (k.serverTookMs === undefined ? '' : ms(k.serverTookMs.p50));
    return `| ${path === 'http' ? 'HTTP' : 'in-process'} | ${KIND_LABEL[kind]} | ${ms(a.latencyMs.p50)} | ${ms(a.latencyMs.p99)} | ${took(a)} | ${b.matched}/${b.measured} | ${ms(b.latencyMs.p50)} | ${ms(b.latencyMs.p99)} | ${took(b)} |`;
  };
  return [
    `| path | kind | p50 ms @${small.entries} | p99 ms @${small.entries} | took_ms p50 @${small.entries} | expected status @${big.entries} | p50 ms @${big.entries} | p99 ms @${big.entries} | took_ms p50 @${big.entries} |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...KINDS.map((k) => row('inProcess', k)),
    ...KINDS.map((k) => row('http', k)),
  ];
}

export function scaleSections(s: ScaleResult, lookup: BenchReport['lookup'], entries: number): string[] {
  const out: string[] = ['## HNSW index', ''];
  out.push('Graphs are made by ShardedHnswIndex.newGraph (hnswlib-node, cosine space, seed 100, as the service builds them) and searched with');
  out.push('searchKnn directly (one query at a time, no shard lookup or HTTP); ef is varied at query time on each built graph. RSS is the');
  out.push('process resident set after a full GC (build: includes transient JS garbage of the input arrays); graph size is the saved file,');
  out.push("which is hnswlib's in-memory layout (vectors + links). Graphs and exact answers are cached in data/bench-cache/: a cached");
  out.push('build row shows the figures of the run that built it.', '');
  if (s.real !== null) out.push(...indexSet(s.real));
  if (s.synthetic !== null) out.push(...indexSet(s.synthetic));
  const d = s.defaults;
  const hit = s.real === null ? null : efFor(s.real, d.m, d.efConstruction, 0.99);
  const cur = s.real?.graphs.find((g) => g.m === d.m && g.efConstruction === d.efConstruction)?.searches.find((x) => x.ef === d.ef);
  if (s.real !== null) {
    out.push(`- Default graph (M=${d.m}, efConstruction=${d.efConstruction}) at ${s.real.vectors} real embeddings: recall@1 >= 0.99 from ef = ${hit === null ? 'none swept' : `${hit.ef} (recall ${pct(hit.recall)}, p99 ${ms(hit.p99)} ms)`}; the configured ef = ${d.ef} gives ${cur === undefined ? 'n/a (not swept)' : `recall ${pct(cur.recallAt1)}, p99 ${ms(cur.latencyMs.p99)} ms`}.`, '');
  }
  if (s.lookups !== null && s.fill !== null) {
    const l = s.lookups.indexLoad;
    out.push(`## Cache at ${s.lookups.entries} entries`, '');
    out.push(`Data dir filled in bulk from the embeddings above: ${s.fill.entries} rows through SqliteStore.upsert in one transaction (${s.fill.sqliteSeconds.toFixed(1)} s),`);
    out.push(`the default graph installed and written by persistence.saveIndex (${s.fill.indexSaveSeconds.toFixed(1)} s). openService then loaded it: ${l.loadedShards} shard(s) loaded, ${l.rebuiltShards} rebuilt, ${l.ms.toFixed(0)} ms.`);
    out.push(`Same probes as at ${entries} entries (paraphrases of stored questions, word-salad misses); ${s.lookups.inProcess.exact.measured} lookups per kind and path.`, '');
    if (s.lookups.semanticDisabled !== null) out.push(`**Semantic lookups were OFF in this service: ${s.lookups.semanticDisabled}**`, '');
    out.push(...lookupCompare({ entries, lookup }, s.lookups), '');
  }
  if (s.startup !== null) {
    out.push(`## Startup with ${s.startup.entries} entries`, '', `\`node dist/main.js\` (dist: ${s.startup.dist}) on the data dir above, timed from spawn to the first 200 of GET /readyz (polled every 10 ms);`);
    out.push('the index figures come from its own "index loaded" log line.', '', '| start | ready ms | shards loaded | shards rebuilt | index load ms |', '|---:|---:|---:|---:|---:|');
    out.push(...s.startup.runs.map((r, i) => `| ${i + 1} | ${r.readyMs.toFixed(0)} | ${r.loadedShards} | ${r.rebuiltShards} | ${r.indexLoadMs.toFixed(0)} |`), '');
  }
  for (const why of s.skipped) out.push(`- Skipped: ${why}`);
  return out;
}
