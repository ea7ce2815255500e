import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizePrompt } from '../../../src/core/request-key.js';
import { loadVerifier, type HitVerifier } from '../../../src/verifier/index.js';
import { thresholdForRate } from '../../../src/verifier/model.js';
import { realEmbedder } from '../../helpers.js';

const WEIGHTS = join(import.meta.dirname, '..', '..', '..', 'models', 'verifier', 'weights.json');

let v: HitVerifier;
let t01: number;
beforeAll(async () => {
  v = await loadVerifier(WEIGHTS);
  t01 = v.thresholdFor(0.01);
});

/** Scores a pair with its real sentence vectors (the adapter feature needs them); `cos` stands in
 * for the cosine the index would report. */
async function score(a: string, b: string, cos: number): Promise<number> {
  const emb = await realEmbedder();
  const [qa, qb] = [normalizePrompt(a), normalizePrompt(b)];
  return v.score(qa, qb, cos, { query: await emb.embed(qa), candidate: await emb.embed(qb) });
}

/** Near misses: [query, candidate, cosine measured with the shipped all-MiniLM-L6-v2 q4 model].
 * Each is also tried at a higher cosine than measured: the verifier must not rely on the embedding
 * having already pushed the pair apart. */
const NEAR_MISSES: Array<[family: string, a: string, b: string, cos: number]> = [
  ['direction', 'convert USD to EUR', 'convert EUR to USD', 0.995],
  ['direction', 'Translate hello from English to French', 'Translate hello from French to English', 0.998],
  ['number', 'boil an egg for 6 minutes', 'boil an egg for 10 minutes', 0.925],
  ['negation', 'recipes with gluten', 'recipes without gluten', 0.848],
  ['negation', 'Is it safe to eat raw eggs?', 'Is it not safe to eat raw eggs?', 0.95],
  ['antonym', 'How do I boil an egg with a soft yolk?', 'How do I boil an egg with a hard yolk?', 0.961],
  ['antonym', 'Sort the array in ascending order', 'Sort the array in descending order', 0.97],
  ['antonym', 'How do I install numpy?', 'How do I uninstall numpy?', 0.95],
  ['entity', 'What is the capital of Austria?', 'What is the capital of Australia?', 0.664],
  ['operation', 'sort a list in Python', 'reverse a list in Python', 0.539],
  ['operation', 'How do I sort a list in Python?', 'How do I reverse a list in Python?', 0.9],
];

/** Plain rephrasings that must be served. */
const REPHRASINGS: Array<[a: string, b: string, cos: number]> = [
  ['How do I reverse a list in Python?', "What's the way to reverse a Python list?", 0.974],
  ['How do I reverse a list in Python?', 'How can I reverse a list in Python?', 0.998],
  ['convert USD to EUR', 'How do I convert USD to EUR?', 0.965],
];

describe('loadVerifier', () => {
  it('loads the shipped weights', () => {
    expect(v.id).toMatch(/^verifier@[0-9a-f]{12}$/);
    expect(v.weights.operatingPoints.length).toBeGreaterThan(3);
  });

  it('says what to do when the weights are missing', async () => {
    await expect(loadVerifier('/nonexistent/weights.json')).rejects.toThrow(/not found: run "npm run train-verifier"/);
  });
});

describe('thresholdFor', () => {
  it('picks the nearest operating point not above the asked rate', () => {
    const pts = v.weights.operatingPoints;
    const p01 = pts.find((p) => p.maxFalseHitRate === 0.01);
    expect(p01).toBeDefined();
    expect(t01).toBe(p01?.threshold);
    expect(v.thresholdFor(0.015)).toBe(p01?.threshold);
    expect(v.thresholdFor(0.05)).toBeLessThanOrEqual(t01);
    expect(v.thresholdFor(0.001)).toBeGreaterThanOrEqual(t01);
    expect(v.thresholdFor(1e-6)).toBe(Number.POSITIVE_INFINITY);
  });

  it('has thresholds that never loosen as the rate shrinks', () => {
    const pts = [...v.weights.operatingPoints].sort((a, b) => a.maxFalseHitRate - b.maxFalseHitRate);
    for (let i = 1; i < pts.length; i++) expect(pts[i]!.threshold).toBeLessThanOrEqual(pts[i - 1]!.threshold);
    for (const p of pts) expect(p.devFalseHitRate).toBeLessThanOrEqual(p.maxFalseHitRate);
  });

  it('works on bare operating points', () => {
    const pts = [0.001, 0.01, 0.1].map((r, i) => ({ maxFalseHitRate: r, threshold: 0.9 - i * 0.1, devFalseHitRate: r, devRecall: 0, devPrecision: 1 }));
    expect(thresholdForRate(pts, 0.01)).toBe(0.8);
    expect(thresholdForRate(pts, 0.05)).toBe(0.8);
    expect(thresholdForRate(pts, 0.5)).toBe(0.7);
    expect(thresholdForRate(pts, 0.0005)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('assess', () => {
  const assess = (a: string, b: string): ReturnType<HitVerifier['assess']> => v.assess(normalizePrompt(a), normalizePrompt(b), 0.99);
  it.each([
    ['How do I convert a string to an integer in Go?', 'How do I convert an integer to a string in Go?'],
    ['Cheap flights from New York to London', 'Cheap flights from London to New York'],
    ['How do I copy files from my laptop to a server?', 'How do I copy files from a server to my laptop?'],
  ])('vetoes a swapped direction: %s / %s', (a, b) => {
    expect(assess(a, b)).toEqual({ score: 0, veto: 'direction_swap' });
    expect(assess(b, a)).toEqual({ score: 0, veto: 'direction_swap' });
  });

  it.each([
    ['What is the difference between TCP and UDP?', 'What is the difference between UDP and TCP?'],
    ['Is Python better than Java?', 'Is Java worse than Python?'],
    ['How do I convert a string to an integer in Go?', 'In Go, how do I convert a string to an integer?'],
  ])('leaves symmetric swaps and kept directions to the model: %s / %s', (a, b) => {
    expect(assess(a, b).veto).toBeNull();
  });
});

describe('score', () => {
  it.each(NEAR_MISSES)('rejects a %s near miss: %s / %s', async (_family, a, b, cos) => {
    for (const c of [cos, Math.max(cos, 0.95)]) {
      expect(await score(a, b, c)).toBeLessThan(t01);
      expect(await score(b, a, c)).toBeLessThan(t01);
    }
  });

  it.each(REPHRASINGS)('serves a rephrasing: %s / %s', async (a, b, cos) => {
    expect(await score(a, b, cos)).toBeGreaterThanOrEqual(t01);
    expect(await score(b, a, cos)).toBeGreaterThanOrEqual(t01);
  });

  it('is a probability, symmetric, and rises with the cosine', async () => {
    const a = 'How do I reverse a list in Python?';
    const b = "What's the way to reverse a Python list?";
    const s = await score(a, b, 0.95);
    expect(s).toBeGreaterThan(0);
    expect(s).toBeLessThan(1);
    expect(await score(b, a, 0.95)).toBe(s);
    expect(await score(a, b, 0.99)).toBeGreaterThanOrEqual(await score(a, b, 0.75));
  });
});
