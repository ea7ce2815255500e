import { describe, expect, it } from 'vitest';
import { isChatCompletion, replayCompletion, replayStream, splitContent, unstorableReason, type ChatCompletion } from '../../../src/chat/completion.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0, 789);
const USAGE = { prompt_tokens: 12, completion_tokens: 34, total_tokens: 46 };

type Choice = ChatCompletion['choices'][number];

function completion(choice: Partial<Omit<Choice, 'message'>> & { message?: Partial<Choice['message']> } = {}, over: Partial<ChatCompletion> = {}): ChatCompletion {
  return {
    id: 'chatcmpl-original',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-2024-08-06',
    system_fingerprint: 'fp_abc',
    choices: [{ index: 0, finish_reason: 'stop', ...choice, message: { role: 'assistant', content: 'The answer is 42.', ...choice.message } }],
    usage: USAGE,
    ...over,
  };
}

const TOOL_CALLS = [
  { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
  { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
];

describe('isChatCompletion', () => {
  it('recognises a completion and rejects other shapes', () => {
    expect(isChatCompletion(completion())).toBe(true);
    expect(isChatCompletion(null)).toBe(false);
    expect(isChatCompletion({ choices: [] })).toBe(false);
    expect(isChatCompletion({ choices: [{}] })).toBe(false);
    expect(isChatCompletion('text')).toBe(false);
  });
});

describe('unstorableReason', () => {
  it('a single stop answer may be stored', () => {
    expect(unstorableReason(completion(), false)).toBeNull();
    expect(unstorableReason(completion({ message: { refusal: null } }), false)).toBeNull();
  });

  it.each(['length', 'content_filter', null])('finish_reason %s is not storable', (reason) => {
    expect(unstorableReason(completion({ finish_reason: reason }), true)).toBe(`finish_reason ${String(reason)}`);
  });

  it('tool_calls answers depend on storeToolCalls', () => {
    const c = completion({ finish_reason: 'tool_calls', message: { content: null, tool_calls: TOOL_CALLS } });
    expect(unstorableReason(c, false)).toBe('tool-call answer');
    expect(unstorableReason(c, true)).toBeNull();
  });

  it('a refusal is not storable', () => {
    expect(unstorableReason(completion({ message: { content: null, refusal: 'I cannot help with that.' } }), false)).toBe('refusal');
  });

  it('several choices (or none) are not storable', () => {
    const c = completion();
    const two: ChatCompletion = { ...c, choices: [c.choices[0]!, { ...c.choices[0]!, index: 1 }] };
    expect(unstorableReason(two, true)).toBe('more than one choice');
    expect(unstorableReason({ ...c, choices: [] }, true)).not.toBeNull();
  });
});

describe('replayCompletion', () => {
  it('fresh id and created from nowMs; everything else kept', () => {
    const cached = completion();
    const r = replayCompletion(cached, NOW);
    expect(r.id).not.toBe(cached.id);
    expect(r.id).toMatch(/^chatcmpl-dejavu-[0-9a-f]{32}$/);
    expect(r.created).toBe(Math.floor(NOW / 1000));
    expect(r.usage).toEqual(USAGE);
    expect(r.choices).toEqual(cached.choices);
    expect(r.model).toBe(cached.model);
    expect(r.system_fingerprint).toBe('fp_abc');
    expect(cached.id).toBe('chatcmpl-original');
  });

  it('every replay gets its own id', () => {
    const cached = completion();
    const ids = new Set(Array.from({ length: 20 }, () => replayCompletion(cached, NOW).id));
    expect(ids.size).toBe(20);
  });
});

describe('splitContent', () => {
  const samples = [
    '',
    'a',
    'hello',
    'The quick brown fox jumps over the lazy dog, again and again and again.',
    'x'.repeat(100),
    `short ${'y'.repeat(60)} words ${'z'.repeat(30)} end`,
    'many     spaces     between          words and    more   spaces  here      ok',
    '   leading and trailing spaces   ',
    'line one\nline two\n\nline four\ttabbed text goes on and on',
    'héllo wörld ñandú café — naïve façade über straße',
    '日本語のテキストはスペースがないので長い一つの単語として扱われますがそれでも大丈夫です',
    '😀 emoji 🎉 party 👍🏽 thumbs 🇫🇷 flag 👨‍👩‍👧 family and more text to split',
    ' '.repeat(50),
  ];

  it.each(samples.map((s) => [s]))('pieces concatenate to the original: %j', (text) => {
    for (const size of [1, 5, 24, 1000]) expect(splitContent(text, size).join('')).toBe(text);
  });

  it('empty text gives no pieces', () => {
    expect(splitContent('')).toEqual([]);
  });

  it('no empty pieces, and a short text is one piece', () => {
    for (const s of samples) expect(splitContent(s).every((p) => p.length > 0)).toBe(true);
    expect(splitContent('short text')).toEqual(['short text']);
  });

  it('words stay whole when they fit; pieces end after a space', () => {
    const text = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu';
    const pieces = splitContent(text, 12);
    expect(pieces.join('')).toBe(text);
    for (const p of pieces.slice(0, -1)) expect(p.endsWith(' ')).toBe(true);
  });

  it('a word longer than size is cut into size-long pieces', () => {
    expect(splitContent('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    const pieces = splitContent(`go ${'w'.repeat(50)} on`, 10);
    expect(pieces.join('')).toBe(`go ${'w'.repeat(50)} on`);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(11);
  });

  it('never cuts a surrogate pair (each piece is well-formed UTF-16)', () => {
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    const text = `a${'😀'.repeat(40)}`;
    expect(splitContent(text).join('')).toBe(text);
    for (const p of splitContent(text)) expect(lone.test(p), JSON.stringify(p)).toBe(false);
  });
});

interface ParsedChunk {
  id: string;
  object: string;
  created: number;
  model: string;
  system_fingerprint: string | null;
  choices: Array<{ index: number; delta: { role?: string; content?: string; tool_calls?: unknown[] }; finish_reason: string | null }>;
  usage?: unknown;
}

/** Splits SSE text into data payloads, checking every event is exactly `data: ...\n\n`. */
function events(sse: string): string[] {
  expect(sse.endsWith('\n\n')).toBe(true);
  const parts = sse.slice(0, -2).split('\n\n');
  for (const p of parts) expect(p).toMatch(/^data: [^\n]+$/);
  return parts.map((p) => p.slice('data: '.length));
}

function parseStream(sse: string): ParsedChunk[] {
  const data = events(sse);
  expect(data.at(-1)).toBe('[DONE]');
  expect(data.slice(0, -1)).not.toContain('[DONE]');
  return data.slice(0, -1).map((d) => JSON.parse(d) as ParsedChunk);
}

describe('replayStream', () => {
  const content = 'Streaming replays split the cached answer into several content chunks for the client.';

  it.each([false, true])('well-formed chunk sequence (includeUsage=%s)', (includeUsage) => {
    const chunks = parseStream(replayStream(completion({ message: { content } }), NOW, includeUsage));
    const ids = new Set(chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^chatcmpl-dejavu-/);
    expect([...ids][0]).not.toBe('chatcmpl-original');
    for (const c of chunks) {
      expect(c.object).toBe('chat.completion.chunk');
      expect(c.created).toBe(Math.floor(NOW / 1000));
      expect(c.model).toBe('gpt-4o-2024-08-06');
      expect(c.system_fingerprint).toBe('fp_abc');
    }
    expect(chunks[0]!.choices).toEqual([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);

    const usageChunks = chunks.filter((c) => c.choices.length === 0);
    const withChoices = chunks.filter((c) => c.choices.length > 0);
    const finish = withChoices.at(-1)!;
    expect(finish.choices).toEqual([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    for (const c of withChoices.slice(0, -1)) expect(c.choices[0]!.finish_reason).toBeNull();
    const deltas = withChoices.slice(1, -1).map((c) => c.choices[0]!.delta.content);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(content);

    if (includeUsage) {
      expect(usageChunks).toHaveLength(1);
      expect(chunks.at(-1)).toBe(usageChunks[0]);
      expect(usageChunks[0]!.usage).toEqual(USAGE);
    } else {
      expect(usageChunks).toHaveLength(0);
      for (const c of chunks) expect(c).not.toHaveProperty('usage');
    }
  });

  it('usage chunk carries null when the cached answer had no usage', () => {
    const chunks = parseStream(replayStream(completion({}, { usage: undefined }), NOW, true));
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: null });
  });

  it('missing system_fingerprint is null; each replay has a new id', () => {
    const cached = completion({}, { system_fingerprint: undefined });
    const a = parseStream(replayStream(cached, NOW, false));
    const b = parseStream(replayStream(cached, NOW, false));
    expect(a[0]!.system_fingerprint).toBeNull();
    expect(a[0]!.id).not.toBe(b[0]!.id);
  });

  it('empty or null content: role chunk, finish chunk, [DONE]', () => {
    for (const c of ['', null]) {
      const chunks = parseStream(replayStream(completion({ message: { content: c } }), NOW, false));
      expect(chunks).toHaveLength(2);
      expect(chunks[1]!.choices[0]!.finish_reason).toBe('stop');
    }
  });

  it('unicode content survives the JSON round trip', () => {
    const text = 'Ünïcödé — 日本語 and emoji 😀🎉 with "quotes" and \\ backslashes\nnew lines';
    const chunks = parseStream(replayStream(completion({ message: { content: text } }), NOW, false));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(text);
  });

  it('long emoji content is streamed without lone-surrogate escapes', () => {
    const text = `a${'😀'.repeat(40)}`;
    const sse = replayStream(completion({ message: { content: text } }), NOW, false);
    expect(sse.match(/\\ud[89a-f][0-9a-f]{2}/gi) ?? []).toEqual([]);
  });

  it('replays tool calls as indexed deltas before the finish chunk', () => {
    const cached = completion({ finish_reason: 'tool_calls', message: { content: null, tool_calls: TOOL_CALLS } });
    const chunks = parseStream(replayStream(cached, NOW, false));
    expect(chunks).toHaveLength(3);
    expect(chunks[1]!.choices[0]!.delta.tool_calls).toEqual(TOOL_CALLS.map((t, index) => ({ index, ...t })));
    expect(chunks[1]!.choices[0]!.finish_reason).toBeNull();
    expect(chunks[2]!.choices).toEqual([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]);
  });

  it('content then tool calls when both are present', () => {
    const cached = completion({ finish_reason: 'tool_calls', message: { content: 'Let me check.', tool_calls: TOOL_CALLS.slice(0, 1) } });
    const chunks = parseStream(replayStream(cached, NOW, true));
    expect(chunks.map((c) => Object.keys(c.choices[0]?.delta ?? { usage: 1 }))).toEqual([['role', 'content'], ['content'], ['tool_calls'], [], ['usage']]);
  });
});
