/** A real node:http server on 127.0.0.1 (random port) whose answers each test scripts in order. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderConfig } from '../../../src/config.js';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface ScriptedServer {
  /** 'http://127.0.0.1:PORT/v1' */
  url: string;
  requests: RecordedRequest[];
  /** Queues handlers for the next requests; once used up, the default handler answers. */
  script(...handlers: Handler[]): void;
  setDefault(handler: Handler): void;
  close(): Promise<void>;
}

export const json =
  (status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): Handler =>
  (_req, res) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

/** Never answers (the test's timeout must fire). */
export const hang: Handler = () => {};

/** 200 headers and half a JSON body (chunked), then the socket dies. */
export const halfBodyThenDestroy: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"choices":[{"message":{"content":"hal', () => {
    setTimeout(() => res.socket?.destroy(), 10);
  });
};

export async function startServer(defaultHandler: Handler = json(200, { ok: true })): Promise<ScriptedServer> {
  const queue: Handler[] = [];
  const requests: RecordedRequest[] = [];
  let fallback = defaultHandler;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      (queue.shift() ?? fallback)(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...handlers) => queue.push(...handlers),
    setDefault: (handler) => {
      fallback = handler;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port just freed): connections are refused. */
export async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

/** A provider with the schema defaults, overridable. */
export function providerConfig(name: string, baseUrl: string, over: Partial<ProviderConfig> = {}): ProviderConfig {
  return { name, base_url: baseUrl, timeout_ms: 5_000, connect_timeout_ms: 2_000, max_concurrency: 4, ...over };
}
