import { describe, expect, it } from 'vitest';
import { thresholdAtRate, thresholdIntervals, thresholdsAtRates, type Scored } from '../../../src/verifier/train/metrics.js';
import { seededRandom } from '../../../src/util/random.js';

/** n pairs, half of each label, all above the floor; label-1 scores sit higher on average. */
function pairs(n: number, seed: number): (Scored & { src: string })[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const label = (i % 2) as 0 | 1;
    return { cos: 0.9, score: label === 1 ? 0.4 + 0.6 * rnd() : 0.8 * rnd() ** 2, label, src: i % 3 === 0 ? 'a' : 'b' };
  });
}

describe('thresholdAtRate', () => {
  it('lets through at most the allowed share of all label-0 pairs', () => {
    const rows = pairs(2000, 1);
    const t = thresholdAtRate(rows, 0.7, 0.01);
    const served = rows.filter((r) => r.label === 0 && r.score >= t).length;
    expect(served).toBeLessThanOrEqual(10);
    expect(rows.filter((r) => r.label === 0 && r.score >= t - 0.02).length).toBeGreaterThan(served);
  });
});

/** The definition spelt out the slow way: the threshold sits halfway between the highest label-0
 * score that must be refused and the next higher score of any pair above the floor. */
function reference(rows: readonly Scored[], floor: number, rate: number): number {
  const allowed = Math.floor(rate * rows.filter((r) => r.label === 0).length + 1e-9);
  const negs = rows.filter((r) => r.cos >= floor && r.label === 0).map((r) => r.score).sort((a, b) => b - a);
  if (allowed >= negs.length) return 0;
  const reject = negs[allowed] as number;
  const above = rows.filter((r) => r.cos >= floor && r.score > reject).map((r) => r.score);
  return above.length > 0 ? (reject + Math.min(...above)) / 2 : reject + 1e-9;
}

describe('thresholdsAtRates', () => {
  it('matches the definition for every rate, with ties, pairs under the floor and rates past every label-0 pair', () => {
    const rnd = seededRandom(4);
    const rows: Scored[] = Array.from({ length: 3000 }, (_, i) => ({
      cos: 0.5 + 0.5 * rnd(),
      score: Math.round(rnd() * 200) / 200,
      label: (i % 3 === 0 ? 1 : 0) as 0 | 1,
    }));
    const rates = [0, 0.001, 0.01, 0.05, 0.3, 0.9, 1];
    expect(thresholdsAtRates(rows, 0.7, rates)).toEqual(rates.map((r) => reference(rows, 0.7, r)));
    expect(thresholdsAtRates(rows, 0.7, rates).at(-1)).toBe(0);
    // the top score is a label-0 pair's, with nothing above it to meet halfway
    const top: Scored[] = [{ cos: 0.9, score: 0.95, label: 0 }, { cos: 0.9, score: 0.5, label: 1 }];
    expect(thresholdsAtRates(top, 0.7, [0])).toEqual([reference(top, 0.7, 0)]);
    expect(thresholdsAtRates(top, 0.7, [0])[0]).toBeGreaterThan(0.95);
  });
});

describe('thresholdIntervals', () => {
  const rates = [0.01, 0.1];
  const byFile = (r: { src: string }): string => r.src;

  it('brackets the full-sample threshold, narrows with more pairs, and keeps rates apart', () => {
    const small = pairs(1000, 2);
    const large = pairs(16000, 2);
    const [s01, s10] = thresholdIntervals(small, 0.7, rates, byFile, 300, 5);
    const [l01] = thresholdIntervals(large, 0.7, rates, byFile, 300, 5);
    const full = thresholdAtRate(small, 0.7, 0.01);
    expect(s01?.lo).toBeLessThanOrEqual(full);
    expect(s01?.hi).toBeGreaterThanOrEqual(full);
    const width = (iv?: { lo: number; hi: number }): number => (iv ? iv.hi - iv.lo : Number.NaN);
    expect(width(s01)).toBeGreaterThan(0);
    expect(s10?.hi).toBeLessThan(s01?.lo as number);
    expect(width(l01)).toBeLessThan(width(s01));
  });

  it('is reproducible for a seed and changes with it', () => {
    const rows = pairs(1000, 3);
    const a = thresholdIntervals(rows, 0.7, rates, byFile, 200, 11);
    expect(thresholdIntervals(rows, 0.7, rates, byFile, 200, 11)).toEqual(a);
    expect(thresholdIntervals(rows, 0.7, rates, byFile, 200, 12)).not.toEqual(a);
  });
});
