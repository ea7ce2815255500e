// The eval core: labelled pairs through the real cache (openService on a temporary data dir,
// SemanticCache.store / lookup as the service uses them), outcomes tallied per row, and with
// `sweep` the decision curves over the threshold, from SemanticCache.explain.
// The option and report types live in eval-types.ts, the per-row tallies and the pairwise / replay
// drivers in eval-rows.ts, the curves and plot in eval-sweep-build.ts; all names stay importable here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import type { Config } from '../config.js';
import type { LookupOptions } from '../core/types.js';
import { lookupOptions } from '../http/lookup-options.js';
import { calibrationProblem, openService, type Service } from '../service.js';
import { summarize } from './bench-stats.js';
import { PairsFileError, readPairs, type PairFile } from './eval-pairs.js';
import { newRun, pairwise, replay } from './eval-rows.js';
import { rates } from './eval-sweep.js';
import { buildSweep, fmt } from './eval-sweep-build.js';
import type { DecisionInfo, DecisionKind, EvalOptions, EvalReport } from './eval-types.js';
import { loadOptionalVerifier, type OptionalVerifier } from './eval-verifier.js';

export type {
  CurveReport, DecisionInfo, DecisionKind, EvalMode, EvalOptions, EvalReport, FamilyReport, OutcomeReport, SweepReport,
} from './eval-types.js';

/** What is settled before the service opens: the rows read, the decision asked for (option or
 * config), and the verifier loaded for it (or why there is none). */
interface Plan {
  file: string;
  pairs: PairFile;
  requested: DecisionKind;
  /** The decision or the sweep needs a verifier. */
  wantVerifier: boolean;
  loaded: OptionalVerifier;
}

/** The lookup options of the run, the explain() options of the sweep, and the report's account of them. */
interface Decided {
  options: LookupOptions;
  explainOptions: LookupOptions;
  decision: DecisionInfo;
}

/** Reads the pairs (none is an error) and loads the verifier when the decision or the sweep needs
 * one and the caller passed none. */
async function planEval(opts: EvalOptions): Promise<Plan> {
  const file = resolve(opts.pairs);
  const pairs = readPairs(file, opts.limit);
  if (pairs.rows.length === 0) throw new PairsFileError(`${file} has no data rows`);
  const requested = opts.decision ?? opts.config.cache.decision;
  const wantVerifier = requested === 'verifier' || opts.sweep === true;
  const loaded = opts.verifier !== undefined || !wantVerifier ? { verifier: opts.verifier, note: null } : await loadOptionalVerifier(opts.config.cache.verifier_path);
  return { file, pairs, requested, wantVerifier, loaded };
}

/** The caller's settings in the temporary data dir, with the decision and rate asked for; no
 * entry cap and no periodic sweep (0 turns both off), so every stored row stays for its lookup. */
function evalConfig(opts: EvalOptions, dataDir: string, requested: DecisionKind): Config {
  return {
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
}

/** The decision the lookups use with the verifier the cache actually holds, logged; throws when
 * cache.verifier_calibration names another verifier. */
function decide(service: Service, config: Config, opts: EvalOptions, plan: Plan): Decided {
  const verifier = service.cache.verifier;
  const stale = verifier === undefined ? undefined : calibrationProblem(config, verifier);
  if (stale !== undefined) throw new Error(stale);
  const options = lookupOptions(config, verifier, { threshold: opts.threshold }, undefined);
  const floor = config.cache.candidate_floor;
  const explainOptions: LookupOptions =
    verifier === undefined ? { threshold: floor } : lookupOptions({ ...config, cache: { ...config.cache, decision: 'verifier' } }, verifier, {}, undefined);
  const kind: DecisionKind = options.minScore === undefined ? 'cosine' : 'verifier';
  const note =
    verifier === undefined && plan.wantVerifier
      ? (plan.loaded.note ?? 'a verifier was loaded but openService did not hand it to the cache')
      : plan.requested === 'verifier' && opts.threshold !== undefined
        ? 'a cosine threshold was given, so the decision is cosine'
        : null;
  const decision: DecisionInfo = {
    kind,
    requested: plan.requested,
    threshold: options.threshold,
    ...(options.minScore === undefined
      ? {}
      : { minScore: options.minScore, maxFalseHitRate: config.cache.max_false_hit_rate, calibrated: config.cache.verifier_calibration !== undefined }),
    verifier: verifier?.id ?? null,
    note,
  };
  opts.log?.(`${plan.pairs.rows.length} pairs from ${plan.file}, ${opts.mode}; decision: ${kind === 'verifier' ? `verifier ${verifier?.id} score >= ${fmt(options.minScore as number)}` : `cosine >= ${options.threshold}`}${decision.note === null ? '' : ` (${decision.note})`}`);
  return { options, explainOptions, decision };
}

/** The rows through the open service, and the report of it but for `seconds`. */
async function evaluate(service: Service, config: Config, opts: EvalOptions, plan: Plan): Promise<Omit<EvalReport, 'seconds'>> {
  const { options, explainOptions, decision } = decide(service, config, opts, plan);
  const rows = plan.pairs.rows;
  const run = newRun(service, options, explainOptions, config.cache.candidate_floor, opts.sweep === true, plan.pairs.hasFamily);
  const entries = opts.mode === 'pairwise' ? await pairwise(run, rows, opts.log) : await replay(run, rows, opts.log);
  const label1 = rows.filter((r) => r.label === 1).length;
  const label0 = rows.length - label1;
  const base: Omit<EvalReport, 'sweep' | 'seconds'> = {
    file: plan.file,
    name: basename(plan.file, extname(plan.file)),
    mode: opts.mode,
    rows: rows.length,
    fileRows: plan.pairs.totalRows,
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
  if (sweep !== null) opts.log?.(`plot written to ${sweep.plot}`);
  return { ...base, sweep };
}

/** Runs one evaluation end to end; the temporary data dir is removed before it returns. */
export async function runEval(opts: EvalOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const plan = await planEval(opts);
  const dataDir = mkdtempSync(join(tmpdir(), 'dejavu-eval-'));
  try {
    const config = evalConfig(opts, dataDir, plan.requested);
    opts.log?.(opts.embedder === undefined ? 'loading the model' : 'opening the cache');
    // `verifier` reaches the cache once openService takes one; the cache's getter says whether it did.
    const serviceOptions = { embedder: opts.embedder, verifier: plan.loaded.verifier };
    const service = await openService(config, serviceOptions);
    try {
      const report = await evaluate(service, config, opts, plan);
      return { ...report, seconds: (performance.now() - t0) / 1000 };
    } finally {
      await service.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
