// One timed chat request (plain or streamed) to a chat benchmark target; latencies are
// client-side, in ms.
import { CHAT_MODEL, type FakeServer, type Target } from './bench-chat-setup.js';

/** One request's outcome: its X-Cache-Status (or what went wrong) and its timings in ms. */
export interface Obs {
  status: string;
  ms: number;
  ttfbMs?: number;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

export function chatBody(prompt: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: CHAT_MODEL, messages: [{ role: 'user', content: prompt }], ...extra });
}

function statusOf(t: Target, httpStatus: number, header: string | string[] | undefined): string {
  if (httpStatus !== 200) return `http_${httpStatus}`;
  if (t.target === 'fake') return 'DIRECT';
  return (Array.isArray(header) ? header.join(',') : header) ?? 'none';
}

/** One non-streaming request, timed until the whole body has been read. */
export async function once(t: Target, body: string): Promise<Obs> {
  const t0 = performance.now();
  const res = await t.client.request({ method: 'POST', path: t.path, headers: JSON_HEADERS, body });
  const text = await res.body.text();
  const ms = performance.now() - t0;
  const status = statusOf(t, res.statusCode, res.headers['x-cache-status']);
  if (res.statusCode === 200 && !text.includes('"chat.completion"')) return { status: 'bad_body', ms };
  return { status, ms };
}

/** One streaming request: time to the first body chunk and to the end of the stream. With `gate`,
 * the fake sends its first (role) chunk and holds the content chunks until the client has that
 * first chunk, like a model that needs time for the next tokens; without it the fake writes the
 * whole answer at once. */
export async function onceStream(t: Target, body: string, gate?: FakeServer): Promise<Obs> {
  gate?.gateStream(true);
  try {
    const t0 = performance.now();
    const res = await t.client.request({ method: 'POST', path: t.path, headers: JSON_HEADERS, body });
    let ttfbMs: number | undefined;
    let text = '';
    for await (const chunk of res.body) {
      if (ttfbMs === undefined) {
        ttfbMs = performance.now() - t0;
        gate?.gateStream(false);
      }
      text += (chunk as Buffer).toString('utf8');
    }
    const ms = performance.now() - t0;
    const status = statusOf(t, res.statusCode, res.headers['x-cache-status']);
    if (res.statusCode === 200 && !text.includes('data: [DONE]')) return { status: 'bad_stream', ms };
    return { status, ms, ttfbMs: ttfbMs ?? ms };
  } finally {
    gate?.gateStream(false);
  }
}
