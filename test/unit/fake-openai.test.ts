import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';

const MODEL = 'gpt-fake-1';
let fake: FakeOpenAI;
let client: OpenAI;

beforeEach(async () => {
  fake = await startFakeOpenAI({ model: MODEL });
  client = new OpenAI({ baseURL: fake.url, apiKey: 'test', maxRetries: 0 });
});
afterEach(async () => {
  await fake.close();
});

const ask = (text: string) => ({ model: MODEL, messages: [{ role: 'system' as const, content: 'be brief' }, { role: 'user' as const, content: text }] });

describe('fake OpenAI server', () => {
  it('answers a non-stream chat completion with deterministic content and usage', async () => {
    const first = await client.chat.completions.create(ask('hello there world'));
    expect(first.id).toMatch(/^chatcmpl-/);
    expect(first.object).toBe('chat.completion');
    expect(first.model).toBe(MODEL);
    expect(first.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Answer #1 to: hello there world' });
    expect(first.choices[0]!.finish_reason).toBe('stop');
    expect(first.usage).toEqual({ prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 });

    const second = await client.chat.completions.create(ask('hello there world'));
    expect(second.choices[0]!.message.content).toBe('Answer #2 to: hello there world');

    expect(fake.chatCalls()).toHaveLength(2);
    const call = fake.chatCalls()[0]!;
    expect(call.headers.authorization).toBe('Bearer test');
    expect(call.body.messages[1]).toEqual({ role: 'user', content: 'hello there world' });
  });

  it('plays queued behaviors in order, then falls back to ok; honours content, usage and tool calls', async () => {
    const toolCall = { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } };
    fake.enqueue({ kind: 'ok', content: 'scripted', usage: { prompt_tokens: 10, completion_tokens: 2 } }, { kind: 'ok', toolCalls: [toolCall] });
    const a = await client.chat.completions.create(ask('q'));
    expect(a.choices[0]!.message.content).toBe('scripted');
    expect(a.usage).toEqual({ prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 });
    const b = await client.chat.completions.create(ask('q'));
    expect(b.choices[0]!.message.content).toBeNull();
    expect(b.choices[0]!.message.tool_calls).toEqual([toolCall]);
    expect(b.choices[0]!.finish_reason).toBe('tool_calls');
    const c = await client.chat.completions.create(ask('q'));
    expect(c.choices[0]!.message.content).toBe('Answer #3 to: q');
  });

  it('streams chunks that the SDK concatenates to the same content, ending with finish_reason', async () => {
    const stream = await client.chat.completions.create({ ...ask('stream  me please'), stream: true });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Answer #1 to: stream  me please');
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id && c.model === MODEL)).toBe(true);
    expect(chunks.at(-1)!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(fake.chunksWritten).toBe(6); // one per word
  });

  it('writes raw SSE events in the OpenAI wire format, ending with [DONE]', async () => {
    const res = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ask('hi'), stream: true }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const raw = await res.text();
    const events = raw.split('\n\n');
    expect(events.pop()).toBe('');
    expect(events.every((e) => e.startsWith('data: ') && !e.includes('\n'))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
    const deltas = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)).choices[0].delta);
    expect(deltas.map((d) => d.content ?? '').join('')).toBe('Answer #1 to: hi');
  });

  it('adds a final usage chunk with empty choices when include_usage is set', async () => {
    const stream = await client.chat.completions.create({ ...ask('count my words'), stream: true, stream_options: { include_usage: true } });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 });
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
  });

  it('gates streamed chunks so they arrive one by one on release()', async () => {
    fake.gateStream(true);
    const stream = await client.chat.completions.create({ ...ask('one two three'), stream: true });
    const it = stream[Symbol.asyncIterator]();
    const role = await it.next();
    expect(role.done).toBe(false);
    expect(fake.chunksWritten).toBe(0);
    const expected = ['Answer', ' #1', ' to:', ' one', ' two', ' three'];
    for (const [i, piece] of expected.entries()) {
      fake.release();
      const next = await it.next();
      expect(next.done).toBe(false);
      expect(next.value.choices[0]!.delta.content).toBe(piece);
      // The client holds chunk i while the server has written exactly i+1 chunks: nothing was buffered ahead.
      expect(fake.chunksWritten).toBe(i + 1);
    }
    const finish = await it.next();
    expect(finish.value.choices[0]!.finish_reason).toBe('stop');
    expect((await it.next()).done).toBe(true);
  });

  it('surfaces 429 (with Retry-After) and 500 as the SDK APIError with that status', async () => {
    fake.enqueue({ kind: 'status', status: 429, retryAfter: '7' }, { kind: 'status', status: 500 }, { kind: 'status', status: 503, body: { error: { message: 'custom', type: 'x', code: 'y' } } });
    const e429 = await client.chat.completions.create(ask('a')).catch((e: unknown) => e);
    expect(e429).toBeInstanceOf(OpenAI.RateLimitError);
    expect((e429 as APIError).status).toBe(429);
    expect((e429 as APIError).headers?.get('retry-after')).toBe('7');
    expect((e429 as APIError).code).toBe('rate_limit_exceeded');
    const e500 = await client.chat.completions.create(ask('b')).catch((e: unknown) => e);
    expect(e500).toBeInstanceOf(OpenAI.InternalServerError);
    expect((e500 as APIError).status).toBe(500);
    const e503 = await client.chat.completions.create(ask('c')).catch((e: unknown) => e);
    expect(e503).toBeInstanceOf(APIError);
    expect((e503 as APIError).status).toBe(503);
    expect((e503 as APIError).message).toContain('custom');
    expect(fake.chatCalls()).toHaveLength(3); // maxRetries: 0, no retries
  });

  it('drop-mid-stream makes the SDK stream throw after the first chunks', async () => {
    fake.enqueue({ kind: 'drop-mid-stream', afterChunks: 2 });
    const stream = await client.chat.completions.create({ ...ask('a long answer please'), stream: true });
    const got: string[] = [];
    const err = await (async () => {
      for await (const chunk of stream) got.push(chunk.choices[0]?.delta.content ?? '');
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(got.join('')).toBe('Answer #1');
    expect(fake.chunksWritten).toBe(2);
  });

  it('drop-mid-stream on a non-stream request truncates the body; drop-connection is a connection error', async () => {
    fake.enqueue({ kind: 'drop-mid-stream', afterChunks: 0 }, { kind: 'drop-connection' });
    await expect(client.chat.completions.create(ask('x'))).rejects.toBeInstanceOf(Error);
    await expect(client.chat.completions.create(ask('y'))).rejects.toBeInstanceOf(APIConnectionError);
    expect(fake.chatCalls()).toHaveLength(2);
  });

  it('hang: the client can abort, and close() resolves without leaking', async () => {
    fake.enqueue({ kind: 'hang' }, { kind: 'hang' });
    const ac = new AbortController();
    const aborted = client.chat.completions.create(ask('wait'), { signal: ac.signal });
    await fake.waitForCalls(1);
    ac.abort();
    await expect(aborted).rejects.toBeInstanceOf(APIUserAbortError);
    // A second hanging request that is never aborted: close() must destroy it.
    const pending = client.chat.completions.create(ask('wait more')).catch((e: unknown) => e);
    await fake.waitForCalls(2);
    await fake.close();
    expect(await pending).toBeInstanceOf(APIConnectionError);
  });

  it('close() releases a gated stream', async () => {
    fake.gateStream(true);
    const stream = await client.chat.completions.create({ ...ask('gated'), stream: true });
    const consumed = (async () => {
      for await (const _ of stream) void _;
    })().catch((e: unknown) => e);
    await fake.close();
    expect(await consumed).toBeInstanceOf(Error);
  });

  it('lists models and 404s unknown paths with an OpenAI-style error', async () => {
    const page = await client.models.list();
    expect(page.data).toEqual([{ id: MODEL, object: 'model', created: expect.any(Number), owned_by: 'fake' }]);
    const res = await fetch(`${fake.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'not_found' } });
    await expect(client.embeddings.create({ model: 'e', input: 'x' })).rejects.toMatchObject({ status: 404 });
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /v1/models', 'GET /v1/nope', 'POST /v1/embeddings']);
    expect(fake.chatCalls()).toEqual([]);
  });
});
