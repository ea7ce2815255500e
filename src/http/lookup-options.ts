import type { Config } from '../config.js';
import type { Verifier } from '../core/ports.js';
import type { LookupOptions } from '../core/types.js';

/** How one request's semantic hits are decided. A caller-given cosine threshold means cosine only;
 * otherwise the configured decision (verifier when it is loaded, else the cosine threshold). */
export function lookupOptions(config: Config, verifier: Verifier | undefined, requestThreshold: number | undefined, maxAgeSeconds: number | undefined): LookupOptions {
  const base = maxAgeSeconds === undefined ? {} : { maxAgeSeconds };
  if (requestThreshold !== undefined) return { ...base, threshold: requestThreshold };
  if (config.cache.decision === 'verifier' && verifier !== undefined) {
    return { ...base, threshold: config.cache.candidate_floor, minScore: verifier.thresholdFor(config.cache.max_false_hit_rate) };
  }
  return { ...base, threshold: config.cache.threshold };
}
