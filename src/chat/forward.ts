import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { copyResponseHeaders, forwardRequestHeaders } from '../upstream/headers.js';
import type { Upstream, UpstreamResponse } from '../upstream/types.js';
import { isChatCompletion, type ChatCompletion } from './completion.js';
import { estimateTokens, type ChatBody } from './request.js';
import { isUsageOnlyChunk, SseParser, StreamAssembler } from './sse.js';

/** What came back from upstream, for storing and accounting after the client has its answer. */
export interface Forwarded {
  provider: string;
  /** The complete answer (streams: only when it reached [DONE]); null for errors or broken streams. */
  completion: ChatCompletion | null;
}

/** Request headers never sent upstream: cache directives are for dejavu, and the body must come
 * back uncompressed so it can be parsed and stored. */
const DROP_REQUEST = ['cache-control', 'accept-encoding', 'content-type'];
const DROP_RESPONSE = ['content-encoding'];

function abortOnClientGone(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ac.abort();
  });
  request.raw.once('aborted', () => ac.abort());
  return ac.signal;
}

/** Streams are asked for their usage chunk (when `askUsage`) so spend and savings are real numbers;
 * the chunk is hidden again from clients that did not ask for it. True when it must be hidden. */
export function withStreamUsage(body: ChatBody, askUsage: boolean): { body: ChatBody; hideUsage: boolean } {
  if (body.stream !== true || !askUsage || body.stream_options?.include_usage === true) return { body, hideUsage: false };
  return { body: { ...body, stream_options: { ...(body.stream_options ?? {}), include_usage: true } }, hideUsage: true };
}

export async function sendUpstream(upstream: Upstream, request: FastifyRequest, reply: FastifyReply, body: ChatBody, stream: boolean): Promise<UpstreamResponse> {
  return upstream.send({
    method: 'POST',
    path: '/chat/completions',
    headers: { ...forwardRequestHeaders(request.headers, DROP_REQUEST), 'content-type': 'application/json', 'accept-encoding': 'identity' },
    body: JSON.stringify(body),
    model: body.model,
    estimatedTokens: estimateTokens(body),
    buffered: !stream,
    signal: abortOnClientGone(request, reply),
  });
}

function parseCompletion(text: string): ChatCompletion | null {
  try {
    const v: unknown = JSON.parse(text);
    return isChatCompletion(v) ? v : null;
  } catch {
    return null;
  }
}

/** Called with the complete answer before the client sees its end, so that an answer the client
 * has fully received is already stored (read-your-writes). Must not throw. */
export type BeforeEnd = (completion: ChatCompletion) => Promise<void>;

/** Sends a buffered upstream answer to the client unchanged, after `beforeEnd`. */
export async function relayBuffered(res: UpstreamResponse & { kind: 'buffered' }, reply: FastifyReply, beforeEnd: BeforeEnd): Promise<Forwarded> {
  const ok = res.statusCode >= 200 && res.statusCode < 300;
  const completion = ok ? parseCompletion(res.text) : null;
  res.settle(completion?.usage?.total_tokens);
  if (completion !== null) await beforeEnd(completion);
  copyResponseHeaders(res.headers, reply, DROP_RESPONSE);
  void reply.code(res.statusCode).send(res.text);
  return { provider: res.provider, completion };
}

/** Forwards upstream SSE bytes as they arrive (no buffering) while assembling the answer. The
 * chunk carrying `data: [DONE]` waits for `beforeEnd`; a stream that breaks before [DONE] yields
 * no completion (and the client sees the break). */
export async function relayStream(res: UpstreamResponse & { kind: 'stream' }, reply: FastifyReply, beforeEnd: BeforeEnd, hideUsage: boolean): Promise<Forwarded> {
  copyResponseHeaders(res.headers, reply, DROP_RESPONSE);
  void reply.code(res.statusCode);
  const ok = res.statusCode >= 200 && res.statusCode < 300;
  const parser = new SseParser();
  const assembler = new StreamAssembler();
  let malformed = false;
  let completion: ChatCompletion | null = null;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (!ok) return done(null, chunk); // error bodies pass through untouched
      const wasDone = assembler.done;
      let out = '';
      for (const event of parser.push(chunk)) {
        try {
          assembler.accept(event.data);
        } catch {
          malformed = true;
        }
        if (!(hideUsage && isUsageOnlyChunk(event.data))) out += event.raw;
      }
      if (wasDone || !assembler.done || malformed) return done(null, out);
      completion = assembler.completion();
      if (completion === null) return done(null, out);
      res.settle(completion.usage?.total_tokens);
      void beforeEnd(completion).finally(() => done(null, out));
    },
    flush(done) {
      done(null, parser.rest());
    },
  });
  void reply.send(tap);
  try {
    await pipeline(res.body, tap);
  } catch {
    res.settle(undefined);
    return { provider: res.provider, completion: null };
  }
  if (completion === null) res.settle(undefined);
  return { provider: res.provider, completion };
}
