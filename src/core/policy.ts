import type { Candidate, LookupOptions, RejectReason, RejectedCandidate, StoredEntry } from './types.js';

export interface PolicyContext extends LookupOptions {
  /** ms since epoch. */
  now: number;
}

/** Why an entry may not be served right now, regardless of similarity; null when servable. */
export function freshnessProblem(entry: StoredEntry, ctx: PolicyContext): RejectReason | null {
  if (entry.expiresAt !== null && entry.expiresAt <= ctx.now) return 'expired';
  if (ctx.maxAgeSeconds !== undefined && ctx.now - entry.createdAt > ctx.maxAgeSeconds * 1000) return 'too_old';
  return null;
}

function rejectReason(c: Candidate, ctx: PolicyContext): RejectReason | null {
  if (c.similarity < ctx.threshold) return 'below_threshold';
  return freshnessProblem(c.entry, ctx);
}

export type Decision =
  | { kind: 'hit'; entry: StoredEntry; similarity: number }
  | { kind: 'reject'; best: RejectedCandidate | null };

/** Hit decision over candidates (any order): the closest servable candidate at or above the
 * threshold wins; otherwise the closest candidate is reported with the reason it was refused. */
export function decide(candidates: readonly Candidate[], ctx: PolicyContext): Decision {
  const sorted = [...candidates].sort((a, b) => b.similarity - a.similarity);
  for (const c of sorted) {
    if (rejectReason(c, ctx) === null) return { kind: 'hit', entry: c.entry, similarity: c.similarity };
  }
  const top = sorted[0];
  if (top === undefined) return { kind: 'reject', best: null };
  return { kind: 'reject', best: { ...top, reason: rejectReason(top, ctx) ?? 'below_threshold' } };
}
