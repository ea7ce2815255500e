import { describe, expect, it } from 'vitest';
import { replayStream, type ChatCompletion } from '../../../src/chat/completion.js';
import { isUsageOnlyChunk, SseParser, StreamAssembler } from '../../../src/chat/sse.js';

const enc = new TextEncoder();

type Event = { raw: string; data: string };

/** Feeds `bytes` cut at the given offsets; returns all events and the leftover tail. */
function feed(bytes: Uint8Array, cuts: number[]): { events: Event[]; rest: string } {
  const p = new SseParser();
  const events: Event[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...p.push(bytes.subarray(start, cut)));
    start = cut;
  }
  return { events, rest: p.rest() };
}

const STREAM = [
  ': keep-alive\n\n',
  'data: {"a":"héllo wörld 日本語 😀"}\n\n',
  'event: message\ndata: first line\ndata:second line\nid: 7\n\n',
  'data: {"b":2}\r\n\r\n',
  'data: [DONE]\n\n',
].join('');
const EXPECTED_DATA = ['', '{"a":"héllo wörld 日本語 😀"}', 'first line\nsecond line', '{"b":2}', '[DONE]'];

describe('SseParser', () => {
  it('parses whole input in one push', () => {
    const { events, rest } = feed(enc.encode(STREAM), []);
    expect(events.map((e) => e.data)).toEqual(EXPECTED_DATA);
    expect(events.map((e) => e.raw).join('')).toBe(STREAM);
    expect(rest).toBe('');
  });

  it('gives the same events for every single split point (incl. inside multi-byte chars)', () => {
    const bytes = enc.encode(STREAM);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { events, rest } = feed(bytes, [cut]);
      expect(events.map((e) => e.data), `cut at ${cut}`).toEqual(EXPECTED_DATA);
      expect(events.map((e) => e.raw).join('')).toBe(STREAM);
      expect(rest).toBe('');
    }
  });

  it('byte-at-a-time and pseudo-random chunkings agree', () => {
    const bytes = enc.encode(STREAM);
    const oneByOne = feed(bytes, Array.from({ length: bytes.length }, (_, i) => i));
    expect(oneByOne.events.map((e) => e.data)).toEqual(EXPECTED_DATA);
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 50; round++) {
      const cuts = [...new Set(Array.from({ length: 6 }, () => Math.floor(rand() * bytes.length)))].sort((a, b) => a - b);
      const { events } = feed(bytes, cuts);
      expect(events.map((e) => e.raw).join('')).toBe(STREAM);
      expect(events.map((e) => e.data)).toEqual(EXPECTED_DATA);
    }
  });

  it('splits a 4-byte emoji across pushes without corruption', () => {
    const bytes = enc.encode('data: 😀\n\n');
    const at = 'data: '.length;
    const { events } = feed(bytes, [at + 1, at + 2, at + 3]);
    expect(events).toEqual([{ raw: 'data: 😀\n\n', data: '😀' }]);
  });

  it('handles CRLF line endings, including CRLF split across pushes', () => {
    const text = 'data: one\r\ndata: two\r\n\r\ndata: three\r\n\r\n';
    const bytes = enc.encode(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { events } = feed(bytes, [cut]);
      expect(events.map((e) => e.data)).toEqual(['one\ntwo', 'three']);
      expect(events.map((e) => e.raw).join('')).toBe(text);
    }
  });

  it('comment lines and keep-alives yield data ""', () => {
    const { events } = feed(enc.encode(': ping\n\n:\n\n: comment\ndata: x\n\n'), []);
    expect(events.map((e) => e.data)).toEqual(['', '', 'x']);
  });

  it('strips exactly one space after "data:"', () => {
    const { events } = feed(enc.encode('data:nospace\n\ndata:  two spaces\n\n'), []);
    expect(events.map((e) => e.data)).toEqual(['nospace', ' two spaces']);
  });

  it('rest() returns an unfinished tail, then is empty', () => {
    const p = new SseParser();
    expect(p.push(enc.encode('data: done\n\ndata: partial'))).toEqual([{ raw: 'data: done\n\n', data: 'done' }]);
    expect(p.rest()).toBe('data: partial');
    expect(p.rest()).toBe('');
  });

  it('rest() flushes a trailing incomplete multi-byte sequence', () => {
    const p = new SseParser();
    const bytes = enc.encode('data: é');
    expect(p.push(bytes.subarray(0, bytes.length - 1))).toEqual([]);
    expect(p.rest()).toBe('data: \uFFFD');
  });

  it('an event needs its blank line: a single newline is not enough', () => {
    const p = new SseParser();
    expect(p.push(enc.encode('data: a\n'))).toEqual([]);
    expect(p.push(enc.encode('\n'))).toEqual([{ raw: 'data: a\n\n', data: 'a' }]);
  });
});

describe('isUsageOnlyChunk', () => {
  it.each([
    ['{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}', true],
    ['{"choices":[],"usage":null}', false],
    ['{"choices":[]}', false],
    ['{"choices":[{"index":0,"delta":{}}],"usage":{"total_tokens":3}}', false],
    ['{"usage":{"total_tokens":3}}', false],
    ['[DONE]', false],
    ['', false],
    ['{not json', false],
  ])('%s -> %s', (data, expected) => {
    expect(isUsageOnlyChunk(data)).toBe(expected);
  });
});

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ id: 'chatcmpl-up', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o', system_fingerprint: 'fp_1', choices, ...extra });
const delta = (d: Record<string, unknown>, finish: string | null = null, index = 0): string => chunk([{ index, delta: d, finish_reason: finish }]);
const USAGE = { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 };

function assemble(datas: string[]): StreamAssembler {
  const a = new StreamAssembler();
  for (const d of datas) a.accept(d);
  return a;
}

describe('StreamAssembler', () => {
  it('assembles role, content, finish_reason and usage; done only after [DONE]', () => {
    const a = new StreamAssembler();
    const datas = [
      delta({ role: 'assistant', content: '' }),
      delta({ content: 'Hello' }),
      '',
      delta({ content: ', world' }),
      delta({}, 'stop'),
      chunk([], { usage: USAGE }),
    ];
    for (const d of datas) {
      a.accept(d);
      expect(a.done).toBe(false);
    }
    a.accept('[DONE]');
    expect(a.done).toBe(true);
    expect(a.completion()).toEqual({
      id: 'chatcmpl-up',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o',
      system_fingerprint: 'fp_1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello, world', refusal: null }, finish_reason: 'stop' }],
      usage: USAGE,
    });
  });

  it('without a usage chunk usage is null and finish_reason may be missing', () => {
    const c = assemble([delta({ role: 'assistant', content: 'partial' })]).completion()!;
    expect(c.usage).toBeNull();
    expect(c.choices[0]!.finish_reason).toBeNull();
  });

  it('accumulates refusal pieces', () => {
    const c = assemble([delta({ role: 'assistant', refusal: 'I can' }), delta({ refusal: 'not.' }), delta({}, 'stop')]).completion()!;
    expect(c.choices[0]!.message.refusal).toBe('I cannot.');
  });

  it('tool_calls: arguments streamed in pieces, several calls by index', () => {
    const a = assemble([
      delta({ role: 'assistant', content: null }),
      delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
      delta({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz"' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Par' } }] }),
      delta({ tool_calls: [{ index: 1, function: { arguments: ':"CET"}' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: 'is"}' } }] }),
      delta({}, 'tool_calls'),
      '[DONE]',
    ]);
    const c = a.completion()!;
    expect(c.choices[0]!.finish_reason).toBe('tool_calls');
    expect(c.choices[0]!.message.content).toBeNull();
    expect(c.choices[0]!.message.tool_calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
    ]);
  });

  it('tool calls arriving out of index order are sorted; content kept when present', () => {
    const c = assemble([
      delta({ role: 'assistant', content: 'Checking.' }),
      delta({ tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } }] }),
      delta({ tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }] }),
      delta({}, 'tool_calls'),
    ]).completion()!;
    expect(c.choices[0]!.message.content).toBe('Checking.');
    expect((c.choices[0]!.message.tool_calls as Array<{ id: string }>).map((t) => t.id)).toEqual(['a', 'b']);
  });

  it('completion() is null when the stream carried several choice indexes', () => {
    const a = assemble([delta({ role: 'assistant', content: 'A' }, null, 0), delta({ role: 'assistant', content: 'B' }, null, 1), '[DONE]']);
    expect(a.completion()).toBeNull();
  });

  it('a usage-only chunk (choices: []) does not count as a choice', () => {
    expect(assemble([delta({ content: 'x' }, 'stop'), chunk([], { usage: USAGE })]).completion()).not.toBeNull();
  });

  it('malformed JSON throws', () => {
    const a = new StreamAssembler();
    expect(() => a.accept('{"choices": [')).toThrow(SyntaxError);
    expect(() => a.accept('not json')).toThrow();
  });

  it('round-trips a replayed stream back to the cached answer', () => {
    const cached: ChatCompletion = {
      id: 'x',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o',
      system_fingerprint: 'fp_9',
      choices: [{ index: 0, message: { role: 'assistant', content: 'A reasonably long answer, split into several pieces by the replay.' }, finish_reason: 'stop' }],
      usage: USAGE,
    };
    const parser = new SseParser();
    const a = new StreamAssembler();
    for (const e of parser.push(enc.encode(replayStream(cached, Date.UTC(2026, 0, 1), true)))) a.accept(e.data);
    expect(a.done).toBe(true);
    const c = a.completion()!;
    expect(c.choices[0]!.message.content).toBe(cached.choices[0]!.message.content);
    expect(c.choices[0]!.finish_reason).toBe('stop');
    expect(c.usage).toEqual(USAGE);
    expect(c.system_fingerprint).toBe('fp_9');
  });
});
