import { describe, expect, it } from 'vitest';
import { canonicalJson, normalizePrompt, requestKey, sha256Hex, type ChatMessage, type KeyInput } from '../../src/core/request-key.js';
import { ValidationError } from '../../src/errors.js';

const base = { namespace: 'ns', model: 'gpt-4o-mini' } as const;
const user = (content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });

function key(input: Partial<KeyInput>) {
  return requestKey({ ...base, ...input });
}

function expectMissingPrompt(input: Partial<KeyInput>): void {
  let thrown: unknown;
  try {
    key(input);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ValidationError);
  expect((thrown as ValidationError).code).toBe('missing_prompt');
  expect((thrown as ValidationError).statusCode).toBe(400);
}

describe('normalizePrompt', () => {
  it('collapses whitespace runs (spaces, tabs, newlines) and trims', () => {
    expect(normalizePrompt('  What  is\tthe \n\n capital\r\nof France?  ')).toBe('What is the capital of France?');
  });

  it('applies NFKC: compatibility forms and composed characters', () => {
    expect(normalizePrompt('ｆｕｌｌｗｉｄｔｈ １２３')).toBe('fullwidth 123');
    expect(normalizePrompt('ﬁle')).toBe('file');
    expect(normalizePrompt('cafe\u0301')).toBe('caf\u00e9');
    expect(normalizePrompt('x\u00b2')).toBe('x2');
  });

  it('treats unicode spaces (NBSP, ideographic, em space) as whitespace', () => {
    expect(normalizePrompt('a\u00a0\u00a0b\u3000c\u2003d')).toBe('a b c d');
  });

  it('keeps case and punctuation', () => {
    expect(normalizePrompt('Hello, World!')).toBe('Hello, World!');
    expect(normalizePrompt('hello world')).not.toBe(normalizePrompt('Hello World'));
  });

  it('whitespace-only input normalises to the empty string', () => {
    expect(normalizePrompt(' \t\n\u00a0')).toBe('');
  });
});

describe('lone surrogates', () => {
  // JSON may carry them ("\ud800"), but they are not text: SQLite would store each as three
  // U+FFFD, so the stored prompt would differ from the one keyed and embedded.
  it('become U+FFFD in the stored prompt and the key text, alike for prompt and messages', () => {
    const k = requestKey({ namespace: 'n', prompt: 'a \ud800 b \udc00 c \ud83d\ude00' });
    expect(k.prompt).toBe('a \ufffd b \ufffd c 😀');
    expect(k.text).toBe('a \ufffd b \ufffd c 😀');
    expect(requestKey({ namespace: 'n', messages: [{ role: 'user', content: 'a \ud800 b \udc00 c 😀' }] }).promptHash).toBe(k.promptHash);
    expect(requestKey({ namespace: 'n', prompt: 'a \ufffd b \ufffd c 😀' }).promptHash).toBe(k.promptHash);
  });
});

describe('canonicalJson', () => {
  it('is independent of key order at every depth', () => {
    const a = { b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } };
    const b = { a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
  });

  it('keeps array order significant', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('distinguishes different values', () => {
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
  });

  it('handles primitives', () => {
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson(3)).toBe('3');
    expect(canonicalJson(null)).toBe('null');
  });
});

describe('requestKey', () => {
  it('returns the namespace, model, raw prompt, normalised text and its hash', () => {
    const k = key({ prompt: '  Hello   world ' });
    expect(k.namespace).toBe('ns');
    expect(k.model).toBe('gpt-4o-mini');
    expect(k.prompt).toBe('  Hello   world ');
    expect(k.text).toBe('Hello world');
    expect(k.promptHash).toBe(sha256Hex('Hello world'));
    expect(k.partitionKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is deterministic', () => {
    expect(key({ prompt: 'q', params: { temperature: 0 } })).toEqual(key({ prompt: 'q', params: { temperature: 0 } }));
  });

  it('a missing model is null and differs from a named model', () => {
    const none = requestKey({ namespace: 'ns', prompt: 'q' });
    expect(none.model).toBeNull();
    expect(requestKey({ namespace: 'ns', model: null, prompt: 'q' })).toEqual(none);
    expect(none.partitionKey).not.toBe(key({ prompt: 'q' }).partitionKey);
  });

  it('prompt and a single user message (string or text parts) give the same key', () => {
    const fromPrompt = key({ prompt: 'What is 2+2?' });
    const fromString = key({ messages: [user('What is 2+2?')] });
    const fromParts = key({ messages: [user([{ type: 'text', text: 'What is 2+2?' }])] });
    for (const k of [fromString, fromParts]) {
      expect(k.partitionKey).toBe(fromPrompt.partitionKey);
      expect(k.promptHash).toBe(fromPrompt.promptHash);
      expect(k.text).toBe(fromPrompt.text);
    }
  });

  it('whitespace / NFKC variants share the hash; case variants do not', () => {
    const k = key({ prompt: 'What is 2+2?' });
    expect(key({ prompt: ' What  is\n2+2? ' }).promptHash).toBe(k.promptHash);
    expect(key({ prompt: 'What is ２+２?' }).promptHash).toBe(k.promptHash);
    expect(key({ prompt: 'what is 2+2?' }).promptHash).not.toBe(k.promptHash);
  });

  it('multiple text parts of the question are joined and normalised', () => {
    const k = key({ messages: [user([{ type: 'text', text: 'What is' }, { type: 'text', text: '2+2?' }])] });
    expect(k.text).toBe('What is 2+2?');
    expect(k.partitionKey).toBe(key({ prompt: 'What is 2+2?' }).partitionKey);
  });

  describe('context changes the partition but not the prompt hash', () => {
    const q = 'What is the capital of France?';
    const ref = key({ messages: [user(q)] });
    const variants: Array<[string, Partial<KeyInput>]> = [
      ['another model', { model: 'gpt-4o', messages: [user(q)] }],
      ['a system prompt', { messages: [{ role: 'system', content: 'Answer in French.' }, user(q)] }],
      ['a different system prompt', { messages: [{ role: 'system', content: 'Answer in German.' }, user(q)] }],
      ['earlier turns', { messages: [user('Hi'), { role: 'assistant', content: 'Hello!' }, user(q)] }],
      ['a trailing assistant message', { messages: [user(q), { role: 'assistant', content: 'Paris' }] }],
      ['params', { messages: [user(q)], params: { temperature: 0.7 } }],
      ['extra fields on the question', { messages: [{ role: 'user', content: q, name: 'alice' }] }],
    ];
    it.each(variants)('%s', (_name, input) => {
      const k = key(input);
      expect(k.partitionKey).not.toBe(ref.partitionKey);
      expect(k.promptHash).toBe(ref.promptHash);
      expect(k.text).toBe(q);
    });

    it('all variants are pairwise distinct partitions', () => {
      const keys = new Set(variants.map(([, input]) => key(input).partitionKey));
      expect(keys.size).toBe(variants.length);
    });

    it('the namespace is not part of the partition key (it is kept separately)', () => {
      const other = requestKey({ ...base, namespace: 'other', messages: [user(q)] });
      expect(other.namespace).toBe('other');
      expect(other.partitionKey).toBe(ref.partitionKey);
    });
  });

  it('differently ordered earlier turns give different partitions', () => {
    const a = key({ messages: [{ role: 'system', content: 's' }, user('a'), { role: 'assistant', content: 'b' }, user('q')] });
    const b = key({ messages: [{ role: 'system', content: 's' }, { role: 'assistant', content: 'b' }, user('a'), user('q')] });
    expect(a.partitionKey).not.toBe(b.partitionKey);
  });

  it('params are compared canonically (key order does not matter, values do)', () => {
    const a = key({ prompt: 'q', params: { temperature: 0, top_p: 1, response_format: { type: 'json', strict: true } } });
    const b = key({ prompt: 'q', params: { response_format: { strict: true, type: 'json' }, top_p: 1, temperature: 0 } });
    const c = key({ prompt: 'q', params: { temperature: 0.1, top_p: 1, response_format: { type: 'json', strict: true } } });
    expect(a.partitionKey).toBe(b.partitionKey);
    expect(a.partitionKey).not.toBe(c.partitionKey);
    expect(key({ prompt: 'q', params: {} }).partitionKey).toBe(key({ prompt: 'q' }).partitionKey);
  });

  it('embeds the LAST user message, not an earlier one', () => {
    const k = key({ messages: [user('first question'), { role: 'assistant', content: 'answer' }, user('  second   question ')] });
    expect(k.text).toBe('second question');
    expect(k.prompt).toBe('  second   question ');
    expect(k.promptHash).toBe(sha256Hex('second question'));
  });

  it('earlier user messages are context: changing them changes the partition', () => {
    const a = key({ messages: [user('one'), user('q')] });
    const b = key({ messages: [user('two'), user('q')] });
    expect(a.partitionKey).not.toBe(b.partitionKey);
    expect(a.promptHash).toBe(b.promptHash);
  });

  it('image parts are not embedded but change the partition', () => {
    const text = { type: 'text', text: 'What is in this picture?' };
    const img = (url: string) => ({ type: 'image_url', image_url: { url } });
    const plain = key({ messages: [user([text])] });
    const cat = key({ messages: [user([text, img('https://x/cat.png')])] });
    const dog = key({ messages: [user([text, img('https://x/dog.png')])] });
    const catAgain = key({ messages: [user([img('https://x/cat.png'), text])] });
    expect(cat.text).toBe('What is in this picture?');
    expect(cat.promptHash).toBe(plain.promptHash);
    expect(cat.partitionKey).not.toBe(plain.partitionKey);
    expect(cat.partitionKey).not.toBe(dog.partitionKey);
    expect(catAgain.partitionKey).toBe(cat.partitionKey);
  });

  it('a text-typed part without a string text is treated as a non-text part', () => {
    const odd = key({ messages: [user([{ type: 'text', text: 'q' }, { type: 'text', text: 42 }])] });
    expect(odd.text).toBe('q');
    expect(odd.partitionKey).not.toBe(key({ prompt: 'q' }).partitionKey);
  });

  describe('validation', () => {
    it('messages without a user message throw missing_prompt', () => {
      expectMissingPrompt({ messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'assistant', content: 'Hi' }] });
      expectMissingPrompt({ messages: [] });
    });

    it.each([[''], ['   '], ['\n\t '], ['\u00a0\u3000']])('a whitespace-only prompt %j throws', (prompt) => {
      expectMissingPrompt({ prompt });
      expectMissingPrompt({ messages: [user(prompt)] });
    });

    it('a question with null content, no parts or only image parts throws', () => {
      expectMissingPrompt({ messages: [user(null)] });
      expectMissingPrompt({ messages: [user([])] });
      expectMissingPrompt({ messages: [user([{ type: 'image_url', image_url: { url: 'https://x/a.png' } }])] });
    });

    it('neither prompt nor messages throws', () => {
      expectMissingPrompt({});
    });

    it('an empty last user message throws even when an earlier one had text', () => {
      expectMissingPrompt({ messages: [user('real question'), { role: 'assistant', content: 'a' }, user('  ')] });
    });
  });
});
