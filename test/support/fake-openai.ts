/**
 * A real, scriptable fake of the OpenAI HTTP API (node:http on 127.0.0.1, random port) for integration tests.
 *
 * - POST /v1/chat/completions answers per the queued Behavior ('ok' when the queue is empty), stream or not.
 * - GET /v1/models lists the configured model; any other path is a 404 with an OpenAI-style error body.
 * - Every request is recorded in `calls` (body parsed as JSON, or undefined).
 *
 * Default 'ok' content is `Answer #<n> to: <last user message text>`, where n counts chat answers that produced
 * content ('ok' and 'drop-mid-stream'), starting at 1, per server.
 * A streamed "content chunk" is one per-word delta chunk (the initial role chunk and the finish/usage chunks are
 * not content chunks: they are neither gated nor counted in `chunksWritten`). Streamed tool calls are sent as one
 * delta chunk per tool call and count as content chunks.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface FakeCall {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when empty / not JSON. */
  body: any;
}

export type Behavior =
  | { kind: 'ok'; content?: string; finishReason?: string; toolCalls?: unknown[]; usage?: { prompt_tokens: number; completion_tokens: number } }
  | { kind: 'status'; status: number; retryAfter?: string; body?: unknown }
  | { kind: 'hang' }
  | { kind: 'drop-mid-stream'; afterChunks: number }
  | { kind: 'drop-connection' };

export interface FakeOpenAI {
  /** 'http://127.0.0.1:PORT/v1' */
  url: string;
  calls: FakeCall[];
  chatCalls(): FakeCall[];
  enqueue(...b: Behavior[]): void;
  gateStream(on: boolean): void;
  release(n?: number): void;
  readonly chunksWritten: number;
  /** Responses not yet closed (an answer in progress, a hang): 0 once every caller got or dropped its answer. */
  readonly openResponses: number;
  waitForCalls(n: number): Promise<void>;
  close(): Promise<void>;
}

const CHAT_PATH = '/v1/chat/completions';

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Text of a message's content: a string, or the text parts of a content-part array. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : ''))
      .filter(Boolean)
      .join(' ');
  }
  return '';
}

/** Word pieces (each with its leading whitespace) that concatenate exactly to `content`. */
function pieces(content: string): string[] {
  const out: string[] = [...(content.match(/\s*\S+/g) ?? [])];
  const rest = content.slice(out.join('').length);
  if (rest) out.push(rest);
  return out;
}

function errorBody(status: number, message: string): unknown {
  const type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  const code = status === 429 ? 'rate_limit_exceeded' : status === 404 ? 'not_found' : status >= 500 ? 'server_error' : null;
  return { error: { message, type, param: null, code } };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, extra: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-request-id': `req_${randomUUID()}`, ...extra });
  res.end(text);
}

/** Writes and resolves once the data is handed to the socket (so nothing sits in a userland buffer). */
function writeNow(res: http.ServerResponse, data: string): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve();
    res.write(data, () => resolve());
  });
}

export interface FakeOptions {
  model?: string;
  /** Content of 'ok' answers without their own `content` (default `Answer #<n> to: <last user text>`). */
  contentOf?: (body: any, n: number) => string;
}

export async function startFakeOpenAI(opts: FakeOptions = {}): Promise<FakeOpenAI> {
  const defaultModel = opts.model ?? 'fake-model';
  const calls: FakeCall[] = [];
  const queue: Behavior[] = [];
  const callWaiters: { n: number; resolve: () => void }[] = [];
  const open = new Set<http.ServerResponse>();
  let answers = 0;
  let chunksWritten = 0;
  let gated = false;
  let permits = 0;
  let closed = false;
  const gateWaiters: (() => void)[] = [];

  /** Resolves when the gate lets one more content chunk through (immediately when not gated). */
  function passGate(res: http.ServerResponse): Promise<void> {
    if (!gated || closed) return Promise.resolve();
    if (permits > 0) {
      permits -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const waiter = (): void => {
        res.off('close', onClose);
        resolve();
      };
      // A client that goes away must not swallow a later release().
      const onClose = (): void => {
        const i = gateWaiters.indexOf(waiter);
        if (i >= 0) gateWaiters.splice(i, 1);
        resolve();
      };
      res.once('close', onClose);
      gateWaiters.push(waiter);
    });
  }

  function release(n = 1): void {
    for (let i = 0; i < n; i++) {
      const w = gateWaiters.shift();
      if (w) w();
      else permits += 1;
    }
  }

  function record(call: FakeCall): void {
    calls.push(call);
    for (let i = callWaiters.length - 1; i >= 0; i--) {
      const w = callWaiters[i]!;
      if (calls.length >= w.n) {
        callWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  async function answerChat(req: http.IncomingMessage, res: http.ServerResponse, body: any, behavior: Behavior): Promise<void> {
    if (behavior.kind === 'drop-connection') {
      req.socket.destroy();
      return;
    }
    if (behavior.kind === 'hang') return; // kept in `open`; close() destroys it
    if (behavior.kind === 'status') {
      const extra: http.OutgoingHttpHeaders = behavior.retryAfter !== undefined ? { 'retry-after': behavior.retryAfter } : {};
      sendJson(res, behavior.status, behavior.body ?? errorBody(behavior.status, `Fake upstream error (status ${behavior.status})`), extra);
      return;
    }

    const ok = behavior.kind === 'ok' ? behavior : undefined;
    const dropAfter = behavior.kind === 'drop-mid-stream' ? behavior.afterChunks : undefined;
    const messages: any[] = Array.isArray(body.messages) ? body.messages : [];
    const lastUser = [...messages].reverse().find((m) => m && m.role === 'user');
    answers += 1;
    const toolCalls = ok?.toolCalls;
    const content = toolCalls ? null : (ok?.content ?? opts.contentOf?.(body, answers) ?? `Answer #${answers} to: ${textOf(lastUser?.content)}`);
    const finishReason = ok?.finishReason ?? (toolCalls ? 'tool_calls' : 'stop');
    const prompt_tokens = ok?.usage?.prompt_tokens ?? messages.reduce((s: number, m) => s + words(textOf(m?.content)), 0);
    const completion_tokens = ok?.usage?.completion_tokens ?? words(content ?? '');
    const usage = { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
    const id = `chatcmpl-fake${answers}${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const created = Math.floor(Date.now() / 1000);
    const model = typeof body.model === 'string' ? body.model : defaultModel;

    if (body.stream !== true) {
      const message = toolCalls ? { role: 'assistant', content: null, tool_calls: toolCalls, refusal: null } : { role: 'assistant', content, refusal: null };
      const full = { id, object: 'chat.completion', created, model, choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }], usage, system_fingerprint: 'fp_fake' };
      if (dropAfter === undefined) return sendJson(res, 200, full);
      const text = JSON.stringify(full);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      await writeNow(res, text.slice(0, Math.floor(text.length / 2)));
      req.socket.destroy();
      return;
    }

    const chunk = (delta: unknown, finish: string | null): string =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-request-id': `req_${randomUUID()}` });
    res.flushHeaders();
    await writeNow(res, chunk({ role: 'assistant', content: toolCalls ? null : '', refusal: null }, null));

    const deltas = toolCalls ? toolCalls.map((tc, index) => ({ tool_calls: [{ index, ...(tc as object) }] })) : pieces(content ?? '').map((p) => ({ content: p }));
    let sent = 0;
    for (const delta of deltas) {
      if (dropAfter !== undefined && sent >= dropAfter) break;
      await passGate(res);
      if (res.destroyed || closed) return;
      await writeNow(res, chunk(delta, null));
      chunksWritten += 1;
      sent += 1;
    }
    if (dropAfter !== undefined) {
      req.socket.destroy();
      return;
    }
    await writeNow(res, chunk({}, finishReason));
    if (body.stream_options?.include_usage === true) {
      await writeNow(res, `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake', choices: [], usage })}\n\n`);
    }
    await writeNow(res, 'data: [DONE]\n\n');
    res.end();
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const raw = Buffer.concat(parts).toString('utf8');
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    record({ method, path, headers: req.headers, body });

    if (method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, { object: 'list', data: [{ id: defaultModel, object: 'model', created: 1_700_000_000, owned_by: 'fake' }] });
    }
    if (method === 'POST' && path === CHAT_PATH) {
      if (!body || typeof body !== 'object' || Array.isArray(body)) return sendJson(res, 400, errorBody(400, 'Request body must be a JSON object'));
      return answerChat(req, res, body, queue.shift() ?? { kind: 'ok' });
    }
    sendJson(res, 404, errorBody(404, `Unknown request URL: ${method} ${path}`));
  }

  const server = http.createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(500, `fake-openai crashed: ${String(err)}`));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    chatCalls: () => calls.filter((c) => c.method === 'POST' && c.path === CHAT_PATH),
    enqueue: (...b: Behavior[]) => void queue.push(...b),
    gateStream(on: boolean): void {
      gated = on;
      permits = 0;
      if (!on) release(gateWaiters.length);
    },
    release,
    get chunksWritten() {
      return chunksWritten;
    },
    get openResponses() {
      return open.size;
    },
    waitForCalls(n: number): Promise<void> {
      if (calls.length >= n) return Promise.resolve();
      return new Promise((resolve) => callWaiters.push({ n, resolve }));
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      release(gateWaiters.length);
      for (const res of open) res.destroy();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}
