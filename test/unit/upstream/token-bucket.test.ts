import { describe, expect, it } from 'vitest';
import { RateLimiter, TokenBucket } from '../../../src/upstream/token-bucket.js';

function fakeClock() {
  let t = 5_000_000;
  return { clock: { now: () => t }, advance: (ms: number) => (t += ms) };
}

describe('TokenBucket', () => {
  it('starts full: a burst up to the per-minute limit needs no wait', () => {
    const { clock } = fakeClock();
    const b = new TokenBucket(60, clock);
    for (let i = 0; i < 60; i++) {
      expect(b.waitMs(1)).toBe(0);
      b.take(1);
    }
    expect(b.waitMs(1)).toBe(1_000);
  });

  it('refills continuously at limit/60000 per ms, capped at the limit', () => {
    const { clock, advance } = fakeClock();
    const b = new TokenBucket(600, clock);
    b.take(600);
    advance(500);
    expect(b.available()).toBeCloseTo(5);
    advance(10 * 60_000);
    expect(b.available()).toBe(600);
  });

  it('debt lengthens the next wait', () => {
    const { clock } = fakeClock();
    const b = new TokenBucket(60, clock);
    b.take(60);
    b.take(1); // reserved by a queued caller
    expect(b.available()).toBe(-1);
    expect(b.waitMs(1)).toBe(2_000);
  });

  it('an amount above capacity waits only for a full bucket', () => {
    const { clock, advance } = fakeClock();
    const b = new TokenBucket(100, clock);
    expect(b.waitMs(500)).toBe(0);
    b.take(500);
    expect(b.waitMs(500)).toBe(((100 + 400) * 60_000) / 100);
    advance(300_000);
    expect(b.waitMs(500)).toBe(0);
  });

  it('give refunds but never above capacity', () => {
    const { clock } = fakeClock();
    const b = new TokenBucket(10, clock);
    b.take(4);
    b.give(2);
    expect(b.available()).toBe(8);
    b.give(100);
    expect(b.available()).toBe(10);
  });
});

describe('RateLimiter', () => {
  it('waits for the slower of rpm and tpm', () => {
    const { clock } = fakeClock();
    const l = new RateLimiter({ rpm: 60, tpm: 6_000 }, clock);
    l.reserve(6_000);
    expect(l.waitMs(100)).toBe(1_000); // tpm: 100 tokens at 100/s
    expect(l.waitMs(1_000)).toBe(10_000);
    expect(l.waitMs(0)).toBe(0); // rpm still has 59
  });

  it('absent limits are unlimited', () => {
    const { clock } = fakeClock();
    const l = new RateLimiter({}, clock);
    l.reserve(1e9);
    expect(l.waitMs(1e9)).toBe(0);
  });

  it('adjustTokens refunds or adds debt', () => {
    const { clock } = fakeClock();
    const l = new RateLimiter({ tpm: 1_000 }, clock);
    l.reserve(1_000);
    l.adjustTokens(400); // used 600 of an estimated 1000
    expect(l.waitMs(400)).toBe(0);
    l.adjustTokens(-400); // used 400 more than estimated
    expect(l.waitMs(400)).toBe(24_000);
  });

  it('release undoes a reservation in both buckets', () => {
    const { clock } = fakeClock();
    const l = new RateLimiter({ rpm: 1, tpm: 1_000 }, clock);
    l.reserve(1_000);
    expect(l.waitMs(1)).toBe(60_000);
    l.release(1_000);
    expect(l.waitMs(1_000)).toBe(0);
  });
});
