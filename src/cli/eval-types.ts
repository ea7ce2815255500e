// The eval's options and report shapes, apart from the code that fills them. The JSON report
// keeps the field order in which eval-run.ts and eval-sweep-build.ts build it, not the order here.
import type { Config } from '../config.js';
import type { Embedder, Verifier } from '../core/ports.js';
import type { LookupStatus } from '../core/types.js';
import type { Summary } from './bench-stats.js';
import type { Calibration } from './eval-calibrate.js';
import type { CurvePoint, OutcomeCounts, Rates } from './eval-sweep.js';

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
