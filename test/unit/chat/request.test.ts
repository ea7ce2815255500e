import { describe, expect, it } from 'vitest';
import { bypassReason, chatBodySchema, estimateTokens, parseDirectives, partitionParams, type ChatBody } from '../../../src/chat/request.js';
import { parseConfig } from '../../../src/config.js';
import { ValidationError } from '../../../src/errors.js';

const config = parseConfig({});
const MESSAGES = [{ role: 'user', content: 'hello' }];
const body = (over: Record<string, unknown> = {}): ChatBody => chatBodySchema.parse({ model: 'gpt-4o', messages: MESSAGES, ...over });

/** The ValidationError thrown by fn (fails the test when nothing is thrown). */
function thrown(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('chatBodySchema', () => {
  it('accepts a minimal body', () => {
    expect(chatBodySchema.safeParse({ model: 'm', messages: MESSAGES }).success).toBe(true);
  });

  it('passes unknown fields through untouched, top level and inside messages', () => {
    const input = {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', extra: { deep: [1, 2] } }], name: 'bob' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      custom_field: { a: [1, null, 'x'] },
      temperature: 0.3,
    };
    const parsed = chatBodySchema.parse(structuredClone(input));
    expect(parsed).toEqual(input);
  });

  it('accepts null content and null optional fields', () => {
    const r = chatBodySchema.safeParse({ model: 'm', messages: [{ role: 'assistant', content: null }], temperature: null, n: null, stream: null });
    expect(r.success).toBe(true);
  });

  it.each([
    ['missing model', { messages: MESSAGES }],
    ['empty model', { model: '', messages: MESSAGES }],
    ['non-string model', { model: 42, messages: MESSAGES }],
    ['too long model', { model: 'x'.repeat(257), messages: MESSAGES }],
    ['missing messages', { model: 'm' }],
    ['empty messages', { model: 'm', messages: [] }],
    ['messages not an array', { model: 'm', messages: 'hi' }],
    ['message without role', { model: 'm', messages: [{ content: 'hi' }] }],
    ['message content a number', { model: 'm', messages: [{ role: 'user', content: 5 }] }],
    ['temperature as string', { model: 'm', messages: MESSAGES, temperature: '0.5' }],
    ['temperature as boolean', { model: 'm', messages: MESSAGES, temperature: true }],
    ['temperature above 2', { model: 'm', messages: MESSAGES, temperature: 2.5 }],
    ['negative temperature', { model: 'm', messages: MESSAGES, temperature: -0.1 }],
    ['fractional n', { model: 'm', messages: MESSAGES, n: 1.5 }],
    ['n of 0', { model: 'm', messages: MESSAGES, n: 0 }],
    ['max_tokens 0', { model: 'm', messages: MESSAGES, max_tokens: 0 }],
    ['stream as string', { model: 'm', messages: MESSAGES, stream: 'yes' }],
  ])('rejects %s', (_name, input) => {
    expect(chatBodySchema.safeParse(input).success).toBe(false);
  });

  it('accepts temperature at the bounds 0 and 2', () => {
    expect(chatBodySchema.safeParse({ model: 'm', messages: MESSAGES, temperature: 0 }).success).toBe(true);
    expect(chatBodySchema.safeParse({ model: 'm', messages: MESSAGES, temperature: 2 }).success).toBe(true);
  });
});

describe('partitionParams', () => {
  it('includes every answer-shaping parameter and unknown fields', () => {
    const shaping = {
      temperature: 0.2,
      top_p: 0.9,
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: 'auto',
      response_format: { type: 'json_object' },
      seed: 7,
      stop: ['\n'],
      n: 1,
      max_tokens: 100,
      max_completion_tokens: 50,
      frequency_penalty: 0.5,
      some_future_field: { x: 1 },
    };
    expect(partitionParams(body(shaping))).toEqual(shaping);
  });

  it('excludes model, messages, stream, stream_options, user, metadata, store, service_tier', () => {
    const b = body({
      stream: true,
      stream_options: { include_usage: true },
      user: 'u1',
      metadata: { k: 'v' },
      store: true,
      service_tier: 'auto',
    });
    expect(partitionParams(b)).toEqual({});
  });

  it('drops null and undefined values', () => {
    const b = { ...body({ temperature: null, seed: null }), top_p: undefined, stop: null } as ChatBody;
    expect(partitionParams(b)).toEqual({});
  });

  it('keeps falsy but meaningful values (0, false, empty string)', () => {
    expect(partitionParams(body({ temperature: 0, logprobs: false, stop: '' }))).toEqual({ temperature: 0, logprobs: false, stop: '' });
  });
});

describe('parseDirectives', () => {
  it('defaults come from config', () => {
    expect(parseDirectives({}, config)).toEqual({
      noCache: false,
      noStore: false,
      maxAgeSeconds: undefined,
      namespace: 'default',
      threshold: undefined, // no header: the configured decision (verifier or cosine threshold) applies
      maxFalseHitRate: undefined,
      ttlSeconds: config.cache.default_ttl_seconds,
    });
    const custom = parseConfig({ cache: { threshold: 0.75, default_ttl_seconds: 600 } });
    const d = parseDirectives({}, custom);
    expect(d.threshold).toBeUndefined();
    expect(d.ttlSeconds).toBe(600);
  });

  it.each([
    ['no-cache', { noCache: true, noStore: false, maxAgeSeconds: undefined }],
    ['no-store', { noCache: false, noStore: true, maxAgeSeconds: undefined }],
    ['max-age=60', { noCache: false, noStore: false, maxAgeSeconds: 60 }],
    ['max-age=0', { noCache: false, noStore: false, maxAgeSeconds: 0 }],
    ['no-cache, no-store', { noCache: true, noStore: true, maxAgeSeconds: undefined }],
    ['no-store,max-age=5', { noCache: false, noStore: true, maxAgeSeconds: 5 }],
    ['  No-Cache ,  MAX-AGE=30  , No-Store ', { noCache: true, noStore: true, maxAgeSeconds: 30 }],
    ['NO-CACHE', { noCache: true, noStore: false, maxAgeSeconds: undefined }],
    ['private, something-else', { noCache: false, noStore: false, maxAgeSeconds: undefined }],
  ])('Cache-Control %j', (value, expected) => {
    expect(parseDirectives({ 'cache-control': value }, config)).toMatchObject(expected);
  });

  it('joins multiple Cache-Control header values', () => {
    const d = parseDirectives({ 'cache-control': ['no-cache', 'max-age=10'] }, config);
    expect(d).toMatchObject({ noCache: true, noStore: false, maxAgeSeconds: 10 });
  });

  it.each(['max-age=abc', 'max-age=-1', 'max-age=1.5', 'no-cache, max-age=x'])('Cache-Control %j is invalid_header', (value) => {
    const err = thrown(() => parseDirectives({ 'cache-control': value }, config));
    expect(err.code).toBe('invalid_header');
    expect(err.statusCode).toBe(400);
  });

  it('an empty max-age value is invalid, not 0', () => {
    // Number('') === 0, so "max-age=" currently parses as max-age=0.
    expect(thrown(() => parseDirectives({ 'cache-control': 'max-age=' }, config)).code).toBe('invalid_header');
  });

  it('X-Cache-Namespace: trimmed, empty or too long is invalid', () => {
    expect(parseDirectives({ 'x-cache-namespace': ' team-a ' }, config).namespace).toBe('team-a');
    expect(parseDirectives({ 'x-cache-namespace': 'n'.repeat(256) }, config).namespace).toHaveLength(256);
    expect(thrown(() => parseDirectives({ 'x-cache-namespace': '   ' }, config)).code).toBe('invalid_header');
    expect(thrown(() => parseDirectives({ 'x-cache-namespace': 'n'.repeat(257) }, config)).code).toBe('invalid_header');
  });

  it.each([
    ['1', 1],
    ['0.5', 0.5],
    [' 0.85 ', 0.85],
    ['0.0001', 0.0001],
  ])('X-Cache-Threshold %j is valid', (value, expected) => {
    expect(parseDirectives({ 'x-cache-threshold': value }, config).threshold).toBe(expected);
  });

  it.each(['0', 'abc', '', '  ', '1.01', '-0.5', 'NaN', 'Infinity'])('X-Cache-Threshold %j is invalid_header', (value) => {
    expect(thrown(() => parseDirectives({ 'x-cache-threshold': value }, config)).code).toBe('invalid_header');
  });

  it.each([
    ['0', 0],
    ['3600', 3600],
    [' 60 ', 60],
  ])('X-Cache-TTL %j is valid', (value, expected) => {
    expect(parseDirectives({ 'x-cache-ttl': value }, config).ttlSeconds).toBe(expected);
  });

  it.each(['-1', '1.5', 'abc', '', 'Infinity'])('X-Cache-TTL %j is invalid_header', (value) => {
    expect(thrown(() => parseDirectives({ 'x-cache-ttl': value }, config)).code).toBe('invalid_header');
  });

  it('all directives together', () => {
    const d = parseDirectives({ 'cache-control': 'no-store, max-age=120', 'x-cache-namespace': 'ns', 'x-cache-threshold': '0.8', 'x-cache-ttl': '30' }, config);
    expect(d).toEqual({ noCache: false, noStore: true, maxAgeSeconds: 120, namespace: 'ns', threshold: 0.8, ttlSeconds: 30 });
  });
});

describe('bypassReason', () => {
  it('no bypass for a plain request or n=1', () => {
    expect(bypassReason(body(), config)).toBeNull();
    expect(bypassReason(body({ n: 1 }), config)).toBeNull();
  });

  it('n > 1 bypasses', () => {
    expect(bypassReason(body({ n: 2 }), config)).toBe('n > 1');
  });

  it('temperature above chat.max_temperature bypasses; equal or below does not', () => {
    expect(bypassReason(body({ temperature: 1.01 }), config)).toMatch(/temperature above 1/);
    expect(bypassReason(body({ temperature: 1 }), config)).toBeNull();
    expect(bypassReason(body({ temperature: 0 }), config)).toBeNull();
    expect(bypassReason(body({ temperature: null }), config)).toBeNull();
  });

  it('follows a configured max_temperature', () => {
    const strict = parseConfig({ chat: { max_temperature: 0.5 } });
    expect(bypassReason(body({ temperature: 0.7 }), strict)).toBe('temperature above 0.5');
    expect(bypassReason(body({ temperature: 0.5 }), strict)).toBeNull();
  });
});

describe('estimateTokens', () => {
  const promptTokens = (b: ChatBody): number => Math.ceil(JSON.stringify(b.messages).length / 4);

  it('prompt characters / 4 (rounded up) plus 256 by default', () => {
    const b = body();
    expect(estimateTokens(b)).toBe(promptTokens(b) + 256);
  });

  it('uses max_completion_tokens over max_tokens', () => {
    expect(estimateTokens(body({ max_tokens: 10 }))).toBe(promptTokens(body()) + 10);
    expect(estimateTokens(body({ max_tokens: 10, max_completion_tokens: 3 }))).toBe(promptTokens(body()) + 3);
  });

  it('grows with the prompt', () => {
    const long = body({ messages: [{ role: 'user', content: 'x'.repeat(4000) }] });
    expect(estimateTokens(long)).toBeGreaterThan(1000 + 256);
  });
});
