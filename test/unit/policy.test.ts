import { describe, expect, it } from 'vitest';
import { decide, freshnessProblem, type PolicyContext } from '../../src/core/policy.js';
import type { Candidate, StoredEntry } from '../../src/core/types.js';
import { storedEntry } from '../helpers.js';

const NOW = Date.UTC(2026, 0, 1);
let nextLabel = 1;

/** A fresh label each time, created a minute before NOW. */
function entry(over: Partial<StoredEntry> = {}): StoredEntry {
  return storedEntry(nextLabel++, { createdAt: NOW - 60_000, ...over });
}

const cand = (similarity: number, over: Partial<StoredEntry> = {}): Candidate => ({ entry: entry(over), similarity });
const ctx = (over: Partial<PolicyContext> = {}): PolicyContext => ({ now: NOW, threshold: 0.9, ...over });

describe('freshnessProblem', () => {
  it('a never-expiring entry with no max age is servable', () => {
    expect(freshnessProblem(entry(), ctx())).toBeNull();
  });

  it('expired when expiresAt <= now (boundary included)', () => {
    expect(freshnessProblem(entry({ expiresAt: NOW }), ctx())).toBe('expired');
    expect(freshnessProblem(entry({ expiresAt: NOW - 1 }), ctx())).toBe('expired');
    expect(freshnessProblem(entry({ expiresAt: NOW + 1 }), ctx())).toBeNull();
  });

  it('too_old when older than maxAgeSeconds (exactly maxAge is still fresh)', () => {
    const e = entry({ createdAt: NOW - 30_000 });
    expect(freshnessProblem(e, ctx({ maxAgeSeconds: 29 }))).toBe('too_old');
    expect(freshnessProblem(e, ctx({ maxAgeSeconds: 30 }))).toBeNull();
    expect(freshnessProblem(e, ctx({ maxAgeSeconds: 31 }))).toBeNull();
    expect(freshnessProblem(e, ctx({ maxAgeSeconds: 29.999 }))).toBe('too_old');
  });

  it('maxAgeSeconds 0 refuses anything created before now', () => {
    expect(freshnessProblem(entry({ createdAt: NOW - 1 }), ctx({ maxAgeSeconds: 0 }))).toBe('too_old');
    expect(freshnessProblem(entry({ createdAt: NOW }), ctx({ maxAgeSeconds: 0 }))).toBeNull();
  });

  it('expired takes precedence over too_old', () => {
    const e = entry({ createdAt: NOW - 100_000, expiresAt: NOW - 1 });
    expect(freshnessProblem(e, ctx({ maxAgeSeconds: 1 }))).toBe('expired');
  });

  it('the threshold plays no part in freshness', () => {
    expect(freshnessProblem(entry(), ctx({ threshold: 1 }))).toBeNull();
  });
});

describe('decide', () => {
  it('an empty candidate list is a reject with no best candidate', () => {
    expect(decide([], ctx())).toEqual({ kind: 'reject', best: null });
  });

  it('similarity exactly equal to the threshold is a hit', () => {
    const c = cand(0.9);
    expect(decide([c], ctx({ threshold: 0.9 }))).toEqual({ kind: 'hit', entry: c.entry, similarity: 0.9 });
  });

  it('just below the threshold is a reject with reason below_threshold', () => {
    const c = cand(0.8999999);
    expect(decide([c], ctx({ threshold: 0.9 }))).toEqual({ kind: 'reject', best: { ...c, reason: 'below_threshold' } });
  });

  it('threshold 1 only accepts similarity 1', () => {
    expect(decide([cand(0.99999)], ctx({ threshold: 1 })).kind).toBe('reject');
    expect(decide([cand(1)], ctx({ threshold: 1 })).kind).toBe('hit');
  });

  it('picks the closest candidate, whatever the input order', () => {
    const a = cand(0.91);
    const b = cand(0.97);
    const c = cand(0.93);
    for (const order of [[a, b, c], [c, b, a], [b, a, c]]) {
      const d = decide(order, ctx());
      expect(d).toEqual({ kind: 'hit', entry: b.entry, similarity: 0.97 });
    }
  });

  it('does not mutate the candidate array', () => {
    const list = [cand(0.91), cand(0.99)];
    const copy = [...list];
    decide(list, ctx());
    expect(list).toEqual(copy);
  });

  it('skips a closer expired candidate and serves the best servable one', () => {
    const expired = cand(0.99, { expiresAt: NOW });
    const ok = cand(0.92, { expiresAt: NOW + 1000 });
    const better = cand(0.95);
    const d = decide([ok, expired, better], ctx());
    expect(d).toEqual({ kind: 'hit', entry: better.entry, similarity: 0.95 });
  });

  it('skips a closer too_old candidate', () => {
    const old = cand(0.99, { createdAt: NOW - 3_600_000 });
    const fresh = cand(0.91, { createdAt: NOW - 1000 });
    const d = decide([old, fresh], ctx({ maxAgeSeconds: 60 }));
    expect(d).toEqual({ kind: 'hit', entry: fresh.entry, similarity: 0.91 });
  });

  it('never serves a servable candidate below the threshold', () => {
    const expired = cand(0.99, { expiresAt: NOW - 1 });
    const low = cand(0.5);
    const d = decide([low, expired], ctx());
    expect(d.kind).toBe('reject');
  });

  it('reject reports the closest candidate with its own reason: expired', () => {
    const expired = cand(0.99, { expiresAt: NOW - 1 });
    const low = cand(0.5);
    expect(decide([low, expired], ctx())).toEqual({ kind: 'reject', best: { ...expired, reason: 'expired' } });
  });

  it('reject reports the closest candidate with its own reason: too_old', () => {
    const old = cand(0.95, { createdAt: NOW - 120_000 });
    const low = cand(0.2);
    expect(decide([low, old], ctx({ maxAgeSeconds: 60 }))).toEqual({ kind: 'reject', best: { ...old, reason: 'too_old' } });
  });

  it('reject reports below_threshold when the closest is fresh but too far', () => {
    const a = cand(0.7);
    const b = cand(0.85);
    expect(decide([a, b], ctx())).toEqual({ kind: 'reject', best: { ...b, reason: 'below_threshold' } });
  });

  it('below_threshold wins over expired for the reported reason', () => {
    const c = cand(0.5, { expiresAt: NOW - 1 });
    expect(decide([c], ctx())).toEqual({ kind: 'reject', best: { ...c, reason: 'below_threshold' } });
  });

  it('all candidates stale: reports the closest one', () => {
    const a = cand(0.93, { expiresAt: NOW - 5 });
    const b = cand(0.96, { createdAt: NOW - 999_000 });
    const d = decide([a, b], ctx({ maxAgeSeconds: 10 }));
    expect(d).toEqual({ kind: 'reject', best: { ...b, reason: 'too_old' } });
  });

  it('the exact-match similarity 1 is a hit at any threshold', () => {
    const c = cand(1);
    expect(decide([c], ctx({ threshold: 1 }))).toEqual({ kind: 'hit', entry: c.entry, similarity: 1 });
  });
});
