import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/upstream/circuit-breaker.js';

function setup(failures = 3, cooldownMs = 10_000) {
  let t = 1_000_000;
  const clock = { now: () => t };
  const breaker = new CircuitBreaker(failures, cooldownMs, clock);
  return { breaker, advance: (ms: number) => (t += ms) };
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures', () => {
    const { breaker } = setup(3);
    expect(breaker.onFailure()).toBe(false);
    expect(breaker.onFailure()).toBe(false);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.onFailure()).toBe(true);
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('a success resets the count', () => {
    const { breaker } = setup(3);
    breaker.onFailure();
    breaker.onFailure();
    breaker.onSuccess();
    expect(breaker.onFailure()).toBe(false);
    expect(breaker.onFailure()).toBe(false);
    expect(breaker.state).toBe('closed');
  });

  it('stays open for the cool-down, then lets exactly one trial through', () => {
    const { breaker, advance } = setup(1, 10_000);
    breaker.onFailure();
    advance(9_999);
    expect(breaker.tryAcquire()).toBe(false);
    advance(1);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.state).toBe('half_open');
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('a successful trial closes it', () => {
    const { breaker, advance } = setup(2, 100);
    breaker.onFailure();
    breaker.onFailure();
    advance(100);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.onSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
    // The count restarted: one failure does not re-open a threshold-2 breaker.
    expect(breaker.onFailure()).toBe(false);
  });

  it('a failed trial re-opens it for another full cool-down', () => {
    const { breaker, advance } = setup(2, 100);
    breaker.onFailure();
    breaker.onFailure();
    advance(150);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.onFailure()).toBe(true);
    expect(breaker.state).toBe('open');
    advance(99);
    expect(breaker.tryAcquire()).toBe(false);
    advance(1);
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('a released trial (never sent) frees the slot for the next caller', () => {
    const { breaker, advance } = setup(1, 100);
    breaker.onFailure();
    advance(100);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.release();
    expect(breaker.state).toBe('half_open');
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('late failures while open do not extend the cool-down', () => {
    const { breaker, advance } = setup(1, 100);
    breaker.onFailure();
    advance(60);
    expect(breaker.onFailure()).toBe(false);
    advance(40);
    expect(breaker.tryAcquire()).toBe(true);
  });
});
