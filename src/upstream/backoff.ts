import type { IncomingHttpHeaders } from 'node:http';

/** Statuses worth another try: rate limited upstream, or a server/gateway failure that may be transient. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

export function isRetryableStatus(statusCode: number): boolean {
  return RETRYABLE_STATUSES.has(statusCode);
}

/**
 * Full-jitter exponential backoff ("Exponential Backoff And Jitter", AWS): a uniform random
 * delay in [0, min(maxMs, baseMs * 2^(attempt-1))), so that many clients failing together do not
 * retry in lock-step. `attempt` is the 1-based number of the attempt that just failed.
 * Returns milliseconds.
 */
export function fullJitterDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  // Cap the exponent: 2^60 already exceeds any sane backoff_max_ms, and avoids Infinity.
  const exponent = Math.min(Math.max(attempt - 1, 0), 60);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const raw = headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined ? undefined : value.trim();
}

/** A non-negative decimal number, e.g. "2" or "1.5"; anything else (negative, "1e3", "") is rejected. */
const NON_NEGATIVE_NUMBER = /^\d+(\.\d+)?$/;

/**
 * The delay the server asked for, in milliseconds, or undefined when it gave none we understand.
 * `retry-after-ms` (OpenAI, Azure: milliseconds) wins over `Retry-After` (RFC 9110: delay-seconds
 * or an HTTP-date). A date in the past means "now" (0). `nowMs` is Unix epoch milliseconds.
 */
export function parseRetryAfter(headers: IncomingHttpHeaders, nowMs: number): number | undefined {
  const ms = headerValue(headers, 'retry-after-ms');
  if (ms !== undefined && NON_NEGATIVE_NUMBER.test(ms)) return Math.ceil(Number(ms));
  const value = headerValue(headers, 'retry-after');
  if (value === undefined || value === '') return undefined;
  if (NON_NEGATIVE_NUMBER.test(value)) return Math.ceil(Number(value) * 1000);
  // Only try a date when the value looks like one (has a letter): Date.parse accepts odd inputs like "12".
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
