import { afterEach, describe, expect, it, vi } from 'vitest';
import { ABANDONED, SingleFlight, type Flight } from '../../../src/core/single-flight.js';

type Leader<T> = Extract<Flight<T>, { role: 'leader' }>;
type Follower<T> = Extract<Flight<T>, { role: 'follower' }>;

function leader<T>(f: Flight<T>): Leader<T> {
  if (f.role !== 'leader') throw new Error('expected leader');
  return f;
}
function follower<T>(f: Flight<T>): Follower<T> {
  if (f.role !== 'follower') throw new Error('expected follower');
  return f;
}

const WAIT = 10_000;

describe('SingleFlight', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('first join leads, later joins follow and receive the leader result', async () => {
    const sf = new SingleFlight<string>();
    const l = leader(sf.join('k', WAIT));
    const f1 = follower(sf.join('k', WAIT));
    const f2 = follower(sf.join('k', WAIT));
    l.finish('answer');
    await expect(f1.result).resolves.toBe('answer');
    await expect(f2.result).resolves.toBe('answer');
  });

  it('different keys fly independently', async () => {
    const sf = new SingleFlight<number>();
    const a = leader(sf.join('a', WAIT));
    const b = leader(sf.join('b', WAIT));
    const fa = follower(sf.join('a', WAIT));
    const fb = follower(sf.join('b', WAIT));
    b.finish(2);
    a.finish(1);
    await expect(fa.result).resolves.toBe(1);
    await expect(fb.result).resolves.toBe(2);
  });

  it('finish(null) gives followers null', async () => {
    const sf = new SingleFlight<string>();
    const l = leader(sf.join('k', WAIT));
    const f = follower(sf.join('k', WAIT));
    l.finish(null);
    await expect(f.result).resolves.toBeNull();
  });

  it('abandon() tells followers to join again: the first to rejoin leads, the rest follow it', async () => {
    const sf = new SingleFlight<string>();
    const gone = leader(sf.join('k', WAIT));
    const f1 = follower(sf.join('k', WAIT));
    const f2 = follower(sf.join('k', WAIT));
    gone.abandon();
    gone.finish('too late'); // ended already: ignored
    await expect(f1.result).resolves.toBe(ABANDONED);
    await expect(f2.result).resolves.toBe(ABANDONED);
    expect(sf.size).toBe(0);
    const next = leader(sf.join('k', WAIT));
    const again = follower(sf.join('k', WAIT));
    next.finish('answer');
    await expect(again.result).resolves.toBe('answer');
  });

  it('after finish a new join leads again', async () => {
    const sf = new SingleFlight<string>();
    const first = leader(sf.join('k', WAIT));
    first.finish('one');
    const second = leader(sf.join('k', WAIT));
    const f = follower(sf.join('k', WAIT));
    second.finish('two');
    await expect(f.result).resolves.toBe('two');
  });

  it('finishing twice is harmless: the first result stands, a new flight is untouched', async () => {
    const sf = new SingleFlight<string>();
    const first = leader(sf.join('k', WAIT));
    const f = follower(sf.join('k', WAIT));
    first.finish('first');
    first.finish('second');
    await expect(f.result).resolves.toBe('first');

    const next = leader(sf.join('k', WAIT));
    const f2 = follower(sf.join('k', WAIT));
    first.finish('stale');
    expect(sf.size).toBe(1);
    next.finish('fresh');
    await expect(f2.result).resolves.toBe('fresh');
  });

  it('size counts keys in flight, not followers', () => {
    const sf = new SingleFlight<string>();
    expect(sf.size).toBe(0);
    const a = leader(sf.join('a', WAIT));
    sf.join('a', WAIT);
    sf.join('a', WAIT);
    expect(sf.size).toBe(1);
    const b = leader(sf.join('b', WAIT));
    expect(sf.size).toBe(2);
    a.finish('x');
    expect(sf.size).toBe(1);
    b.finish(null);
    expect(sf.size).toBe(0);
  });

  it('a follower times out to null after waitMs (fake timers)', async () => {
    vi.useFakeTimers();
    const sf = new SingleFlight<string>();
    const l = leader(sf.join('k', WAIT));
    const f = follower(sf.join('k', 1000));
    let settled: string | null | typeof ABANDONED | undefined;
    void f.result.then((v) => {
      settled = v;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBeNull();
    // The leader finishing later changes nothing for the timed-out follower; a fresh follower
    // joined before finish still gets the result.
    const late = follower(sf.join('k', 1000));
    l.finish('late answer');
    await expect(f.result).resolves.toBeNull();
    await expect(late.result).resolves.toBe('late answer');
    expect(sf.size).toBe(0);
  });

  it('followers with different waits time out independently', async () => {
    vi.useFakeTimers();
    const sf = new SingleFlight<string>();
    const l = leader(sf.join('k', WAIT));
    const short = follower(sf.join('k', 100));
    const long = follower(sf.join('k', 5000));
    await vi.advanceTimersByTimeAsync(100);
    await expect(short.result).resolves.toBeNull();
    l.finish('done');
    await expect(long.result).resolves.toBe('done');
  });

  it('the timeout timer is cleared once the leader finishes', async () => {
    vi.useFakeTimers();
    const sf = new SingleFlight<string>();
    const l = leader(sf.join('k', WAIT));
    const f = follower(sf.join('k', WAIT));
    expect(vi.getTimerCount()).toBe(1);
    l.finish('ok');
    await expect(f.result).resolves.toBe('ok');
    expect(vi.getTimerCount()).toBe(0);
  });
});
