import http from 'node:http';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/core/ports.js';
import { freePort } from '../e2e/child.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';

const MODEL = 'gpt-4o-mini';
const FAST_RETRIES = { max_attempts: 2, backoff_base_ms: 1, backoff_max_ms: 5, max_retry_after_ms: 1000, breaker_failures: 100, breaker_cooldown_ms: 1000, max_queue_wait_ms: 100 };

describe('chat resilience', () => {
  const fakes: FakeOpenAI[] = [];
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  async function start(providers: unknown[], opts: HarnessOptions = {}, upstream: Record<string, unknown> = {}): Promise<OpenAI> {
    h = await startHarness({ providers, upstream: { ...FAST_RETRIES, ...upstream } }, undefined, { listen: true, upstream: { sleep: async () => {} }, ...opts });
    return new OpenAI({ baseURL: h.baseUrl, apiKey: 'sk-client', maxRetries: 0 });
  }
  const fake = async (): Promise<FakeOpenAI> => {
    const f = await startFakeOpenAI({ model: MODEL });
    fakes.push(f);
    return f;
  };
  const ask = (client: OpenAI, content: string, extra: Record<string, unknown> = {}) =>
    client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content }], ...extra }).withResponse();

  it('falls back to the second provider when the primary is dead', async () => {
    const backup = await fake();
    const client = await start([{ name: 'dead', base_url: `http://127.0.0.1:${await freePort()}/v1` }, { name: 'backup', base_url: backup.url, api_key: 'sk-backup' }]);
    const res = await ask(client, 'What is the capital of Peru?');
    expect(res.data.choices[0]?.message.content).toMatch(/capital of Peru/);
    expect(backup.chatCalls()).toHaveLength(1);
    expect(backup.chatCalls()[0]?.headers.authorization).toBe('Bearer sk-backup');
    const metrics = (await h!.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/dejavu_upstream_fallbacks_total\{from="dead",to="backup"\} 1/);
  });

  it('falls back when the primary hangs past its timeout', async () => {
    const slow = await fake();
    const backup = await fake();
    slow.enqueue({ kind: 'hang' });
    const client = await start([{ name: 'slow', base_url: slow.url, timeout_ms: 300 }, { name: 'backup', base_url: backup.url }], {}, { max_attempts: 1 });
    const res = await ask(client, 'How long is a marathon?');
    expect(res.response.status).toBe(200);
    expect(backup.chatCalls()).toHaveLength(1);
  });

  it('passes a non-retryable upstream error through without fallback', async () => {
    const primary = await fake();
    const backup = await fake();
    primary.enqueue({ kind: 'status', status: 400, body: { error: { message: 'bad model', type: 'invalid_request_error', code: 'model_not_found' } } });
    const client = await start([{ name: 'p', base_url: primary.url }, { name: 'b', base_url: backup.url }]);
    await expect(ask(client, 'anything')).rejects.toMatchObject({ status: 400, code: 'model_not_found' });
    expect(backup.chatCalls()).toHaveLength(0);
  });

  it('answers 429 with Retry-After when its own rate limit would wait too long', async () => {
    const f = await fake();
    const client = await start([{ name: 'f', base_url: f.url, rpm: 1 }]);
    expect((await ask(client, 'first question of the minute')).response.status).toBe(200);
    const err = await ask(client, 'second question of the minute').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('60');
    expect(f.chatCalls()).toHaveLength(1);
  });

  it('fails open: an embedder failure still returns the upstream answer as BYPASS', async () => {
    const f = await fake();
    const broken = (real: Embedder): Embedder => ({ modelId: real.modelId, dims: real.dims, fits: () => true, embed: () => Promise.reject(new Error('onnx exploded')) });
    const client = await start([{ name: 'f', base_url: f.url }], { embedder: broken });
    const res = await ask(client, 'Is the cache broken?');
    expect(res.response.headers.get('x-cache-status')).toBe('BYPASS');
    expect(res.data.choices[0]?.message.content).toMatch(/Is the cache broken/);
    expect((await h!.app.inject({ url: '/metrics' })).body).toMatch(/dejavu_cache_errors_total\{op="lookup"\} 1/);
  });

  it('fails open when SQLite is gone', async () => {
    const f = await fake();
    const client = await start([{ name: 'f', base_url: f.url }]);
    h!.service.store.close();
    const res = await ask(client, 'Does this still work without a database?');
    expect(res.response.headers.get('x-cache-status')).toBe('BYPASS');
    expect(res.response.status).toBe(200);
  });

  it('coalesces 20 concurrent identical streaming misses into one upstream call', async () => {
    const f = await fake();
    const client = await start([{ name: 'f', base_url: f.url }]);
    f.gateStream(true);
    const q = 'Summarise the plot of Hamlet in one line.';
    const streams = Array.from({ length: 20 }, async () => {
      const s = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: q }], stream: true });
      let text = '';
      for await (const c of s) text += c.choices[0]?.delta.content ?? '';
      return text;
    });
    await f.waitForCalls(1);
    f.gateStream(false);
    const texts = await Promise.all(streams);
    expect(f.chatCalls()).toHaveLength(1);
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toMatch(/Hamlet/);
  });

  it.each([
    ['streaming, mid-answer', true],
    ['not streaming, while upstream is still thinking', false],
  ] as const)('when the leading client hangs up (%s), its waiting followers elect one new leader instead of all calling upstream', async (_case, stream) => {
    const f = await fake();
    const client = await start([{ name: 'f', base_url: f.url }]);
    const harness = h as Harness;
    if (stream) f.gateStream(true);
    else f.enqueue({ kind: 'hang' });
    const q = `Give me a one-line summary of Macbeth${stream ? '' : ', please'}.`;
    // The leader: a raw request, so the test can drop its connection before the answer is done.
    const leader = http.request(`${harness.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client' } });
    leader.on('error', () => {}); // destroyed on purpose below
    const firstBytes = new Promise<void>((resolve) => leader.on('response', (res) => res.once('data', () => resolve())));
    leader.end(JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: q }], stream }));
    // The leader holds the flight once its upstream call is open (streams: once the role chunk passed).
    await (stream ? firstBytes : f.waitForCalls(1));
    const followers = Array.from({ length: 5 }, () => ask(client, q));
    // Every follower has counted its miss (right before joining the flight) once 6 misses show.
    const misses = async (): Promise<number> => Number(/dejavu_chat_requests_total\{status="miss"\} (\d+)/.exec((await harness.app.inject({ url: '/metrics' })).body)?.[1] ?? 0);
    while ((await misses()) < 6) await new Promise((r) => setImmediate(r)); // let sockets be read (inject alone never yields to I/O)
    leader.destroy();
    while (f.openResponses > 0) await new Promise((r) => setImmediate(r)); // the sidecar dropped its upstream call
    f.gateStream(false);
    const answers = await Promise.all(followers);
    expect(f.chatCalls()).toHaveLength(2); // the abandoned call and the new leader's
    expect(new Set(answers.map((a) => a.data.choices[0]?.message.content)).size).toBe(1);
    expect(answers.filter((a) => a.response.headers.get('x-cache-coalesced') === 'true')).toHaveLength(4);
  });
});
