import type { EmbedResult, Kind, KindResult } from './bench-measure.js';
import type { PromptSource } from './bench-prompts.js';
import type { Summary } from './bench-stats.js';

export interface Machine {
  cpu: string;
  cpus: number;
  node: string;
  platform: string;
  totalMemGiB: number;
}

/** Everything one run measured; printed as Markdown or, with --json, as is. */
export interface BenchReport {
  machine: Machine;
  settings: {
    model: string;
    threads: number;
    threshold: number;
    candidates: number;
    index: { m: number; efConstruction: number; ef: number };
  };
  prompts: { source: PromptSource; entries: number; lookupsPerKind: number };
  store: { entries: number; seconds: number; perSecond: number; meanMs: number };
  embedder: EmbedResult;
  lookup: { inProcess: Record<Kind, KindResult>; http: Record<Kind, KindResult> };
  totalSeconds: number;
}

const KIND_LABEL: Record<Kind, string> = { exact: 'exact hit', semantic: 'semantic hit', miss: 'miss' };
const ms = (x: number): string => (Number.isNaN(x) ? 'n/a' : x.toFixed(2));

function machineLines(r: BenchReport): string[] {
  const m = r.machine;
  const s = r.settings;
  return [
    `- CPU: ${m.cpu} x ${m.cpus}; RAM ${m.totalMemGiB.toFixed(1)} GiB; ${m.platform}; Node ${m.node}`,
    `- Embedder: ${s.model}, ${s.threads} onnxruntime thread(s)`,
    `- Cache: threshold ${s.threshold}, ${s.candidates} candidates; HNSW M=${s.index.m}, efConstruction=${s.index.efConstruction}, ef=${s.index.ef}`,
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
    `| store (in-process, embed + SQLite + HNSW) | ${store.entries} | | | ${ms(store.meanMs)} | ${store.perSecond.toFixed(1)} entries/s (${store.seconds.toFixed(1)} s) |`,
    summaryRow('embedder.embed (raw)', embedder.latencyMs, `${embedder.perSecond.toFixed(1)} embeds/s`),
    '',
    '## Lookup latency',
    '',
    ...lookupTable(r),
    '',
    'Percentiles are over the lookups that had the expected status ("expected status" column);',
    'HTTP times are client-side round trips over one keep-alive connection to 127.0.0.1;',
    '"other entry" counts hits that returned a different stored prompt than the one probed.',
    '',
    `Total run time: ${r.totalSeconds.toFixed(1)} s`,
    '',
  ].join('\n');
}
