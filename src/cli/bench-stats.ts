/** Latency summary of one measured series. All times are milliseconds. */
export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentile (p in 0..100) of samples already sorted ascending; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Sorts a copy of the samples (ms) and summarises them. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((s, x) => s + x, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.length === 0 ? Number.NaN : total / sorted.length,
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
  };
}

/** Runs `fn` and returns its result with its wall time in ms. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

export { seededRandom } from '../util/random.js';

/** Fisher-Yates shuffle in place with the given PRNG. */
export { shuffle } from '../util/random.js';

/** Report formatting: ms with 2 decimals, MiB as integers (blank when absent), ratios with 3. */
export const ms = (x: number): string => (Number.isNaN(x) ? 'n/a' : x.toFixed(2));
export const mib = (x: number | null): string => (x === null || Number.isNaN(x) ? '' : x.toFixed(0));
export const pct = (x: number): string => (Number.isNaN(x) ? 'n/a' : x.toFixed(3));
