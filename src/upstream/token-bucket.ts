import type { Clock } from '../core/ports.js';

const MINUTE_MS = 60_000;

/**
 * A token bucket holding at most `perMinute` tokens, refilled continuously at perMinute/60000
 * tokens per ms. Reservations may drive the level negative ("debt"): later callers then see a
 * longer wait, which queues them behind earlier ones without any explicit queue.
 */
export class TokenBucket {
  private level: number;
  private updatedAt: number;

  constructor(
    readonly perMinute: number,
    private readonly clock: Clock,
  ) {
    this.level = perMinute;
    this.updatedAt = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.level = Math.min(this.perMinute, this.level + (elapsed * this.perMinute) / MINUTE_MS);
    this.updatedAt = now;
  }

  /** Tokens available now (negative while in debt). */
  available(): number {
    this.refill();
    return this.level;
  }

  /** Milliseconds until `amount` tokens are available. An amount above the capacity only needs a
   * full bucket (it then goes into debt), otherwise such a request could never be sent. */
  waitMs(amount: number): number {
    const need = Math.min(amount, this.perMinute);
    const missing = need - this.available();
    // Below 1e-9 tokens is floating-point noise from the refill arithmetic, not a real shortfall.
    return missing <= 1e-9 ? 0 : (missing * MINUTE_MS) / this.perMinute;
  }

  /** Takes `amount` tokens now, possibly into debt. A negative amount gives tokens back. */
  take(amount: number): void {
    this.refill();
    this.level = Math.min(this.perMinute, this.level - amount);
  }

  /** Gives `amount` tokens back, never above the capacity. */
  give(amount: number): void {
    this.take(-amount);
  }
}

/** A provider's requests/minute and tokens/minute limits; either may be absent (= unlimited). */
export class RateLimiter {
  private readonly rpm: TokenBucket | undefined;
  private readonly tpm: TokenBucket | undefined;

  constructor(limits: { rpm?: number | undefined; tpm?: number | undefined }, clock: Clock) {
    this.rpm = limits.rpm === undefined ? undefined : new TokenBucket(limits.rpm, clock);
    this.tpm = limits.tpm === undefined ? undefined : new TokenBucket(limits.tpm, clock);
  }

  /** Milliseconds until one request of `tokens` estimated tokens fits both buckets. */
  waitMs(tokens: number): number {
    return Math.max(this.rpm?.waitMs(1) ?? 0, this.tpm?.waitMs(tokens) ?? 0);
  }

  /** Reserves one request and `tokens` tokens (the caller then waits waitMs before sending). */
  reserve(tokens: number): void {
    this.rpm?.take(1);
    this.tpm?.take(tokens);
  }

  /** Undoes a reservation whose request was never sent (aborted while waiting). */
  release(tokens: number): void {
    this.rpm?.give(1);
    this.tpm?.give(tokens);
  }

  /** Corrects the tokens/minute bucket by `delta` tokens: positive refunds, negative adds debt. */
  adjustTokens(delta: number): void {
    this.tpm?.give(delta);
  }
}
