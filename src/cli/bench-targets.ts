// The targets, each with the figure the run measured and a verdict.
import type { BenchReport } from './bench-report.js';
import { mib, ms, pct } from './bench-stats.js';
import type { IndexSetResult } from './bench-scale.js';

/** Smallest swept ef whose recall@1 reaches `target` on a graph, with its figures. */
export function efFor(set: IndexSetResult, m: number, efConstruction: number, target: number): { ef: number; p99: number; recall: number } | null {
  const g = set.graphs.find((x) => x.m === m && x.efConstruction === efConstruction);
  const s = g?.searches.find((x) => x.recallAt1 >= target);
  return s === undefined ? null : { ef: s.ef, p99: s.latencyMs.p99, recall: s.recallAt1 };
}

/** The synthetic graph that reaches recall@1 0.98 with the lowest p99 (else the first graph). */
export function bestSyntheticGraph(syn: IndexSetResult | null): { g: IndexSetResult['graphs'][number] | undefined; best: ReturnType<typeof efFor> } {
  if (syn === null) return { g: undefined, best: null };
  const scored = syn.graphs.map((g) => ({ g, best: efFor(syn, g.m, g.efConstruction, 0.98) }));
  const ok = scored.filter((x) => x.best !== null).sort((a, b) => (a.best?.p99 ?? 0) - (b.best?.p99 ?? 0));
  return ok[0] ?? { g: syn.graphs[0], best: null };
}

const verdict = (ok: boolean | null): string => (ok === null ? 'not measured' : ok ? 'met' : 'NOT met');

/** The targets, each with the measured figure. */
export function targetsSection(r: BenchReport): string[] {
  const t = r.throughput;
  const sem32 = t.runs.find((x) => x.target === 'semantic' && x.concurrency === 32);
  const s = r.scale;
  const exactTook = s?.lookups?.http.exact.serverTookMs?.p50 ?? Number.NaN;
  const syn = s?.synthetic ?? null;
  const { g, best } = bestSyntheticGraph(syn);
  const rss = g === undefined ? Number.NaN : Math.max(g.buildRssDeltaMiB, g.loadRssDeltaMiB ?? 0, g.fileMiB);
  const at = g === undefined ? '' : `M=${g.m}/efC=${g.efConstruction}, `;
  const ready = s?.startup?.runs.map((x) => x.readyMs) ?? [];
  const rebuilt = s?.startup?.runs.some((x) => x.rebuiltShards > 0) ?? false;
  const num = (x: number): boolean | null => (Number.isNaN(x) ? null : true);
  const rows: Array<[string, string, boolean | null]> = [
    ['REST semantic hits at c=32 >= 0.9x raw embedder (stretch 1.3x)', `x${t.ratios.semanticVsEmbedder.toFixed(2)}`, t.ratios.semanticVsEmbedder >= 0.9],
    [`exact-hit server took_ms p50 <= 0.5 ms at ${s?.lookups?.entries ?? 'n/a'} entries`, `${ms(exactTook)} ms`, num(exactTook) && exactTook <= 0.5],
    ['HTTP exact-hit throughput >= 0.5x bare route (c=32)', `x${t.ratios.exactVsBare.toFixed(2)}`, t.ratios.exactVsBare >= 0.5],
    ['event-loop delay p99 <= 20 ms, semantic hits at c=32', `${ms(sem32?.eventLoopDelayP99Ms ?? Number.NaN)} ms`, sem32 === undefined ? null : sem32.eventLoopDelayP99Ms <= 20],
    [`${syn?.vectors ?? '1M'} vectors: search p99 <= 3 ms with recall@1 >= 0.98`, best === null ? (syn === null ? 'n/a' : 'recall 0.98 not reached') : `${at}ef ${best.ef}: p99 ${ms(best.p99)} ms, recall ${pct(best.recall)}`, syn === null ? null : best !== null && best.p99 <= 3],
    [`${syn?.vectors ?? '1M'} vectors: index RSS <= 3 GB`, g === undefined ? 'n/a' : `${at}${mib(rss)} MiB (largest of build/load RSS growth and graph size)`, g === undefined ? null : rss <= 3 * 1024],
    ['verifier adds <= 30 % to semantic-hit p50 (in-process, vs cosine only)', r.verifierCost === null ? 'n/a' : `x${r.verifierCost.p50Ratio.toFixed(2)}`, r.verifierCost === null ? null : r.verifierCost.p50Ratio <= 1.3],
    [`ready <= 3 s with ${s?.startup?.entries ?? 'n/a'} entries, index loaded not rebuilt`, ready.length === 0 ? 'n/a' : `${ready.map((x) => (x / 1000).toFixed(2)).join(' / ')} s${rebuilt ? ', REBUILT' : ''}`, ready.length === 0 ? null : !rebuilt && Math.max(...ready) <= 3000],
  ];
  const mode = s?.synthetic === null ? '--quick' : 'full run';
  rows.push([`\`npm run bench\` under 10 min (--quick may skip the 1M set)`, `${(r.totalSeconds / 60).toFixed(1)} min, ${mode}`, r.totalSeconds <= 600]);
  return ['## Targets', '', '| target | measured | verdict |', '|---|---|---|', ...rows.map(([name, got, ok]) => `| ${name} | ${got} | ${verdict(ok)} |`)];
}
