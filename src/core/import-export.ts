// The JSONL line format of `npm run cache -- export / import`.
// A user-written line: {prompt | messages, response, namespace?, model?, ttl_seconds?, metadata?}
// (the fields of POST /v1/cache/store). An exported line also carries what a prompt alone cannot
// reproduce: the partition key (chat entries are keyed on messages and parameters that are not
// stored), the creation and expiry times, and the hit statistics.
import { z } from 'zod';
import { requestKey, type ChatMessage } from './request-key.js';
import type { RequestKey, ResponseValue, StoredEntry } from './types.js';

/** One line of an export. Field order is the order written. */
export interface ExportLine {
  namespace: string;
  model: string | null;
  prompt: string;
  response: ResponseValue;
  metadata: Record<string, unknown> | null;
  partition_key: string;
  created_at: string;
  expires_at: string | null;
  hit_count: number;
  last_hit_at: string | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function exportLine(e: StoredEntry): ExportLine {
  return {
    namespace: e.namespace,
    model: e.model,
    prompt: e.prompt,
    response: e.response,
    metadata: e.metadata,
    partition_key: e.partitionKey,
    created_at: new Date(e.createdAt).toISOString(),
    expires_at: iso(e.expiresAt),
    hit_count: e.hitCount,
    last_hit_at: iso(e.lastHitAt),
  };
}

/** A validated line, ready to embed and write. Times are ms since the epoch. */
export interface ImportRecord {
  key: RequestKey;
  response: ResponseValue;
  metadata: Record<string, unknown> | null;
  createdAt: number;
  expiresAt: number | null;
  /** Hit statistics of an exported entry; null for a line that carries none. */
  hits: { count: number; lastAt: number | null } | null;
}

export type ParsedLine = { ok: true; record: ImportRecord } | { ok: false; reason: string };

export interface LineRules {
  /** config.cache.max_prompt_chars */
  maxPromptChars: number;
  /** config.cache.default_ttl_seconds: applies when a line has neither ttl_seconds nor expires_at. */
  defaultTtlSeconds: number;
}

const messageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
});

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-01-01T00:00:00.000Z' });

function lineSchema(maxPromptChars: number) {
  return z
    .strictObject({
      prompt: z.string().min(1, 'prompt must not be empty').max(maxPromptChars, `prompt is longer than ${maxPromptChars} characters`).optional(),
      messages: z.array(messageSchema).min(1).max(10_000).optional(),
      namespace: z.string().min(1).max(256).default('default'),
      model: z.string().min(1).max(256).nullable().optional(),
      response: z.union([z.string().min(1, 'response must not be empty'), z.record(z.string(), z.unknown())], { error: 'response must be a non-empty string or a JSON object' }),
      ttl_seconds: z.number().int().min(0).optional(),
      metadata: z.record(z.string(), z.unknown()).nullable().optional(),
      // Exported extras.
      partition_key: z.string().regex(/^[0-9a-f]{64}$/, 'partition_key must be 64 lowercase hex digits').optional(),
      created_at: isoTime.optional(),
      expires_at: isoTime.nullable().optional(),
      hit_count: z.number().int().min(0).optional(),
      last_hit_at: isoTime.nullable().optional(),
    })
    .superRefine((b, ctx) => {
      if ((b.prompt === undefined) === (b.messages === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'exactly one of prompt or messages is required' });
      }
      if (b.ttl_seconds !== undefined && b.expires_at !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['ttl_seconds'], message: 'give ttl_seconds or expires_at, not both' });
      }
    });
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length === 0 ? i.message : `${i.path.join('.')}: ${i.message}`)).join('; ');
}

/** Returns a parser for one line of text: a record, or the reason the line is rejected. */
export function lineParser(rules: LineRules): (text: string, now: number) => ParsedLine {
  const schema = lineSchema(rules.maxPromptChars);
  return (text, now) => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      return { ok: false, reason: `invalid JSON (${(err as Error).message})` };
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return { ok: false, reason: 'not a JSON object' };
    const parsed = schema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: describe(parsed.error) };
    const b = parsed.data;
    let key: RequestKey;
    try {
      key = requestKey({ namespace: b.namespace, model: b.model, prompt: b.prompt, messages: b.messages as ChatMessage[] | undefined });
    } catch (err) {
      // ValidationError (no user message, blank prompt) or anything odd in one line's content.
      return { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
    // The prompt of a chat conversation is its last user message: same limit as the HTTP API.
    if (key.prompt.length > rules.maxPromptChars) return { ok: false, reason: `prompt is longer than ${rules.maxPromptChars} characters` };
    if (b.partition_key !== undefined) key = { ...key, partitionKey: b.partition_key };
    let expiresAt: number | null;
    if (b.expires_at !== undefined) expiresAt = b.expires_at === null ? null : Date.parse(b.expires_at);
    else {
      const ttl = b.ttl_seconds ?? rules.defaultTtlSeconds; // relative to the import, like a store
      expiresAt = ttl > 0 ? now + ttl * 1000 : null;
    }
    return {
      ok: true,
      record: {
        key,
        response: b.response,
        metadata: b.metadata ?? null,
        createdAt: b.created_at === undefined ? now : Date.parse(b.created_at),
        expiresAt,
        hits:
          b.hit_count === undefined && b.last_hit_at === undefined
            ? null
            : { count: b.hit_count ?? 0, lastAt: b.last_hit_at === undefined || b.last_hit_at === null ? null : Date.parse(b.last_hit_at) },
      },
    };
  };
}
