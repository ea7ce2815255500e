import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { ValidationError } from '../../../src/errors.js';
import { lookupOptions } from '../../../src/http/lookup-options.js';
import { loadVerifier } from '../../../src/verifier/index.js';
import type { Verifier } from '../../../src/core/ports.js';
import { MODELS_DIR } from '../../helpers.js';

describe('lookupOptions (which decision one request gets)', () => {
  let v: Verifier;
  beforeAll(async () => {
    v = await loadVerifier(join(MODELS_DIR, 'verifier/weights.json'));
  });
  const config = parseConfig({ cache: { max_false_hit_rate: 0.01, candidate_floor: 0.7, threshold: 0.9 } });

  it('uses the configured rate, then the route rate, then the request rate, each winning over the one before', () => {
    expect(lookupOptions(config, v, {}, undefined)).toEqual({ threshold: 0.7, minScore: v.thresholdFor(0.01) });
    expect(lookupOptions(config, v, {}, undefined, 0.05)).toEqual({ threshold: 0.7, minScore: v.thresholdFor(0.05) });
    expect(lookupOptions(config, v, { maxFalseHitRate: 0.002 }, 60, 0.05)).toEqual({ threshold: 0.7, minScore: v.thresholdFor(0.002), maxAgeSeconds: 60 });
    expect(v.thresholdFor(0.05)).toBeLessThan(v.thresholdFor(0.01));
  });

  it('a request threshold means cosine only; without a verifier the route rate is ignored but a request rate is refused', () => {
    expect(lookupOptions(config, v, { threshold: 0.95 }, undefined, 0.05)).toEqual({ threshold: 0.95 });
    expect(lookupOptions(config, undefined, {}, undefined, 0.05)).toEqual({ threshold: 0.9 });
    expect(() => lookupOptions(config, undefined, { maxFalseHitRate: 0.05 }, undefined)).toThrow(ValidationError);
    expect(() => lookupOptions(config, v, { threshold: 0.9, maxFalseHitRate: 0.05 }, undefined)).toThrow(/not both/);
    const cosine = parseConfig({ cache: { decision: 'cosine', threshold: 0.92 } });
    expect(lookupOptions(cosine, v, {}, undefined, 0.05)).toEqual({ threshold: 0.92 });
  });

  it("an operator's calibration replaces the configured rate, but a route or request rate still wins", () => {
    const calibrated = parseConfig({ cache: { verifier_calibration: { verifier: v.id, min_score: 0.61 } } });
    expect(lookupOptions(calibrated, v, {}, undefined)).toEqual({ threshold: 0.7, minScore: 0.61 });
    expect(lookupOptions(calibrated, v, {}, undefined, 0.05)).toEqual({ threshold: 0.7, minScore: v.thresholdFor(0.05) });
    expect(lookupOptions(calibrated, v, { maxFalseHitRate: 0.002 }, undefined)).toEqual({ threshold: 0.7, minScore: v.thresholdFor(0.002) });
    expect(lookupOptions(calibrated, v, { threshold: 0.95 }, undefined)).toEqual({ threshold: 0.95 });
    expect(() => parseConfig({ cache: { verifier_calibration: { verifier: 'v1', min_score: 0.5 } } })).toThrow(/verifier id/);
    expect(() => parseConfig({ cache: { verifier_calibration: { verifier: v.id, min_score: 1.5 } } })).toThrow();
  });

  it('a rate below every shipped operating point serves no semantic hit', () => {
    expect(lookupOptions(config, v, { maxFalseHitRate: 0.0001 }, undefined).minScore).toBe(Number.POSITIVE_INFINITY);
  });
});
