import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportEntries } from '../../src/cli/cache-export.js';
import { importFile, importLines, readLines, summary } from '../../src/cli/cache-import.js';
import { Progress } from '../../src/cli/cache-progress.js';
import { requestKey, type KeyInput } from '../../src/core/request-key.js';
import type { RequestKey, StoredEntry } from '../../src/core/types.js';
import { openService, type Service } from '../../src/service.js';
import { realEmbedder, tempDir, testConfig } from '../helpers.js';

const verbs = ['sort', 'reverse', 'parse', 'serialize', 'cache', 'validate', 'merge', 'split', 'compress', 'encrypt'];
const nouns = ['list', 'string', 'JSON document', 'date', 'dictionary', 'CSV file', 'HTTP response', 'image', 'tree', 'matrix'];
const langs = ['Python', 'JavaScript', 'Go', 'Rust', 'Java', 'C#', 'Ruby', 'Kotlin', 'Swift', 'PHP'];

const question = (i: number): string => `How do I ${verbs[i % 10]} a ${nouns[Math.floor(i / 10) % 10]} in ${langs[Math.floor(i / 100) % 10]}? (case ${i})`;

/** Line i (0-based) of a generated import file: a prompt line, every 10th a chat conversation. */
function goodLine(i: number): string {
  if (i % 10 === 9) {
    return JSON.stringify({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: question(i) }], response: { answer: i }, namespace: 'chat', model: 'gpt-4o-mini' });
  }
  return JSON.stringify({ prompt: question(i), response: `answer ${i}`, namespace: i % 2 === 0 ? 'even' : 'odd', ttl_seconds: 86_400, metadata: { i } });
}

/** Collects what is written, like stdout redirected to a file. */
class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

async function open(dir: string): Promise<Service> {
  return openService(testConfig(dir), { embedder: await realEmbedder() });
}

describe('cache import / export (real model)', () => {
  const dirs: Array<{ dir: string; cleanup: () => void }> = [];
  const services: Service[] = [];
  const newDir = (): string => {
    const d = tempDir('dejavu-ie-');
    dirs.push(d);
    return d.dir;
  };
  const openIn = async (dir: string): Promise<Service> => {
    const s = await open(dir);
    services.push(s);
    return s;
  };
  beforeEach(() => {
    dirs.length = 0;
    services.length = 0;
  });
  afterEach(async () => {
    for (const s of services) await s.close();
    for (const d of dirs) d.cleanup();
  });

  it('imports 9,997 of 10,000 lines and names the 3 bad ones with their reasons', async () => {
    const dir = newDir();
    const lines = Array.from({ length: 10_000 }, (_, i) => goodLine(i));
    lines[16] = '{"prompt": "How do I sort a list?", "response": '; // line 17: broken JSON
    lines[4_999] = JSON.stringify({ response: 'an answer to nothing', namespace: 'even' }); // line 5000: no prompt
    lines[9_999] = JSON.stringify({ prompt: 'What is six times seven?', response: 42 }); // line 10000: response a number
    const file = join(dir, 'import.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const service = await openIn(join(dir, 'data'));
    const config = testConfig(join(dir, 'data'));
    const reported: string[] = [];
    const report = await importFile(service, file, config, { onBad: (b) => reported.push(`line ${b.line}: ${b.reason}`) });
    console.log(`[import-export] 10,000-line import: ${summary(report)}`);

    expect(report).toMatchObject({ lines: 10_000, imported: 9_997, badCount: 3, expired: 0, replaced: 0, interrupted: false });
    expect(report.bad.map((b) => b.line)).toEqual([17, 5000, 10000]);
    expect(reported[0]).toMatch(/^line 17: invalid JSON/);
    expect(reported[1]).toBe('line 5000: prompt: exactly one of prompt or messages is required');
    expect(reported[2]).toBe('line 10000: response: response must be a non-empty string or a JSON object');
    expect(summary(report)).toMatch(/^imported 9,997, skipped 3 \(bad lines: 17, 5000, 10000\) in /);
    expect(service.store.count()).toBe(9_997);
    expect(service.index.stats().size).toBe(9_997);

    // A prompt line and a chat line, found exactly and semantically.
    const prompt = await service.cache.lookup(requestKey({ namespace: 'odd', prompt: question(1233) }), { threshold: 0.9 });
    expect(prompt).toMatchObject({ status: 'hit', entry: { response: 'answer 1233', metadata: { i: 1233 } } });
    const chat = await service.cache.lookup(
      requestKey({ namespace: 'chat', model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: question(2909).toLowerCase() }] }),
      { threshold: 0.9 },
    );
    expect(chat).toMatchObject({ status: 'semantic-hit', entry: { response: { answer: 2909 } } });
  }, 900_000);

  it('export then import into an empty data dir reproduces every entry, found exactly and semantically', async () => {
    const src = await openIn(newDir());
    const longPrompt = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' '); // exceeds the model window
    const stores: Array<{ key: KeyInput; response: string | Record<string, unknown>; ttl: number; metadata: Record<string, unknown> | null; paraphrase?: KeyInput }> = [
      {
        key: { namespace: 'default', prompt: 'What is the capital of France?' },
        response: 'Paris.',
        ttl: 0,
        metadata: { source: 'faq', tags: ['geo'] },
        paraphrase: { namespace: 'default', prompt: "What's the capital city of France?" },
      },
      {
        key: { namespace: 'code', model: 'gpt-4o-mini', prompt: 'How do I reverse a list in Python?' },
        response: 'Use reversed(xs) or xs.reverse().',
        ttl: 3600,
        metadata: null,
        paraphrase: { namespace: 'code', model: 'gpt-4o-mini', prompt: "What's the way to reverse a Python list?" },
      },
      {
        key: {
          namespace: 'chat',
          model: 'gpt-4o',
          messages: [
            { role: 'system', content: 'You are a terse assistant.' },
            { role: 'user', content: 'How do I reverse a list in Python?' },
          ],
          params: { temperature: 0.2 },
        },
        response: { id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'xs[::-1]' }, finish_reason: 'stop' }] },
        ttl: 7200,
        metadata: { user: 'u1' },
        paraphrase: {
          namespace: 'chat',
          model: 'gpt-4o',
          messages: [
            { role: 'system', content: 'You are a terse assistant.' },
            { role: 'user', content: "What's the way to reverse a Python list?" },
          ],
          params: { temperature: 0.2 },
        },
      },
      { key: { namespace: 'chat', model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello there!' }] }, response: 'Hi!', ttl: 0, metadata: null },
      { key: { namespace: 'code', prompt: longPrompt }, response: 'a long one', ttl: 0, metadata: { long: true } },
    ];
    for (const s of stores) await src.cache.store(requestKey(s.key), { response: s.response, ttlSeconds: s.ttl, metadata: s.metadata });
    // A hit, so hit_count and last_hit_at must travel too.
    expect((await src.cache.lookup(requestKey(stores[0]!.key), { threshold: 0.9 })).status).toBe('hit');
    const before = [...src.store.iterateEntries()];
    expect(before).toHaveLength(5);

    const out = new Sink();
    const exported = await exportEntries(src.store, out);
    expect(exported).toMatchObject({ exported: 5, expired: 0 });
    const lines = out.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(5);
    expect(Object.keys(lines[0]!)).toEqual(['namespace', 'model', 'prompt', 'response', 'metadata', 'partition_key', 'created_at', 'expires_at', 'hit_count', 'last_hit_at']);

    const dstDir = newDir();
    const dst = await openIn(dstDir);
    const report = await importLines(dst, readLines([out.text]), { rules: { maxPromptChars: 32_768, defaultTtlSeconds: 0 } });
    expect(report).toMatchObject({ imported: 5, badCount: 0, expired: 0 });

    const comparable = (e: StoredEntry) => {
      const { id: _id, label: _label, seq: _seq, ...rest } = e;
      return rest;
    };
    const after = [...dst.store.iterateEntries()];
    expect(after.map(comparable)).toEqual(before.map(comparable));
    expect(after.find((e) => e.prompt === longPrompt)).toBeDefined();

    // Index saved by close() and loaded again without a rebuild; then every lookup still works.
    await dst.close();
    const reopened = await openIn(dstDir);
    expect(reopened.indexLoad.rebuiltShards).toBe(0);
    for (const s of stores) {
      const key: RequestKey = requestKey(s.key);
      const exact = await reopened.cache.lookup(key, { threshold: 0.9 });
      expect(exact.status, s.key.prompt ?? JSON.stringify(s.key.messages)).toBe('hit');
      expect(exact.entry).toMatchObject({ namespace: s.key.namespace, model: s.key.model ?? null, response: s.response, metadata: s.metadata });
      if (s.paraphrase !== undefined) {
        const near = await reopened.cache.lookup(requestKey(s.paraphrase), { threshold: 0.8 });
        expect(near.status).toBe('semantic-hit');
        expect(near.entry?.id).toBe(exact.entry?.id);
      }
    }
    // The partition travelled: the same question under another system prompt stays a miss.
    const other = await reopened.cache.lookup(
      requestKey({ ...stores[2]!.key, messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'How do I reverse a list in Python?' }] }),
      { threshold: 0.8 },
    );
    expect(other.status).toBe('miss');
  }, 120_000);

  it('export --namespace writes only that namespace; expired entries are left out of exports and imports', async () => {
    const service = await openIn(newDir());
    await service.cache.store(requestKey({ namespace: 'a', prompt: 'first question' }), { response: 'one', ttlSeconds: 0, metadata: null });
    await service.cache.store(requestKey({ namespace: 'b', prompt: 'second question' }), { response: 'two', ttlSeconds: 0, metadata: null });
    await service.cache.store(requestKey({ namespace: 'b', prompt: 'third question' }), { response: 'three', ttlSeconds: 60, metadata: null });
    const out = new Sink();
    const r = await exportEntries(service.store, out, { namespace: 'b' });
    expect(r).toMatchObject({ exported: 2, expired: 0 });
    expect(out.text.trimEnd().split('\n').map((l) => (JSON.parse(l) as { prompt: string; namespace: string }).prompt)).toEqual(['second question', 'third question']);

    const later = Date.now() + 120_000; // the TTL of "third question" has passed
    const out2 = new Sink();
    expect(await exportEntries(service.store, out2, { namespace: 'b', now: later })).toMatchObject({ exported: 1, expired: 1 });
    const report = await importLines(service, readLines([out.text]), { rules: { maxPromptChars: 100, defaultTtlSeconds: 0 }, now: () => later });
    expect(report).toMatchObject({ imported: 1, replaced: 1, expired: 1, badCount: 0 });
  });

  it('reports every kind of bad line and keeps going; skips blank lines and an npm run banner', async () => {
    const service = await openIn(newDir());
    const text = [
      '',
      '> dejavu@0.1.0 cache',
      '> tsx src/cli/cache.ts export',
      '',
      '{"prompt": "good one", "response": "ok"}',
      '[1, 2]',
      '{"prompt": "p", "messages": [{"role": "user", "content": "m"}], "response": "r"}',
      '{"prompt": "", "response": "r"}',
      '{"prompt": "p", "response": ""}',
      '{"prompt": "this prompt is too long for the limit", "response": "r"}',
      '{"messages": [{"role": "system", "content": "no user"}], "response": "r"}',
      '{"prompt": "p", "response": "r", "ttl_seconds": -1}',
      '{"prompt": "p", "response": "r", "ttl": 5}',
      '{"prompt": "p", "response": "r", "expires_at": "tomorrow"}',
      '{"prompt": "p", "response": "r", "ttl_seconds": 5, "expires_at": null}',
      '{"prompt": "p", "response": "r", "partition_key": "abc"}',
      '{"prompt": "   ", "response": "r"}',
      '> not a banner any more',
      '{"messages": [{"role": "user", "content": "good two"}], "response": {"x": 1}, "metadata": {"k": "v"}}',
    ].join('\r\n');
    const report = await importLines(service, readLines([Buffer.from(text)]), { rules: { maxPromptChars: 20, defaultTtlSeconds: 0 } });
    expect(report.imported).toBe(2);
    expect(report.banner).toBe(2);
    expect(report.bad).toEqual([
      { line: 6, reason: 'not a JSON object' },
      { line: 7, reason: 'prompt: exactly one of prompt or messages is required' },
      { line: 8, reason: 'prompt: prompt must not be empty' },
      { line: 9, reason: 'response: response must not be empty' },
      { line: 10, reason: 'prompt: prompt is longer than 20 characters' },
      { line: 11, reason: 'messages must contain a user message' },
      { line: 12, reason: 'ttl_seconds: Too small: expected number to be >=0' },
      { line: 13, reason: 'Unrecognized key: "ttl"' },
      { line: 14, reason: 'expires_at: must be an ISO 8601 date-time, e.g. 2026-01-01T00:00:00.000Z' },
      { line: 15, reason: 'ttl_seconds: give ttl_seconds or expires_at, not both' },
      { line: 16, reason: 'partition_key: partition_key must be 64 lowercase hex digits' },
      { line: 17, reason: 'prompt must contain non-whitespace text' },
      { line: 18, reason: expect.stringMatching(/^invalid JSON/) as unknown as string },
    ]);
    const two = service.store.findExact('default', requestKey({ namespace: 'default', prompt: 'good two' }).partitionKey, requestKey({ namespace: 'default', prompt: 'good two' }).promptHash);
    expect(two).toMatchObject({ response: { x: 1 }, metadata: { k: 'v' }, expiresAt: null, hitCount: 0 });
  });

  it('retries embeddings an embedder refuses as overloaded instead of reporting good lines as bad', async () => {
    const real = await realEmbedder();
    let active = 0;
    let refused = 0;
    // Like a worker pool with one worker and no queue: a second concurrent job is refused.
    const oneAtATime = {
      modelId: real.modelId,
      dims: real.dims,
      fits: (t: string) => real.fits(t),
      async embed(text: string): Promise<Float32Array> {
        if (active >= 1) {
          refused += 1;
          throw Object.assign(new Error('the service is overloaded: retry shortly'), { code: 'overloaded' });
        }
        active += 1;
        try {
          return await real.embed(text);
        } finally {
          active -= 1;
        }
      },
    };
    const dir = newDir();
    const service = await openService(testConfig(dir), { embedder: oneAtATime });
    services.push(service);
    const text = Array.from({ length: 40 }, (_, i) => goodLine(i)).join('\n');
    const report = await importLines(service, readLines([text]), { rules: { maxPromptChars: 1000, defaultTtlSeconds: 0 }, inFlight: 4 });
    expect(refused).toBeGreaterThan(0);
    expect(report).toMatchObject({ imported: 40, badCount: 0 });
    expect(service.store.count()).toBe(40);
  });

  it('splits lines across chunk boundaries, strips \\r and a BOM, and reports over-long lines without keeping them', async () => {
    const chunks = ['\uFEFF{"a":', '1}\r\n{"b"', ':2}\nxxxxxxxxxx', 'xxxxxxxxxx\nlast'];
    const got: Array<{ text: string; tooLong: boolean }> = [];
    for await (const l of readLines(chunks, 12)) got.push(l);
    expect(got).toEqual([
      { text: '{"a":1}', tooLong: false },
      { text: '{"b":2}', tooLong: false },
      { text: '', tooLong: true },
      { text: 'last', tooLong: false },
    ]);
  });

  it('progress: one redrawn line with rate and ETA on a terminal, throttled plain lines in a log', () => {
    let t = 0;
    const tty = { out: '', isTTY: true, write(x: string) { this.out += x; } };
    const p = new Progress({ label: 'import', total: 1000, unit: 'lines', sink: tty, now: () => t });
    p.update(0);
    t = 100;
    p.update(20); // throttled
    t = 2000;
    p.update(400, '1 bad');
    p.message('line 7: invalid JSON');
    t = 2050;
    p.update(410, '1 bad'); // redrawn at once after a message
    t = 5000;
    p.finish(1000, '1 bad');
    expect(tty.out).toBe(
      '\r\x1b[Kimport: 0/1,000 lines (0%), 0/s, ETA ?' +
        '\r\x1b[Kimport: 400/1,000 lines (40%), 200/s, ETA 3s, 1 bad' +
        '\r\x1b[Kline 7: invalid JSON\n' +
        '\r\x1b[Kimport: 410/1,000 lines (41%), 200/s, ETA 3s, 1 bad' +
        '\r\x1b[Kimport: 1,000/1,000 lines (100%), 200/s, 5s elapsed, 1 bad\n',
    );

    t = 0;
    const log = { out: '', write(x: string) { this.out += x; } };
    const q = new Progress({ label: 'export', total: null, unit: 'entries', sink: log, now: () => t });
    q.update(10);
    t = 1000;
    q.update(100);
    t = 2500;
    q.update(5000);
    t = 3000;
    q.update(6000);
    q.finish(6000);
    expect(log.out).toBe('export: 5,000 entries, 2,000/s, 3s elapsed\nexport: 6,000 entries, 2,000/s, 3s elapsed\n');
    const quiet = { out: '', write(x: string) { this.out += x; } };
    new Progress({ label: 'x', total: 5, unit: 'lines', sink: quiet, now: () => 0 }).finish(5);
    expect(quiet.out).toBe(''); // a short job in a log: the summary says it all
  });
});
