import type { Config } from '../config.js';
import type { Verifier } from '../core/ports.js';
import type { LookupOptions } from '../core/types.js';
import { ValidationError } from '../errors.js';

/** What one request asks of the hit decision (REST body fields, chat headers). */
export interface RequestDecision {
  /** A cosine threshold: cosine only, for this request. */
  threshold?: number | undefined;
  /** A false-hit rate (0..1]: the verifier's threshold for it, for this request. */
  maxFalseHitRate?: number | undefined;
}

/** The configured verifier threshold: the route's own rate when it has one, else the score
 * calibrated on the operator's traffic (cache.verifier_calibration), else the shipped operating
 * point of cache.max_false_hit_rate. The service turns semantic lookups off when the calibration
 * names another verifier (service.ts), so its score is only read for the one it was measured with. */
export function configuredMinScore(config: Config, verifier: Verifier, routeRate?: number): number {
  if (routeRate !== undefined) return verifier.thresholdFor(routeRate);
  return config.cache.verifier_calibration?.min_score ?? verifier.thresholdFor(config.cache.max_false_hit_rate);
}

/** How one request's semantic hits are decided. A caller-given cosine threshold means cosine only;
 * a caller-given false-hit rate picks the verifier's operating point for it (a rate below the
 * safest shipped point serves exact hits only); otherwise the configured decision (verifier when
 * it is loaded, else the cosine threshold; see configuredMinScore). */
export function lookupOptions(
  config: Config,
  verifier: Verifier | undefined,
  request: RequestDecision,
  maxAgeSeconds: number | undefined,
  routeRate?: number,
): LookupOptions {
  const base = maxAgeSeconds === undefined ? {} : { maxAgeSeconds };
  if (request.threshold !== undefined && request.maxFalseHitRate !== undefined) {
    throw new ValidationError('give a cosine threshold or a max false-hit rate, not both');
  }
  if (request.threshold !== undefined) return { ...base, threshold: request.threshold };
  if (request.maxFalseHitRate !== undefined) {
    if (verifier === undefined) {
      throw new ValidationError('this service decides hits by cosine only (no hit verifier loaded): ask with a cosine threshold instead', 'verifier_unavailable');
    }
    return { ...base, threshold: config.cache.candidate_floor, minScore: verifier.thresholdFor(request.maxFalseHitRate) };
  }
  if (config.cache.decision === 'verifier' && verifier !== undefined) {
    return { ...base, threshold: config.cache.candidate_floor, minScore: configuredMinScore(config, verifier, routeRate) };
  }
  return { ...base, threshold: config.cache.threshold };
}
