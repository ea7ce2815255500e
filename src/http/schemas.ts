import { z } from 'zod';
import { MAX_NAMESPACE_CHARS } from '../core/request-key.js';
import type { StoredEntry } from '../core/types.js';

const messageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
});

const namespaceSchema = z.string().min(1).max(MAX_NAMESPACE_CHARS);

function promptFields(maxPromptChars: number) {
  return {
    prompt: z.string().min(1, 'prompt must not be empty').max(maxPromptChars, `prompt is longer than ${maxPromptChars} characters`).optional(),
    messages: z.array(messageSchema).min(1).max(10_000).optional(),
    namespace: namespaceSchema.default('default'),
    model: z.string().min(1).max(256).optional(),
  };
}

const onePrompt = (b: { prompt?: string | undefined; messages?: unknown[] | undefined }, ctx: z.RefinementCtx): void => {
  if ((b.prompt === undefined) === (b.messages === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'exactly one of prompt or messages is required' });
  }
};

/** A number in (0, 1] (a cosine threshold or a false-hit rate), named in its error message. */
const unitInterval = (name: string) => z.number().gt(0, `${name} must be in (0, 1]`).max(1, `${name} must be in (0, 1]`);

export function makeSchemas(maxPromptChars: number) {
  const lookup = z
    .strictObject({
      ...promptFields(maxPromptChars),
      threshold: unitInterval('threshold').optional(),
      max_false_hit_rate: unitInterval('max_false_hit_rate').optional(),
      max_age_seconds: z.number().int().min(0).optional(),
    })
    .superRefine(onePrompt);
  const store = z
    .strictObject({
      ...promptFields(maxPromptChars),
      response: z.union([z.string().min(1, 'response must not be empty'), z.record(z.string(), z.unknown())]),
      ttl_seconds: z.number().int().min(0).optional(),
      metadata: z.record(z.string(), z.unknown()).optional(),
    })
    .superRefine(onePrompt);
  return { lookup, store };
}

export type Schemas = ReturnType<typeof makeSchemas>;
export type LookupBody = z.infer<Schemas['lookup']>;
export type StoreBody = z.infer<Schemas['store']>;

export const idParams = z.object({ id: z.string().min(1).max(128) });
export const namespaceParams = z.object({ namespace: namespaceSchema });

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The public Entry shape (fixed API). */
export function entryJson(e: StoredEntry) {
  return {
    id: e.id,
    namespace: e.namespace,
    model: e.model,
    prompt: e.prompt,
    response: e.response,
    created_at: iso(e.createdAt),
    expires_at: iso(e.expiresAt),
    hit_count: e.hitCount,
    last_hit_at: iso(e.lastHitAt),
    metadata: e.metadata,
  };
}
