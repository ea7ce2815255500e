import { seededRandom } from '../../util/random.js';
import type { OperatingPoint } from '../model.js';

export interface Scored {
  cos: number;
  score: number;
  label: 0 | 1;
}

export interface PairMetrics {
  pairs: number;
  positives: number;
  negatives: number;
  /** Label-0 pairs with cosine >= floor (the denominator of the false-hit rate). */
  negativesAboveFloor: number;
  tp: number;
  fp: number;
  precision: number;
  /** TP / all label-1 pairs (pairs below the floor count as misses). */
  recall: number;
  /** FP / all label-0 pairs (as `npm run eval` reports it). */
  falseHitRate: number;
  /** FP / label-0 pairs with cosine >= floor (the pairs the verifier actually sees). */
  falseHitRateAboveFloor: number;
}

/** Hits = cosine >= floor and score >= threshold. */
export function pairMetrics(rows: readonly Scored[], floor: number, threshold: number): PairMetrics {
  let tp = 0;
  let fp = 0;
  let pos = 0;
  let neg = 0;
  let negFloor = 0;
  for (const r of rows) {
    if (r.label === 1) pos++;
    else {
      neg++;
      if (r.cos >= floor) negFloor++;
    }
    if (r.cos >= floor && r.score >= threshold) {
      if (r.label === 1) tp++;
      else fp++;
    }
  }
  return {
    pairs: rows.length,
    positives: pos,
    negatives: neg,
    negativesAboveFloor: negFloor,
    tp,
    fp,
    precision: tp + fp > 0 ? tp / (tp + fp) : 1,
    recall: pos > 0 ? tp / pos : 0,
    falseHitRate: neg > 0 ? fp / neg : 0,
    falseHitRateAboveFloor: negFloor > 0 ? fp / negFloor : 0,
  };
}

/** Smallest threshold whose false-hit rate (label-0 pairs with cosine >= floor scoring >= t,
 * over all label-0 pairs: the definition `npm run eval` reports) is <= rate. Placed halfway
 * between the highest negative score that must be rejected and the next higher score seen. */
export function thresholdAtRate(rows: readonly Scored[], floor: number, rate: number): number {
  return thresholdsAtRates(rows, floor, [rate])[0] as number;
}

/** thresholdAtRate for several rates, sorting the scores once (the bootstrap calls this per resample). */
export function thresholdsAtRates(rows: readonly Scored[], floor: number, rates: readonly number[]): number[] {
  let allNegs = 0;
  const above: number[] = [];
  const negsAbove: number[] = [];
  for (const r of rows) {
    if (r.label === 0) allNegs++;
    if (r.cos < floor) continue;
    above.push(r.score);
    if (r.label === 0) negsAbove.push(r.score);
  }
  // Typed arrays sort numerically with no comparator callback, much faster than Array#sort with one.
  const scores = Float64Array.from(above);
  const negs = Float64Array.from(negsAbove);
  negs.sort();
  scores.sort();
  return rates.map((rate) => {
    const allowed = Math.floor(rate * allNegs + 1e-9);
    if (allowed >= negs.length) return 0;
    // The (allowed+1)-th highest label-0 score: the highest one that must be refused.
    const reject = negs[negs.length - 1 - allowed] as number;
    const next = firstAbove(scores, reject);
    return next === undefined ? reject + 1e-9 : (reject + next) / 2;
  });
}

/** The smallest value of ascending `xs` that is > x (binary search). */
function firstAbove(xs: Float64Array, x: number): number | undefined {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] as number) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo < xs.length ? xs[lo] : undefined;
}

export function operatingPoints(rows: readonly Scored[], floor: number, rates: readonly number[]): OperatingPoint[] {
  const thresholds = thresholdsAtRates(rows, floor, rates);
  return rates.map((rate, k) => {
    const threshold = thresholds[k] as number;
    const m = pairMetrics(rows, floor, threshold);
    return { maxFalseHitRate: rate, threshold, devFalseHitRate: m.falseHitRate, devRecall: m.recall, devPrecision: m.precision };
  });
}

/** How far each rate's threshold would move with another dev sample of the same make-up: the
 * thresholds of `draws` bootstrap resamples (drawn with replacement inside each stratum, e.g. each
 * source file, so the pool keeps its mix), as their 5th and 95th percentiles per rate. Seeded. */
export function thresholdIntervals<R extends Scored>(
  rows: readonly R[],
  floor: number,
  rates: readonly number[],
  stratum: (r: R) => string,
  draws: number,
  seed = 1,
): { lo: number; hi: number }[] {
  const groups = new Map<string, R[]>();
  for (const r of rows) {
    const key = stratum(r);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [r]);
    else g.push(r);
  }
  const rnd = seededRandom(seed);
  const seen: number[][] = rates.map(() => []);
  for (let d = 0; d < draws; d++) {
    const sample: R[] = [];
    for (const g of groups.values()) for (let i = 0; i < g.length; i++) sample.push(g[Math.floor(rnd() * g.length)] as R);
    thresholdsAtRates(sample, floor, rates).forEach((t, k) => (seen[k] as number[]).push(t));
  }
  const at = (xs: number[], q: number): number => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] as number;
  return seen.map((xs) => ({ lo: at(xs, 0.05), hi: at(xs, 0.95) }));
}

/** ROC AUC of `score` (ties counted half). */
export function rocAuc(rows: readonly Scored[], key: (r: Scored) => number = (r) => r.score): number {
  const s = rows.map((r) => ({ v: key(r), y: r.label })).sort((a, b) => a.v - b.v);
  let rankSum = 0;
  let pos = 0;
  let i = 0;
  while (i < s.length) {
    let j = i;
    while (j < s.length && (s[j] as { v: number }).v === (s[i] as { v: number }).v) j++;
    const avg = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if ((s[k] as { y: number }).y === 1) {
      rankSum += avg;
      pos++;
    }
    i = j;
  }
  const neg = s.length - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

export function logLoss(rows: readonly Scored[]): number {
  let s = 0;
  for (const r of rows) {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, r.score));
    s -= r.label === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return s / Math.max(1, rows.length);
}

/** Cosine threshold (>= floor) maximising F1, for the cosine-only comparison. */
export function bestF1Threshold(rows: readonly Scored[]): number {
  const sorted = [...rows].sort((a, b) => b.cos - a.cos);
  const pos = rows.filter((r) => r.label === 1).length;
  let tp = 0;
  let fp = 0;
  let best = 0;
  let bestT = 1;
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i] as Scored;
    if (r.label === 1) tp++;
    else fp++;
    const next = sorted[i + 1];
    if (next !== undefined && next.cos === r.cos) continue;
    const f1 = (2 * tp) / (2 * tp + fp + (pos - tp));
    if (f1 > best) {
      best = f1;
      bestT = r.cos;
    }
  }
  return bestT;
}
