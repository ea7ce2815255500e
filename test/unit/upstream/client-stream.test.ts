import { text } from 'node:stream/consumers';
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, chatCall, textOf } from './harness.js';
import { json, providerConfig } from './scripted-server.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.cleanup();
});

describe('createUpstream: stream mode', () => {
  it('resolves on 2xx headers and hands over the unread body', async () => {
    let held: ServerResponse | undefined;
    const a = await h.server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n');
      held = res; // the rest only comes once the test has the response in hand
    });
    const res = await h.upstream([providerConfig('a', a.url)]).send(chatCall({ buffered: false }));
    expect(res.kind).toBe('stream');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    if (res.kind !== 'stream') throw new Error('unreachable');
    expect(held).toBeDefined();
    held?.end('data: [DONE]\n\n');
    expect(await text(res.body)).toBe('data: {"n":1}\n\ndata: [DONE]\n\n');
  });

  it('retries before the headers, like buffered mode', async () => {
    const a = await h.server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: [DONE]\n\n');
    });
    a.script(json(503, { error: 'busy' }));
    const res = await h.upstream([providerConfig('a', a.url)]).send(chatCall({ buffered: false }));
    expect(res.kind).toBe('stream');
    expect(res.attempts).toBe(2);
    if (res.kind === 'stream') expect(await text(res.body)).toBe('data: [DONE]\n\n');
  });

  it('returns a non-2xx answer read into text', async () => {
    const a = await h.server(json(401, { error: 'no key' }));
    const res = await h.upstream([providerConfig('a', a.url)]).send(chatCall({ buffered: false }));
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(textOf(res))).toEqual({ error: 'no key' });
  });

  it('aborting the client signal after hand-over ends the body stream', async () => {
    const controller = new AbortController();
    const a = await h.server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n');
    });
    const res = await h.upstream([providerConfig('a', a.url)]).send(chatCall({ buffered: false, signal: controller.signal }));
    if (res.kind !== 'stream') throw new Error('expected a stream');
    const reading = text(res.body);
    controller.abort(new Error('client left'));
    await expect(reading).rejects.toThrow('client left');
  });
});
