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
  // An expired or too old entry is never served, whatever the verifier thinks: say so first.
  const stale = freshnessProblem(c.entry, ctx);
  if (stale !== null) return stale;
  if (ctx.minScore !== undefined && c.veto !== undefined) return c.veto;
  if (ctx.minScore !== undefined && (c.score ?? 0) < ctx.minScore) return 'verifier_rejected';
  return null;
}

/** Verifier mode ranks by verifier score (then similarity); cosine mode by similarity. */
function rank(candidates: readonly Candidate[], ctx: PolicyContext): Candidate[] {
  const byScore = ctx.minScore !== undefined;
  return [...candidates].sort((a, b) => (byScore ? (b.score ?? 0) - (a.score ?? 0) : 0) || b.similarity - a.similarity);
}

export type Decision =
  | { kind: 'hit'; entry: StoredEntry; similarity: number; score?: number }
  | { kind: 'reject'; best: RejectedCandidate | null };

/** Hit decision over candidates (any order): the best-ranked servable candidate at or above the
 * threshold wins; otherwise the closest candidate is reported with the reason it was refused. */
export function decide(candidates: readonly Candidate[], ctx: PolicyContext): Decision {
  const sorted = rank(candidates, ctx);
  for (const c of sorted) {
    if (rejectReason(c, ctx) === null) return { kind: 'hit', entry: c.entry, similarity: c.similarity, ...(c.score === undefined ? {} : { score: c.score }) };
  }
  const top = sorted[0];
  if (top === undefined) return { kind: 'reject', best: null };
  return { kind: 'reject', best: { ...top, reason: rejectReason(top, ctx) ?? 'below_threshold' } };
}
