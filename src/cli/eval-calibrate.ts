// `npm run eval -- --calibrate RATE`: the verifier threshold for an operator's own labelled
// traffic. The shipped operating points were set on public paraphrase data whose hardest label-0
// pairs are often mislabelled duplicates (docs/verifier-dev-false-hits.md), and an operator's
// traffic is not Quora's; a threshold measured on their own pairs says what they will get.
import type { CurvePoint } from './eval-sweep.js';

/** One-sided 95 % normal quantile. */
const Z95 = 1.6449;

/** Upper one-sided 95 % Wilson bound on a rate seen as `k` of `n` (1 when n = 0). With k = 0 it is
 * z^2 / (n + z^2), about 2.7 / n: 268 label-0 pairs without a false hit bound the rate at 1 %. */
export function wilsonUpper(k: number, n: number): number {
  if (n === 0) return 1;
  const p = k / n;
  const z2 = Z95 * Z95;
  const centre = p + z2 / (2 * n);
  const spread = Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.min(1, (centre + spread) / (1 + z2 / n));
}

export interface Calibration {
  /** The rate asked for. */
  maxFalseHitRate: number;
  /** Verifier the scores came from. */
  verifier: string;
  /** Label-0 rows of the file (the false-hit rate's denominator). */
  label0: number;
  /** The lowest threshold whose 95 % upper bound on the false-hit rate stays <= maxFalseHitRate;
   * null when even one served label-0 row, or too few label-0 rows, break the bound. */
  point: (CurvePoint & { falseHitUpper95: number }) | null;
  /** Label-0 rows needed to bound the rate with no false hit at all (when point is null). */
  label0Needed: number;
}

/** Picks the verifier threshold for `maxFalseHitRate` on a file's full verifier curve (points in
 * falling threshold order, as fullCurve returns them). The bound, not the observed rate, must
 * stay under the target: on a few hundred pairs the observed rate is mostly luck. */
export function calibrate(curve: readonly CurvePoint[], maxFalseHitRate: number, label0: number, verifier: string): Calibration {
  let point: Calibration['point'] = null;
  for (const p of curve) {
    if (!Number.isFinite(p.threshold)) continue; // exact hits only: nothing to configure
    const upper = wilsonUpper(p.falseHit, label0);
    if (upper > maxFalseHitRate) break; // false hits only grow as the threshold falls
    point = { ...p, falseHitUpper95: upper };
  }
  // With k = 0 the bound is z^2 / (n + z^2), so n >= z^2 (1 - r) / r bounds it at r.
  const needed = Math.ceil((Z95 * Z95 * (1 - maxFalseHitRate)) / maxFalseHitRate);
  return { maxFalseHitRate, verifier, label0, point, label0Needed: needed };
}

/** The config fragment that applies a calibration (cache.verifier_calibration), or null. */
export function calibrationConfig(c: Calibration): { cache: { verifier_calibration: { verifier: string; min_score: number } } } | null {
  if (c.point === null) return null;
  return { cache: { verifier_calibration: { verifier: c.verifier, min_score: c.point.threshold } } };
}
