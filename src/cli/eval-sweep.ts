// Outcome bookkeeping and threshold sweeps for the eval CLI. A sweep never re-runs lookups: each
// query's candidates (from SemanticCache.explain) are reduced to the one a decision would pick,
// and the decision at any threshold follows from that candidate's value.

export type Outcome = 'correct' | 'wrongEntry' | 'falseHit' | 'miss';

export interface OutcomeCounts {
  /** Label 1 and the entry returned holds this row's text_a. */
  correct: number;
  /** Label 1 but another row's entry was returned (in replay mode possibly an unlabelled duplicate). */
  wrongEntry: number;
  /** Label 0 and any hit. */
  falseHit: number;
  miss: number;
}

export interface Rates {
  /** correct hits / label-1 rows. */
  recall: number;
  /** false hits / label-0 rows. */
  falseHitRate: number;
  /** correct hits / all hits (NaN without hits). */
  precision: number;
  hits: number;
}

export const emptyCounts = (): OutcomeCounts => ({ correct: 0, wrongEntry: 0, falseHit: 0, miss: 0 });

/** Which outcome a lookup of a row had, given the id of the entry it returned (null = miss). */
export function classify(label: 0 | 1, ownId: string, hitId: string | null): Outcome {
  if (hitId === null) return 'miss';
  if (label === 0) return 'falseHit';
  return hitId === ownId ? 'correct' : 'wrongEntry';
}

const ratio = (a: number, b: number): number => (b === 0 ? Number.NaN : a / b);

export function rates(c: OutcomeCounts, label1: number, label0: number): Rates {
  const hits = c.correct + c.wrongEntry + c.falseHit;
  return { recall: ratio(c.correct, label1), falseHitRate: ratio(c.falseHit, label0), precision: ratio(c.correct, hits), hits };
}

/** The candidate a decision would pick for one query: its value (verifier score or cosine
 * similarity) and the id (stored response) of its entry. */
export interface Pick {
  value: number;
  id: string;
}

/** What one lookup needs for the sweep. */
export interface QueryTrace {
  label: 0 | 1;
  /** Id of the entry holding this row's text_a. */
  ownId: string;
  /** Entry served by the exact tier (same normalised text), which hits at every threshold. */
  exactId: string | null;
  /** Most similar candidate (cosine decision). */
  cosine: Pick | null;
  /** Best-scored candidate at or above the candidate floor (verifier decision); null without a verifier or candidates. */
  verifier: Pick | null;
}

export type CurveName = 'verifier' | 'cosine';

export interface CurvePoint extends Rates, OutcomeCounts {
  threshold: number;
}

function pointFrom(threshold: number, c: OutcomeCounts, label1: number, label0: number): CurvePoint {
  return { threshold, ...c, ...rates(c, label1, label0) };
}

function labelCounts(traces: readonly QueryTrace[]): { label1: number; label0: number } {
  const label1 = traces.filter((t) => t.label === 1).length;
  return { label1, label0: traces.length - label1 };
}

/** Id the decision would return at `threshold` ("at or above"). */
export function hitAt(t: QueryTrace, curve: CurveName, threshold: number): string | null {
  if (t.exactId !== null) return t.exactId;
  const pick = t[curve];
  return pick !== null && pick.value >= threshold ? pick.id : null;
}

/** Outcome counts and rates of the `curve` decision at each given threshold. */
export function curveAt(traces: readonly QueryTrace[], curve: CurveName, thresholds: readonly number[]): CurvePoint[] {
  const { label1, label0 } = labelCounts(traces);
  return thresholds.map((th) => {
    const c = emptyCounts();
    for (const t of traces) c[classify(t.label, t.ownId, hitAt(t, curve, th))] += 1;
    return pointFrom(th, c, label1, label0);
  });
}

/** The whole curve: one point per distinct candidate value, from +Infinity (exact hits only)
 * down to the lowest value seen (every query with a candidate hits). */
export function fullCurve(traces: readonly QueryTrace[], curve: CurveName): CurvePoint[] {
  const { label1, label0 } = labelCounts(traces);
  const c = emptyCounts();
  const pending: Array<{ value: number; label: 0 | 1; ownId: string; id: string }> = [];
  for (const t of traces) {
    const pick = t[curve];
    if (t.exactId !== null) c[classify(t.label, t.ownId, t.exactId)] += 1;
    else if (pick === null) c.miss += 1;
    else {
      c.miss += 1; // until the threshold comes down to its value
      pending.push({ value: pick.value, label: t.label, ownId: t.ownId, id: pick.id });
    }
  }
  pending.sort((a, b) => b.value - a.value);
  const points = [pointFrom(Number.POSITIVE_INFINITY, c, label1, label0)];
  for (let i = 0; i < pending.length; ) {
    const value = (pending[i] as (typeof pending)[number]).value;
    for (; i < pending.length && (pending[i] as (typeof pending)[number]).value === value; i++) {
      const p = pending[i] as (typeof pending)[number];
      c.miss -= 1;
      c[classify(p.label, p.ownId, p.id)] += 1;
    }
    points.push(pointFrom(value, c, label1, label0));
  }
  return points;
}

/** The point with the highest recall whose false-hit rate stays at or below `maxRate` (the
 * highest threshold among ties); null when none does. An oracle figure: the threshold is chosen
 * on the very file being evaluated. */
export function bestUnder(curve: readonly CurvePoint[], maxRate: number): CurvePoint | null {
  let best: CurvePoint | null = null;
  for (const p of curve) {
    if (!(p.falseHitRate <= maxRate)) continue;
    if (best === null || p.recall > best.recall) best = p;
  }
  return best;
}

/** Table rows for the cosine curve: similarity thresholds from 0.3 up, plus the configured one. */
export function cosineGrid(configured: number): number[] {
  const grid: number[] = [];
  for (let i = 30; i <= 95; i += 5) grid.push(i / 100);
  grid.push(0.97, 0.98, 0.99, 0.995, 0.999);
  return withValue(grid, configured);
}

/** Table rows for the verifier curve: score thresholds, plus the given operating points. */
export function verifierGrid(extra: readonly number[]): number[] {
  const grid = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999];
  return extra.reduce(withValue, grid);
}

/** The grid with `value` in it (replacing a grid value it only differs from by rounding). */
function withValue(grid: number[], value: number): number[] {
  if (!Number.isFinite(value)) return grid;
  return [...grid.filter((g) => Math.abs(g - value) > 1e-9), value].sort((a, b) => a - b);
}
