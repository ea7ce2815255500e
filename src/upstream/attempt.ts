import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { ProviderRuntime } from './provider.js';
import { requestPath, upstreamHeaders } from './provider.js';
import type { UpstreamCall } from './types.js';

/** The outcome of one HTTP exchange with one provider. */
export type AttemptResult =
  /** Body fully read (buffered calls, and every non-2xx answer). */
  | { type: 'response'; statusCode: number; headers: IncomingHttpHeaders; text: string }
  /** 2xx on a streaming call: headers only, body still unread. */
  | { type: 'stream'; statusCode: number; headers: IncomingHttpHeaders; body: Readable }
  | { type: 'error'; kind: 'network_error' | 'timeout'; message: string };

/** Raised through the attempt's own AbortSignal when a buffered call outlives timeout_ms. */
class DeadlineError extends Error {
  readonly code = 'DEJAVU_DEADLINE';
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'DEJAVU_DEADLINE']);
/** Programming errors (bad header, bad method...) and a closed Upstream: retrying cannot help. */
const FATAL_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_INVALID_RETURN_VALUE', 'UND_ERR_NOT_SUPPORTED', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);

/** Sorts a failed exchange into timeout or network error; rethrows errors no retry can fix. */
function classify(err: unknown): AttemptResult {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && FATAL_CODES.has(code)) throw err;
  const kind = typeof code === 'string' && TIMEOUT_CODES.has(code) ? 'timeout' : 'network_error';
  return { type: 'error', kind, message: typeof code === 'string' ? `${code}: ${message}` : message };
}

interface AttemptSignal {
  signal: AbortSignal | undefined;
  dispose(): void;
}

/** The client's signal plus, for buffered calls, a whole-attempt deadline of `timeoutMs` (ms).
 * Streams get no deadline: a long generation is fine as long as bytes keep coming (bodyTimeout). */
function attemptSignal(parent: AbortSignal | undefined, timeoutMs: number | undefined): AttemptSignal {
  if (timeoutMs === undefined) return { signal: parent, dispose: () => {} };
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DeadlineError(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
  if (parent?.aborted) onAbort();
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

function is2xx(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}

/**
 * One request to one provider. Never rejects for network trouble (returns an 'error' result);
 * rejects with the signal's reason when the client aborted, and for programming errors.
 */
export async function performAttempt(provider: ProviderRuntime, call: UpstreamCall): Promise<AttemptResult> {
  const guard = attemptSignal(call.signal, call.buffered ? provider.timeoutMs : undefined);
  try {
    const res = await provider.pool.request({
      method: call.method,
      path: requestPath(provider.basePath, call.path),
      headers: upstreamHeaders(call.headers, provider.apiKey),
      body: call.body ?? null,
      signal: guard.signal ?? null,
    });
    const { statusCode, headers } = res;
    if (!call.buffered && is2xx(statusCode)) return { type: 'stream', statusCode, headers, body: res.body };
    // Read inside the attempt so a body cut off mid-way counts as a network error and is retried.
    return { type: 'response', statusCode, headers, text: await res.body.text() };
  } catch (err) {
    if (call.signal?.aborted) throw call.signal.reason;
    return classify(err);
  } finally {
    guard.dispose();
  }
}
