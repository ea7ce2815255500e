import type { IncomingHttpHeaders } from 'node:http';
import { RateLimitedError, UpstreamUnavailableError } from '../errors.js';
import type { UpstreamResponse } from './types.js';

/** A failed HTTP answer kept in case every provider fails: it is then passed through as-is. */
interface FailedAnswer {
  provider: string;
  statusCode: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** What one `send` has seen so far over all providers. */
export class SendState {
  /** Attempts over all providers, first try included. */
  attempts = 0;
  private lastAnswer: FailedAnswer | undefined;
  /** Shortest rate-limit wait among providers skipped for exceeding max_queue_wait_ms, ms. */
  private rateLimitWaitMs: number | undefined;
  /** Last problem per provider, for the error message. */
  private readonly problems = new Map<string, string>();

  noteProblem(provider: string, problem: string): void {
    this.problems.set(provider, problem);
  }

  noteAnswer(answer: FailedAnswer): void {
    this.lastAnswer = answer;
    this.noteProblem(answer.provider, `HTTP ${answer.statusCode}`);
  }

  noteRateLimited(provider: string, waitMs: number): void {
    this.rateLimitWaitMs = Math.min(this.rateLimitWaitMs ?? Infinity, waitMs);
    this.noteProblem(provider, `local rate limit needs a ${Math.ceil(waitMs)} ms wait`);
  }

  /**
   * The outcome once every provider failed, by preference: the latest real HTTP answer (status
   * and body passed through), else dejavu's own 429 when a rate limit was the obstacle, else
   * UpstreamUnavailableError listing each provider's last problem.
   */
  finish(maxQueueWaitMs: number): UpstreamResponse {
    if (this.lastAnswer !== undefined) {
      const { provider, statusCode, headers, text } = this.lastAnswer;
      // The tokens/minute reservation was already refunded when the error answer arrived.
      return { kind: 'buffered', provider, statusCode, headers, text, attempts: this.attempts, settle: () => {} };
    }
    const details = [...this.problems].map(([name, problem]) => `${name}: ${problem}`).join('; ');
    if (this.rateLimitWaitMs !== undefined) {
      const wait = this.rateLimitWaitMs;
      throw new RateLimitedError(
        `upstream rate limit reached: the request would wait ${Math.ceil(wait)} ms, more than max_queue_wait_ms (${maxQueueWaitMs}) (${details})`,
        Math.ceil(wait / 1000),
      );
    }
    throw new UpstreamUnavailableError(`no upstream provider could be reached (${details})`);
  }
}
