import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS_DIR } from '../helpers.js';
import { post, startHarness, type Harness } from './harness.js';

/** The shipped verifier at the default max_false_hit_rate (0.01), through POST /v1/cache/lookup. */
describe('hit verifier through the REST lookup', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ cache: { decision: 'verifier', verifier_path: join(MODELS_DIR, 'verifier/weights.json') } });
    expect(h.service.cache.verifier).toBeDefined();
  });
  afterAll(async () => h.cleanup());

  let n = 0;
  async function pair(stored: string, asked: string, body: Record<string, unknown> = {}) {
    const namespace = `pair-${n++}`;
    const id = (await post(h.app, '/v1/cache/store', { prompt: stored, response: 'cached answer', namespace })).body?.id as string;
    const out = (await post(h.app, '/v1/cache/lookup', { prompt: asked, namespace, ...body })).body!;
    return { id, out };
  }

  const rephrasings: Array<[string, string]> = [
    ['How do I reverse a list in Python?', "What's the way to reverse a Python list?"],
    ['What is the history of chess?', 'Tell me about the history of chess.'],
    ['How many legs does a spider have?', 'How many legs do spiders have?'],
  ];
  it.each(rephrasings)('serves a plain rephrasing: %s / %s', async (stored, asked) => {
    const { id, out } = await pair(stored, asked);
    expect(out).toMatchObject({ status: 'semantic-hit', entry: { id } });
    expect(out.verifier_score).toBeGreaterThanOrEqual(h.service.cache.verifier!.thresholdFor(0.01));
  });

  const nearMisses: Array<[family: string, stored: string, asked: string]> = [
    ['direction', 'Convert 100 USD to EUR', 'Convert 100 EUR to USD'],
    ['direction', 'How do I switch from Windows to Linux?', 'How do I switch from Linux to Windows?'],
    ['direction', 'How do I convert a string to an integer in Go?', 'How do I convert an integer to a string in Go?'],
    ['number', 'How long should I boil an egg for 6 minutes soft?', 'How long should I boil an egg for 10 minutes soft?'],
    ['negation', 'Suggest a pasta recipe with eggs', 'Suggest a pasta recipe without eggs'],
    ['antonym', 'How do I make a soft-boiled egg with a soft yolk?', 'How do I make a boiled egg with a hard yolk?'],
    ['antonym', "What's the maximum value of an int in Java?", "What's the minimum value of an int in Java?"],
    ['entity', 'How do I declare a variable in Kotlin?', 'How do I declare a variable in Swift?'],
    ['operation', 'How do I sort a list in Python?', 'How do I reverse a list in Python?'],
  ];
  it.each(nearMisses)('turns away a %s near-miss: %s / %s', async (family, stored, asked) => {
    const { id, out } = await pair(stored, asked);
    expect(out.status).toBe('miss');
    expect(out.candidate.id).toBe(id);
    if (family === 'direction') {
      // A swapped direction is refused by rule, whatever the learned score would say.
      expect(out.candidate).toMatchObject({ reason: 'direction_swap', verifier_score: 0 });
      return;
    }
    expect(['verifier_rejected', 'below_threshold']).toContain(out.candidate.reason);
    if (out.candidate.reason === 'verifier_rejected') expect(out.candidate.verifier_score).toBeLessThan(h.service.cache.verifier!.thresholdFor(0.01));
  });

  it('a per-request threshold means cosine only (the caller opts out of the verifier)', async () => {
    const { id, out } = await pair('Convert 100 USD to EUR', 'Convert 100 EUR to USD', { threshold: 0.9 });
    expect(out).toMatchObject({ status: 'semantic-hit', entry: { id }, verifier_score: null });
    expect(out.similarity).toBeGreaterThan(0.95); // which is exactly why cosine alone is unsafe
  });
});
