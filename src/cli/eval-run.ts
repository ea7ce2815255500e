// The eval core: labelled pairs through the real cache (openService on a temporary data dir,
// SemanticCache.store / lookup as the service uses them), outcomes tallied per row, and with
// `sweep` the decision curves over the threshold, from SemanticCache.explain.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import type { Config } from '../config.js';
import type { Embedder, Verifier } from '../core/ports.js';
import { requestKey } from '../core/request-key.js';
import type { SemanticCache } from '../core/semantic-cache.js';
import type { Candidate, LookupOptions, LookupStatus, RequestKey } from '../core/types.js';
import { lookupOptions } from '../http/lookup-options.js';
import { calibrationProblem, openService, type Service } from '../service.js';
import { summarize, type Summary } from './bench-stats.js';
import { PairsFileError, readPairs, type PairRow } from './eval-pairs.js';
import { plotSvg, type PlotCurve, type PlotMarker } from './eval-plot.js';
import {
  bestUnder, classify, cosineGrid, curveAt, emptyCounts, fullCurve, hitAt, rates, verifierGrid,
  type CurvePoint, type OutcomeCounts, type Pick, type QueryTrace, type Rates,
} from './eval-sweep.js';
import { loadOptionalVerifier } from './eval-verifier.js';
import { calibrate, type Calibration } from './eval-calibrate.js';

export type EvalMode = 'pairwise' | 'replay';
export type DecisionKind = 'verifier' | 'cosine';

export interface EvalOptions {
  /** The TSV file (id, text_a, text_b, label[, family]). */
  pairs: string;
  mode: EvalMode;
  /** Also compute the curves over the threshold and write the plot. */
  sweep?: boolean;
  /** Only the first N rows. */
  limit?: number;
  /** Overrides cache.decision. */
  decision?: DecisionKind;
  /** Overrides cache.max_false_hit_rate (verifier mode). */
  rate?: number;
  /** Cosine threshold given per lookup, as a request's `threshold` would be (cosine only). */
  threshold?: number;
  /** Also pick the verifier threshold for this false-hit rate on the file (eval-calibrate.ts); needs sweep. */
  calibrate?: number;
  /** Where the sweep writes its SVG; default eval-<file name>-<mode>.svg in `plotDir`. */
  plot?: string;
  /** Default folder of the plot; default the current directory. */
  plotDir?: string;
  /** Settings (decision, candidates, embedder...); data_dir is replaced by a temporary dir. */
  config: Config;
  /** An already loaded embedder (tests share one); else the service loads the configured model. */
  embedder?: Embedder;
  /** The hit verifier; else loaded from cache.verifier_path when it and src/verifier exist. */
  verifier?: Verifier;
  /** Progress lines (stderr in the CLI). */
  log?: (msg: string) => void;
}

export interface DecisionInfo {
  /** The decision the lookups actually used. */
  kind: DecisionKind;
  /** The decision asked for (option or config). */
  requested: DecisionKind;
  /** Cosine threshold (cosine mode) or candidate floor (verifier mode). */
  threshold: number;
  /** Verifier mode: the score threshold for max_false_hit_rate. */
  minScore?: number;
  maxFalseHitRate?: number;
  /** Verifier mode: minScore comes from cache.verifier_calibration, not from maxFalseHitRate. */
  calibrated?: boolean;
  /** Id of the verifier the cache holds, else null. */
  verifier: string | null;
  /** Why the verifier is not in use although asked for (or not available for the sweep). */
  note: string | null;
}

export interface OutcomeReport extends OutcomeCounts {
  /** False hits that returned another row's entry, not the row's own text_a (replay mode). */
  falseHitOtherEntry: number;
  /** Hits served by the exact tier (same normalised text). */
  exactHits: number;
  /** Lookups whose semantic tier was skipped (prompt longer than the model window). */
  skipped: number;
}

export interface FamilyReport extends OutcomeCounts {
  rows: number;
  label1: number;
  label0: number;
}

export interface CurveReport {
  /** Rows of the printed table. */
  table: CurvePoint[];
  /** Best recall with the false-hit rate at or below each bound (threshold chosen on this file). */
  bestUnder: Array<{ maxFalseHitRate: number; point: CurvePoint | null }>;
  /** Distinct thresholds on the full curve (plotted). */
  points: number;
}

export interface SweepReport {
  plot: string;
  /** Score threshold (verifier) or similarity (cosine) curves; verifier null without a verifier. */
  verifier: (CurveReport & { devThresholds: Array<{ maxFalseHitRate: number; threshold: number }> }) | null;
  cosine: CurveReport;
  /** The verifier threshold for EvalOptions.calibrate, when asked for and a verifier is loaded. */
  calibration: Calibration | null;
  /** Lookups whose decision, predicted from the candidates at the configured setting, differs
   * from what lookup() returned (should be 0). */
  mismatches: number;
}

export interface EvalReport {
  file: string;
  name: string;
  mode: EvalMode;
  rows: number;
  /** Data rows in the file (before --limit). */
  fileRows: number;
  label1: number;
  label0: number;
  /** Entries stored (pairwise: one per row; replay: distinct text_a). */
  entries: number;
  model: string;
  candidates: number;
  decision: DecisionInfo;
  outcomes: OutcomeReport;
  metrics: Rates;
  latencyMs: { lookup: Summary; byStatus: Record<LookupStatus, Summary>; store: Summary };
  families: Record<string, FamilyReport> | null;
  sweep: SweepReport | null;
  seconds: number;
}

const SWEEP_BOUNDS = [0.005, 0.01, 0.02, 0.05];
const DEV_RATES = [0.001, 0.005, 0.01, 0.02, 0.05, 0.1];
const REPLAY_NAMESPACE = 'eval';

/** Throttled progress: at most one line every 2 s, plus the last one. */
function progress(log: ((msg: string) => void) | undefined, what: string, total: number): (done: number) => void {
  const t0 = performance.now();
  let last = t0;
  return (done) => {
    const now = performance.now();
    if (log === undefined || (done < total && now - last < 2000)) return;
    last = now;
    log(`${what} ${done}/${total} (${(done / ((now - t0) / 1000)).toFixed(0)}/s)`);
  };
}

/** The candidate a decision would pick: highest similarity (cosine), or highest score at or above
 * the floor, then similarity (verifier), as policy.decide ranks them. */
function pickCosine(cands: readonly Candidate[]): Pick | null {
  let best: Candidate | undefined;
  for (const c of cands) if (best === undefined || c.similarity > best.similarity) best = c;
  return best === undefined ? null : { value: best.similarity, id: String(best.entry.response) };
}

function pickVerifier(cands: readonly Candidate[], floor: number): Pick | null {
  let best: Candidate | undefined;
  for (const c of cands) {
    if (c.similarity < floor || c.score === undefined) continue;
    if (best === undefined || c.score > (best.score as number) || (c.score === best.score && c.similarity > best.similarity)) best = c;
  }
  return best === undefined ? null : { value: best.score as number, id: String(best.entry.response) };
}

interface Run {
  service: Service;
  cache: SemanticCache;
  options: LookupOptions;
  /** Options for explain(): verifier scoring at the candidate floor when a verifier is loaded. */
  explainOptions: LookupOptions;
  floor: number;
  sweep: boolean;
  outcomes: OutcomeReport;
  families: Map<string, FamilyReport> | null;
  lookupMs: number[];
  byStatus: Record<LookupStatus, number[]>;
  storeMs: number[];
  traces: QueryTrace[];
  /** Lookups the sweep's prediction disagrees with. */
  mismatches: number;
}

async function storeRow(run: Run, key: RequestKey, id: string): Promise<void> {
  const t0 = performance.now();
  await run.cache.store(key, { response: id, ttlSeconds: 0, metadata: null });
  run.storeMs.push(performance.now() - t0);
}

/** One lookup of text_b through the decision in use, tallied; with sweep, its candidates too. */
async function lookupRow(run: Run, row: PairRow, namespace: string, ownId: string): Promise<void> {
  const key = requestKey({ namespace, prompt: row.textB });
  const t0 = performance.now();
  const outcome = await run.cache.lookup(key, run.options);
  const ms = performance.now() - t0;
  run.lookupMs.push(ms);
  run.byStatus[outcome.status].push(ms);
  const hitId = outcome.entry === null ? null : String(outcome.entry.response);
  const result = classify(row.label, ownId, hitId);
  const o = run.outcomes;
  o[result] += 1;
  if (result === 'falseHit' && hitId !== ownId) o.falseHitOtherEntry += 1;
  if (outcome.status === 'hit') o.exactHits += 1;
  if (outcome.status === 'miss' && outcome.skipped !== undefined) o.skipped += 1;
  if (run.families !== null) {
    const name = row.family ?? '';
    const f = run.families.get(name) ?? { rows: 0, label1: 0, label0: 0, ...emptyCounts() };
    f.rows += 1;
    if (row.label === 1) f.label1 += 1;
    else f.label0 += 1;
    f[result] += 1;
    run.families.set(name, f);
  }
  if (!run.sweep) return;
  const cands = await run.cache.explain(key, run.explainOptions);
  const exact = run.service.store.findExact(key.namespace, key.partitionKey, key.promptHash);
  const trace: QueryTrace = {
    label: row.label,
    ownId,
    exactId: exact === undefined ? null : String(exact.response),
    cosine: pickCosine(cands),
    verifier: run.explainOptions.minScore === undefined ? null : pickVerifier(cands, run.floor),
  };
  run.traces.push(trace);
  // The sweep's prediction at the configured setting must agree with the lookup itself.
  const curve = run.options.minScore === undefined ? 'cosine' : 'verifier';
  const predicted = hitAt(trace, curve, run.options.minScore ?? run.options.threshold);
  if (predicted !== hitId) run.mismatches += 1;
}

/** Pairwise: every row alone in its own namespace (dropped after the lookup, so the index stays small). */
async function pairwise(run: Run, rows: readonly PairRow[], log?: (msg: string) => void): Promise<number> {
  const tick = progress(log, 'pairs', rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as PairRow;
    const namespace = `pair-${i}`;
    await storeRow(run, requestKey({ namespace, prompt: row.textA }), row.id);
    await lookupRow(run, row, namespace, row.id);
    run.cache.deleteNamespace(namespace);
    tick(i + 1);
  }
  return rows.length;
}

/** Replay: every distinct text_a stored once in one namespace, then every text_b looked up among them all. */
async function replay(run: Run, rows: readonly PairRow[], log?: (msg: string) => void): Promise<number> {
  const idByHash = new Map<string, string>();
  const usedIds = new Set<string>();
  const distinct: Array<{ key: RequestKey; id: string }> = [];
  for (const row of rows) {
    const key = requestKey({ namespace: REPLAY_NAMESPACE, prompt: row.textA });
    if (idByHash.has(key.promptHash)) continue;
    // The response names the entry; keep it unique should two different texts share an id.
    const id = usedIds.has(row.id) ? `${row.id}@line${row.line}` : row.id;
    usedIds.add(id);
    idByHash.set(key.promptHash, id);
    distinct.push({ key, id });
  }
  const stored = progress(log, 'stored', distinct.length);
  for (let i = 0; i < distinct.length; i++) {
    const d = distinct[i] as (typeof distinct)[number];
    await storeRow(run, d.key, d.id);
    stored(i + 1);
  }
  const looked = progress(log, 'lookups', rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as PairRow;
    const own = idByHash.get(requestKey({ namespace: REPLAY_NAMESPACE, prompt: row.textA }).promptHash) as string;
    await lookupRow(run, row, REPLAY_NAMESPACE, own);
    looked(i + 1);
  }
  return distinct.length;
}

function curveReport(traces: readonly QueryTrace[], name: 'verifier' | 'cosine', grid: number[]): { report: CurveReport; full: CurvePoint[] } {
  const full = fullCurve(traces, name);
  return {
    full,
    report: {
      table: curveAt(traces, name, grid),
      bestUnder: SWEEP_BOUNDS.map((b) => ({ maxFalseHitRate: b, point: bestUnder(full, b) })),
      points: full.length - 1,
    },
  };
}

function devThresholds(verifier: Verifier, rates: readonly number[]): Array<{ maxFalseHitRate: number; threshold: number }> {
  const out: Array<{ maxFalseHitRate: number; threshold: number }> = [];
  for (const r of [...new Set(rates)].sort((a, b) => a - b)) {
    try {
      const t = verifier.thresholdFor(r);
      if (Number.isFinite(t)) out.push({ maxFalseHitRate: r, threshold: t });
    } catch {
      // a rate the shipped calibration does not cover
    }
  }
  return out;
}

function buildSweep(run: Run, decision: DecisionInfo, opts: EvalOptions, report: Omit<EvalReport, 'sweep' | 'seconds'>): SweepReport {
  const verifier = run.cache.verifier;
  const hasVerifier = run.explainOptions.minScore !== undefined && verifier !== undefined;
  const cosine = curveReport(run.traces, 'cosine', cosineGrid(decision.kind === 'cosine' ? decision.threshold : opts.config.cache.threshold));
  const dev = hasVerifier ? devThresholds(verifier, [...DEV_RATES, decision.maxFalseHitRate ?? opts.config.cache.max_false_hit_rate]) : [];
  const ver = hasVerifier ? curveReport(run.traces, 'verifier', verifierGrid(dev.map((d) => d.threshold))) : null;
  const plot = resolve(opts.plot ?? join(opts.plotDir ?? process.cwd(), `eval-${report.name}-${report.mode}.svg`));
  const curves: PlotCurve[] = [];
  if (ver !== null) curves.push({ label: `verifier (score threshold, floor ${run.floor})`, color: '#1f6fd1', points: ver.full.map((p) => ({ x: p.falseHitRate, y: p.recall })) });
  curves.push({ label: 'cosine only (similarity threshold)', color: '#e07b00', dashed: true, points: cosine.full.map((p) => ({ x: p.falseHitRate, y: p.recall })) });
  const setting = decision.kind === 'verifier' ? `verifier score >= ${fmt(decision.minScore ?? Number.NaN)}` : `cosine >= ${decision.threshold}`;
  const markers: PlotMarker[] = [{ label: `configured decision (${setting})`, color: '#d62728', x: report.metrics.falseHitRate, y: report.metrics.recall }];
  const svg = plotSvg({
    title: `dejavu eval: ${report.name}, ${report.mode}, ${report.rows} pairs (${report.label1} label 1, ${report.label0} label 0)`,
    subtitle: `hit rate (recall) against false-hit rate over the decision threshold; ${report.model}${ver === null ? '; no verifier loaded' : ''}`,
    curves,
    markers,
  });
  writeFileSync(plot, svg);
  return {
    plot,
    verifier: ver === null ? null : { ...ver.report, devThresholds: dev },
    cosine: cosine.report,
    calibration: ver === null || opts.calibrate === undefined ? null : calibrate(ver.full, opts.calibrate, report.label0, (verifier as Verifier).id),
    mismatches: run.mismatches,
  };
}

const fmt = (x: number): string => (Number.isFinite(x) ? String(Number(x.toFixed(4))) : 'n/a');

/** Runs one evaluation end to end; the temporary data dir is removed before it returns. */
export async function runEval(opts: EvalOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const log = opts.log;
  const file = resolve(opts.pairs);
  const pairs = readPairs(file, opts.limit);
  const rows = pairs.rows;
  if (rows.length === 0) throw new PairsFileError(`${file} has no data rows`);
  const requested = opts.decision ?? opts.config.cache.decision;
  const wantVerifier = requested === 'verifier' || opts.sweep === true;
  const loaded = opts.verifier !== undefined || !wantVerifier ? { verifier: opts.verifier, note: null } : await loadOptionalVerifier(opts.config.cache.verifier_path);
  const dataDir = mkdtempSync(join(tmpdir(), 'dejavu-eval-'));
  try {
    const config: Config = {
      ...opts.config,
      data_dir: dataDir,
      log_level: 'silent',
      cache: {
        ...opts.config.cache,
        decision: requested,
        max_false_hit_rate: opts.rate ?? opts.config.cache.max_false_hit_rate,
        // An explicit --rate asks for the shipped operating point, not the operator's calibration.
        verifier_calibration: opts.rate === undefined ? opts.config.cache.verifier_calibration : undefined,
        max_entries: 0,
        sweep_interval_seconds: 0,
      },
    };
    log?.(opts.embedder === undefined ? 'loading the model' : 'opening the cache');
    // `verifier` reaches the cache once openService takes one; the cache's getter says whether it did.
    const serviceOptions = { embedder: opts.embedder, verifier: loaded.verifier };
    const service = await openService(config, serviceOptions);
    try {
      const cache = service.cache;
      const verifier = cache.verifier;
      const stale = verifier === undefined ? undefined : calibrationProblem(config, verifier);
      if (stale !== undefined) throw new Error(stale);
      const options = lookupOptions(config, verifier, { threshold: opts.threshold }, undefined);
      const floor = config.cache.candidate_floor;
      const explainOptions: LookupOptions =
        verifier === undefined ? { threshold: floor } : lookupOptions({ ...config, cache: { ...config.cache, decision: 'verifier' } }, verifier, {}, undefined);
      const kind: DecisionKind = options.minScore === undefined ? 'cosine' : 'verifier';
      const note =
        verifier === undefined && wantVerifier
          ? (loaded.note ?? 'a verifier was loaded but openService did not hand it to the cache')
          : requested === 'verifier' && opts.threshold !== undefined
            ? 'a cosine threshold was given, so the decision is cosine'
            : null;
      const decision: DecisionInfo = {
        kind,
        requested,
        threshold: options.threshold,
        ...(options.minScore === undefined
          ? {}
          : { minScore: options.minScore, maxFalseHitRate: config.cache.max_false_hit_rate, calibrated: config.cache.verifier_calibration !== undefined }),
        verifier: verifier?.id ?? null,
        note,
      };
      log?.(`${rows.length} pairs from ${file}, ${opts.mode}; decision: ${kind === 'verifier' ? `verifier ${verifier?.id} score >= ${fmt(options.minScore as number)}` : `cosine >= ${options.threshold}`}${decision.note === null ? '' : ` (${decision.note})`}`);
      const run: Run = {
        service, cache, options, explainOptions, floor, sweep: opts.sweep === true,
        outcomes: { ...emptyCounts(), falseHitOtherEntry: 0, exactHits: 0, skipped: 0 },
        families: pairs.hasFamily ? new Map() : null,
        lookupMs: [], byStatus: { hit: [], 'semantic-hit': [], miss: [] }, storeMs: [], traces: [], mismatches: 0,
      };
      const entries = opts.mode === 'pairwise' ? await pairwise(run, rows, log) : await replay(run, rows, log);
      const label1 = rows.filter((r) => r.label === 1).length;
      const label0 = rows.length - label1;
      const base: Omit<EvalReport, 'sweep' | 'seconds'> = {
        file,
        name: basename(file, extname(file)),
        mode: opts.mode,
        rows: rows.length,
        fileRows: pairs.totalRows,
        label1,
        label0,
        entries,
        model: service.embedder.modelId,
        candidates: config.cache.candidates,
        decision,
        outcomes: run.outcomes,
        metrics: rates(run.outcomes, label1, label0),
        latencyMs: {
          lookup: summarize(run.lookupMs),
          byStatus: { hit: summarize(run.byStatus.hit), 'semantic-hit': summarize(run.byStatus['semantic-hit']), miss: summarize(run.byStatus.miss) },
          store: summarize(run.storeMs),
        },
        families: run.families === null ? null : Object.fromEntries([...run.families].sort(([a], [b]) => a.localeCompare(b))),
      };
      const sweep = run.sweep ? buildSweep(run, decision, opts, base) : null;
      if (sweep !== null) log?.(`plot written to ${sweep.plot}`);
      return { ...base, sweep, seconds: (performance.now() - t0) / 1000 };
    } finally {
      await service.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
