import type { Clock } from '../core/ports.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * Per-provider circuit breaker. `failureThreshold` consecutive failed attempts open it; while
 * open the provider is skipped. After `cooldownMs` (measured with the injected clock, ms) exactly
 * one trial attempt is let through (half-open): success closes the circuit, failure re-opens it
 * for another cool-down. Failures are counted per attempt, not per request, because every
 * attempt is real load on a provider that may be struggling.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private current: BreakerState = 'closed';
  /** True while the half-open trial attempt is in flight: everyone else keeps skipping. */
  private trialInFlight = false;

  constructor(
    private readonly failureThreshold: number,
    private readonly cooldownMs: number,
    private readonly clock: Clock,
  ) {}

  get state(): BreakerState {
    return this.current;
  }

  /** Whether an attempt may go out now. In half-open state a true answer claims the single trial,
   * which must then be ended with onSuccess, onFailure or release. */
  tryAcquire(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open') {
      if (this.clock.now() - this.openedAt < this.cooldownMs) return false;
      this.current = 'half_open';
      this.trialInFlight = false;
    }
    if (this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** A 2xx or a non-retryable answer: the provider is alive. */
  onSuccess(): void {
    this.failures = 0;
    this.current = 'closed';
    this.trialInFlight = false;
  }

  /** A network error, timeout, 5xx or 429. Returns true when this failure opened the circuit. */
  onFailure(): boolean {
    this.failures += 1;
    const trialFailed = this.current === 'half_open';
    if (!trialFailed && (this.current === 'open' || this.failures < this.failureThreshold)) return false;
    this.current = 'open';
    this.openedAt = this.clock.now();
    this.trialInFlight = false;
    return true;
  }

  /** The acquired attempt never reached the provider (aborted, rate-limited): neither outcome counts. */
  release(): void {
    this.trialInFlight = false;
  }
}
