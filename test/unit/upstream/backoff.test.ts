import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { fullJitterDelay, isRetryableStatus, parseRetryAfter } from '../../../src/upstream/backoff.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('fullJitterDelay', () => {
  it('is random() times base * 2^(attempt-1)', () => {
    expect(fullJitterDelay(1, 200, 10_000, () => 0.5)).toBe(100);
    expect(fullJitterDelay(2, 200, 10_000, () => 0.5)).toBe(200);
    expect(fullJitterDelay(3, 200, 10_000, () => 0.5)).toBe(400);
  });

  it('caps the ceiling at max', () => {
    expect(fullJitterDelay(10, 200, 10_000, () => 0.5)).toBe(5_000);
    expect(fullJitterDelay(1_000, 200, 10_000, () => 0.999)).toBe(9_990);
  });

  it('spans [0, ceiling): random 0 gives 0', () => {
    expect(fullJitterDelay(4, 200, 10_000, () => 0)).toBe(0);
    expect(fullJitterDelay(4, 200, 10_000, () => 0.9999)).toBeLessThan(1_600);
  });

  it('base 0 means no delay', () => {
    expect(fullJitterDelay(5, 0, 10_000, () => 0.7)).toBe(0);
  });
});

describe('isRetryableStatus', () => {
  it('retries 429 and 500/502/503/504 only', () => {
    for (const s of [429, 500, 502, 503, 504]) expect(isRetryableStatus(s)).toBe(true);
    for (const s of [200, 400, 401, 403, 404, 408, 422, 501]) expect(isRetryableStatus(s)).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter({ 'retry-after': '2' }, NOW)).toBe(2_000);
    expect(parseRetryAfter({ 'retry-after': ' 0 ' }, NOW)).toBe(0);
    expect(parseRetryAfter({ 'retry-after': '1.5' }, NOW)).toBe(1_500);
  });

  it('reads an HTTP-date relative to now, past dates as 0', () => {
    const in30s = new Date(NOW + 30_000).toUTCString();
    expect(parseRetryAfter({ 'retry-after': in30s }, NOW)).toBe(30_000);
    expect(parseRetryAfter({ 'retry-after': new Date(NOW - 5_000).toUTCString() }, NOW)).toBe(0);
  });

  it('prefers retry-after-ms', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '1234', 'retry-after': '9' }, NOW)).toBe(1_234);
    expect(parseRetryAfter({ 'retry-after-ms': '12.2' }, NOW)).toBe(13);
  });

  it('falls back to retry-after when retry-after-ms is garbage', () => {
    expect(parseRetryAfter({ 'retry-after-ms': 'soon', 'retry-after': '3' }, NOW)).toBe(3_000);
  });

  it('ignores garbage and absence', () => {
    expect(parseRetryAfter({}, NOW)).toBeUndefined();
    for (const v of ['', 'soon', '-1', '1e3', '12abc', 'Someday, 99 Foo 2026']) {
      expect(parseRetryAfter({ 'retry-after': v }, NOW), v).toBeUndefined();
    }
  });

  it('takes the first of repeated headers', () => {
    expect(parseRetryAfter({ 'retry-after': ['4', '8'] } as unknown as IncomingHttpHeaders, NOW)).toBe(4_000);
  });
});
