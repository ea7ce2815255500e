import type { Readable } from 'node:stream';

/** One call to an upstream OpenAI-compatible API, provider chosen by the client. */
export interface UpstreamCall {
  method: string;
  /** Path after the provider's base_url (which ends in /v1), e.g. '/chat/completions'. May carry a query. */
  path: string;
  /** Client headers to forward (hop-by-hop, host and content-length already removed).
   * `authorization` is replaced by the provider's key when the provider has one. */
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Chooses providers whose `models` allow it; undefined = only the first provider (proxying). */
  model?: string;
  /** Prompt + max completion tokens, for the tokens/minute bucket. */
  estimatedTokens?: number;
  /** true: read the whole body inside the retry loop (a body cut off mid-way is retried).
   * false: resolve once headers arrive and hand over the unread body stream. */
  buffered: boolean;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
}

interface ResponseBase {
  provider: string;
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** Attempts made over all providers, first try included. */
  attempts: number;
  /** Report the real token usage once known, to correct the tokens/minute bucket. */
  settle(usedTokens: number | undefined): void;
}

export type UpstreamResponse =
  | (ResponseBase & { kind: 'buffered'; text: string })
  | (ResponseBase & { kind: 'stream'; body: Readable });

/** Hooks for metrics and logs; every method optional. */
export interface UpstreamObserver {
  attempt?(provider: string, outcome: number | 'network_error' | 'timeout', ms: number): void;
  retry?(provider: string, reason: string, delayMs: number): void;
  fallback?(from: string, to: string): void;
  rateLimitWait?(provider: string, ms: number): void;
  breakerOpen?(provider: string): void;
}

export interface Upstream {
  /** Sends with retries, circuit breaking, rate limiting and fallback. Resolves with a 2xx or
   * with the final non-retryable (or retries-exhausted) upstream response; rejects with
   * RateLimitedError (429 from dejavu), NoProviderError or UpstreamUnavailableError. */
  send(call: UpstreamCall): Promise<UpstreamResponse>;
  /** Whether any provider is configured. */
  readonly configured: boolean;
  close(): Promise<void>;
}
