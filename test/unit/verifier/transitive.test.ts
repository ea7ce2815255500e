import { describe, expect, it } from 'vitest';
import type { Pair } from '../../../src/verifier/train/data.js';
import { impliedPairs, pairKey } from '../../../src/verifier/train/transitive.js';

const pair = (id: string, a: string, b: string, label: 0 | 1): Pair => ({ id, source: 'qqp_train', a, b, label });
const keys = (ps: Pair[]): string[] => ps.map((p) => `${[p.a, p.b].sort().join('~')}:${p.label}`).sort();

describe('impliedPairs', () => {
  const labelled = [
    pair('1', 'A', 'B', 1),
    pair('2', 'B', 'C', 1),
    pair('3', 'B', 'D', 0),
    pair('4', 'C', 'E', 1),
    pair('5', 'A', 'C', 1), // already labelled: never re-made
  ];

  it('makes one-step positives and negatives, never re-making a labelled pair', () => {
    const out = impliedPairs(labelled, new Set(), { perHub: 100, seed: 1 });
    // Through B: A~C is labelled; A!~D and C!~D. Through C: A~E, B~E. Through A: none new.
    expect(keys(out)).toEqual(['A~D:0', 'A~E:1', 'B~E:1', 'C~D:0']);
    const ae = out.find((p) => pairKey(p) === pairKey({ a: 'E', b: 'A' }));
    expect(ae?.from.sort()).toEqual(['4', '5']);
    expect(ae?.source).toBe('implied:pos');
  });

  it('skips held-out pairs and caps the pairs made through one text', () => {
    const out = impliedPairs(labelled, new Set([pairKey({ a: 'E', b: 'A' })]), { perHub: 100, seed: 1 });
    expect(keys(out)).toEqual(['A~D:0', 'B~E:1', 'C~D:0']);
    const capped = impliedPairs(labelled, new Set(), { perHub: 1, seed: 1 });
    expect(capped.length).toBeLessThan(4);
  });

  it('does not call two texts different when a positive chain links them', () => {
    // X~Y~Z, and Y!~Z labelled (noise): X!~Z must not be implied.
    const out = impliedPairs([pair('1', 'X', 'Y', 1), pair('2', 'Y', 'W', 1), pair('3', 'W', 'Z', 1), pair('4', 'Y', 'Z', 0)], new Set(), { perHub: 100, seed: 1 });
    expect(out.filter((p) => p.label === 0)).toEqual([]);
  });
});
