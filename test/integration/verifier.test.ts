import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MODELS_DIR } from '../helpers.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { post, startHarness, type Harness } from './harness.js';

const WEIGHTS = join(MODELS_DIR, 'verifier/weights.json');
/** A rephrasing the verifier scores well inside its operating points (about 0.7 with the shipped
 * weights: served at rate 0.2, refused at 0.001 and at the default 0.01). */
const MIDDLING: [string, string] = ['How do I find the length of a string in Go?', 'Go: how do I get the length of a string?'];
const RATES = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2];

/** The shipped verifier at the default max_false_hit_rate (0.01), through POST /v1/cache/lookup. */
describe('hit verifier through the REST lookup', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ cache: { decision: 'verifier', verifier_path: WEIGHTS } });
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
    // Singular / plural question. Retrains move single pairs either way: "How many legs does a spider
    // have?" / "... do spiders have?" scored 0.875 against 0.886 (a miss) with an intermediate model and
    // 0.879 against 0.8767 with verifier@0617b2c96340, too close to the line for a test; this one 0.948.
    ['How many wheels does a car have?', 'How many wheels do cars have?'],
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

  it('counts refusals by reason and the verifier scores it saw in /metrics', async () => {
    const body = (await h.app.inject({ url: '/metrics' })).body;
    expect(body).toMatch(/dejavu_semantic_rejections_total\{reason="direction_swap"\} [1-9]/);
    expect(body).toMatch(/dejavu_semantic_rejections_total\{reason="verifier_rejected"\} [1-9]/);
    // The verified lookups so far left their scores (a near-miss under the cosine floor never reaches the verifier).
    const count = Number(/dejavu_verifier_score_count (\d+)/.exec(body)?.[1]);
    expect(count).toBeGreaterThanOrEqual(rephrasings.length + nearMisses.length - 2);
    expect(body).toMatch(/dejavu_verifier_score_bucket\{le="0.05"\} [1-9]/); // the rule-refused swaps score 0
  });

  it('a per-request threshold means cosine only (the caller opts out of the verifier)', async () => {
    const { id, out } = await pair('Convert 100 USD to EUR', 'Convert 100 EUR to USD', { threshold: 0.9 });
    expect(out).toMatchObject({ status: 'semantic-hit', entry: { id }, verifier_score: null });
    expect(out.similarity).toBeGreaterThan(0.95); // which is exactly why cosine alone is unsafe
  });

  it('a per-request max_false_hit_rate picks the operating point: hit exactly when the score clears its threshold', async () => {
    const v = h.service.cache.verifier!;
    const { id, out } = await pair(...MIDDLING);
    const score = out.candidate?.verifier_score as number;
    expect(score).toBeGreaterThan(v.thresholdFor(0.2));
    expect(score).toBeLessThan(v.thresholdFor(0.001));
    const namespace = `pair-${n - 1}`;
    for (const rate of RATES) {
      const r = (await post(h.app, '/v1/cache/lookup', { prompt: MIDDLING[1], namespace, max_false_hit_rate: rate })).body!;
      expect(r.verifier_score).toBeCloseTo(score, 9);
      if (score >= v.thresholdFor(rate)) expect(r).toMatchObject({ status: 'semantic-hit', entry: { id } });
      else expect(r).toMatchObject({ status: 'miss', candidate: { id, reason: 'verifier_rejected' } });
    }
  });

  it('a looser rate never lets a rule-refused pair through; a rate below every operating point serves exact hits only', async () => {
    const swap = await pair('Convert 100 USD to EUR', 'Convert 100 EUR to USD', { max_false_hit_rate: 1 });
    expect(swap.out).toMatchObject({ status: 'miss', candidate: { reason: 'direction_swap' } });
    const unit = await pair('How much should a 10 lb puppy eat per day?', 'How much should a 10 kg puppy eat per day?', { max_false_hit_rate: 1 });
    expect(unit.out).toMatchObject({ status: 'miss', candidate: { id: unit.id, reason: 'unit_change', verifier_score: 0 } });
    const code = 'func add(a, b int) int { return a + b } // adds two numbers and returns the sum';
    const task = await pair(`Explain this Go function: ${code}`, `Write unit tests for this Go function: ${code}`, { max_false_hit_rate: 1 });
    expect(task.out).toMatchObject({ status: 'miss', candidate: { id: task.id, reason: 'instruction_change', verifier_score: 0 } });
    const { out } = await pair('How many legs does a spider have?', 'How many legs do spiders have?', { max_false_hit_rate: 0.0001 });
    expect(out).toMatchObject({ status: 'miss', candidate: { reason: 'verifier_rejected' } });
    const exact = (await post(h.app, '/v1/cache/lookup', { prompt: 'How many legs does a spider have?', namespace: `pair-${n - 1}`, max_false_hit_rate: 0.0001 })).body!;
    expect(exact.status).toBe('hit');
  });

  it('rejects a threshold and a rate together, and rates out of range', async () => {
    for (const body of [{ threshold: 0.9, max_false_hit_rate: 0.01 }, { max_false_hit_rate: 0 }, { max_false_hit_rate: 1.5 }, { max_false_hit_rate: '0.01' }]) {
      const res = await post(h.app, '/v1/cache/lookup', { prompt: 'hi', ...body });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'invalid_request' } });
    }
  });
});

describe('the chat sidecar at its own rate (chat.max_false_hit_rate) and X-Cache-Max-False-Hit-Rate', () => {
  let fake: FakeOpenAI;
  let h: Harness;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ model: 'gpt-4o-mini' });
    h = await startHarness({ cache: { decision: 'verifier', verifier_path: WEIGHTS }, chat: { max_false_hit_rate: 0.2 }, providers: [{ name: 'fake', base_url: fake.url, timeout_ms: 5000 }] });
  });
  afterAll(async () => {
    await h.cleanup();
    await fake.close();
  });

  const ask = async (content: string, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: 'Bearer sk-client', ...headers }, payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] } });

  it('serves a middling rephrasing at the route rate, not at a stricter header, and answers a bad header with 400', async () => {
    expect((await ask(MIDDLING[0])).headers['x-cache-status']).toBe('MISS');
    const loose = await ask(MIDDLING[1]); // chat.max_false_hit_rate 0.2 (the REST default stays 0.01)
    expect(loose.headers['x-cache-status']).toBe('SEMANTIC-HIT');
    const calls = fake.chatCalls().length;
    expect((await ask(MIDDLING[1], { 'x-cache-max-false-hit-rate': '0.001' })).headers['x-cache-status']).toBe('MISS');
    expect(fake.chatCalls()).toHaveLength(calls + 1);
    const bad: Array<Record<string, string>> = [{ 'x-cache-max-false-hit-rate': 'lots' }, { 'x-cache-max-false-hit-rate': '0.1', 'x-cache-threshold': '0.9' }];
    for (const headers of bad) {
      const res = await ask(MIDDLING[1], headers);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: expect.stringMatching(/^invalid_/) } });
    }
    expect(fake.chatCalls()).toHaveLength(calls + 1); // refused before any upstream call
  });
});

/** cache.verifier_calibration: a score threshold the operator measured on their own traffic. */
describe("an operator's calibrated threshold (cache.verifier_calibration)", () => {
  const id = `verifier@${(JSON.parse(readFileSync(WEIGHTS, 'utf8')) as { version: string }).version}`;
  let h: Harness | undefined;
  afterEach(async () => h?.cleanup());

  it('serves at the calibrated score instead of the default rate, still refuses what a rule refuses, and a request rate wins', async () => {
    h = await startHarness({ cache: { decision: 'verifier', verifier_path: WEIGHTS, verifier_calibration: { verifier: id, min_score: 0.5 } } });
    const stored = (await post(h.app, '/v1/cache/store', { prompt: MIDDLING[0], response: 'cached' })).body?.id as string;
    const served = (await post(h.app, '/v1/cache/lookup', { prompt: MIDDLING[1] })).body!;
    // MIDDLING scores about 0.7: refused at the default rate (first describe), served at 0.5.
    expect(served).toMatchObject({ status: 'semantic-hit', entry: { id: stored } });
    expect(served.verifier_score).toBeLessThan(h.service.cache.verifier!.thresholdFor(0.01));
    const strict = (await post(h.app, '/v1/cache/lookup', { prompt: MIDDLING[1], max_false_hit_rate: 0.01 })).body!;
    expect(strict).toMatchObject({ status: 'miss', candidate: { reason: 'verifier_rejected' } });
    await post(h.app, '/v1/cache/store', { prompt: 'Convert 100 USD to EUR', response: 'x', namespace: 'swap' });
    const swap = (await post(h.app, '/v1/cache/lookup', { prompt: 'Convert 100 EUR to USD', namespace: 'swap' })).body!;
    expect(swap).toMatchObject({ status: 'miss', candidate: { reason: 'direction_swap' } });
  });

  it('a calibration measured with another verifier turns semantic lookups off instead of serving at an unknown rate', async () => {
    h = await startHarness({ cache: { decision: 'verifier', verifier_path: WEIGHTS, verifier_calibration: { verifier: 'verifier@000000000000', min_score: 0.5 } } });
    expect(h.service.semanticDisabled).toMatch(/measured with verifier@000000000000 but the loaded verifier is verifier@/);
    await post(h.app, '/v1/cache/store', { prompt: MIDDLING[0], response: 'cached' });
    expect((await post(h.app, '/v1/cache/lookup', { prompt: MIDDLING[1] })).body).toMatchObject({ status: 'miss', semantic_skipped: 'semantic_disabled' });
    expect((await post(h.app, '/v1/cache/lookup', { prompt: MIDDLING[0] })).body).toMatchObject({ status: 'hit' });
  });
});
