/** A stored answer may be plain text or a JSON object (e.g. a whole chat.completion). */
export type ResponseValue = string | Record<string, unknown>;

/** One cache entry as the core sees it. Times are ms since the Unix epoch. */
export interface StoredEntry {
  /** Public, opaque id. */
  id: string;
  /** Internal integer id; also the label of the entry's vector in the index. */
  label: number;
  namespace: string;
  partitionKey: string;
  /** The LLM model the answer came from (part of the partition), if any. */
  model: string | null;
  prompt: string;
  promptHash: string;
  response: ResponseValue;
  /** Id of the embedder that produced the stored embedding. */
  embedder: string;
  createdAt: number;
  expiresAt: number | null;
  hitCount: number;
  lastHitAt: number | null;
  metadata: Record<string, unknown> | null;
  /** Monotonic write sequence number (bumped by every insert or replace). */
  seq: number;
}

/** What must match for a hit and what is embedded: derived once per request by request-key. */
export interface RequestKey {
  namespace: string;
  /** Hash of everything besides the prompt text that must be equal for a hit (model, context...). */
  partitionKey: string;
  model: string | null;
  /** The prompt as given (stored for humans). */
  prompt: string;
  /** Normalised prompt text: what is hashed for the exact tier and what is embedded. */
  text: string;
  /** sha256 of `text`, hex. */
  promptHash: string;
}

/** Why a candidate was not served: cosine under the threshold, verifier score under its
 * threshold, a verifier veto (a rule, e.g. a swapped direction), or freshness. */
export type RejectReason = 'below_threshold' | 'verifier_rejected' | VerifierVeto | 'expired' | 'too_old';

/** Pair rules the verifier applies before its learned score. */
export type VerifierVeto = 'direction_swap' | 'unit_change' | 'instruction_change';

export interface Candidate {
  entry: StoredEntry;
  /** Cosine similarity, 0..1, higher = closer. */
  similarity: number;
  /** Hit verifier's probability that both prompts ask the same thing, when it was consulted. */
  score?: number;
  /** Set when a verifier rule rejected the pair outright (its score is then 0). */
  veto?: VerifierVeto;
}

export interface RejectedCandidate extends Candidate {
  reason: RejectReason;
}

/** Lookup outcome: drives the HTTP body, headers and metric labels. */
export type LookupOutcome =
  | { status: 'hit'; entry: StoredEntry; similarity: 1; candidate: null }
  | { status: 'semantic-hit'; entry: StoredEntry; similarity: number; score?: number; candidate: null }
  | {
      status: 'miss';
      entry: null;
      similarity: null;
      candidate: RejectedCandidate | null;
      /** Set when the semantic tier was not searched. */
      skipped?: 'prompt_exceeds_model_window' | 'semantic_disabled';
    };

export type LookupStatus = LookupOutcome['status'];

export interface LookupOptions {
  /** Minimum cosine similarity, (0, 1]: the hit threshold in cosine mode, the retrieval floor
   * when `minScore` is set. */
  threshold: number;
  /** Verifier mode: candidates must also score at least this (probability, 0..1). */
  minScore?: number;
  /** Only entries younger than this are served, seconds. */
  maxAgeSeconds?: number;
}

export interface StoreOptions {
  response: ResponseValue;
  /** Seconds until expiry; 0 = never. */
  ttlSeconds: number;
  metadata: Record<string, unknown> | null;
}
