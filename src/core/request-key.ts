import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { RequestKey } from './types.js';

/** An OpenAI chat message; only role and content are interpreted, the rest is hashed as-is. */
export interface ChatMessage {
  role: string;
  content?: string | ReadonlyArray<Record<string, unknown>> | null;
  [field: string]: unknown;
}

/** Longest namespace, in UTF-16 code units (what zod and String.length count). */
export const MAX_NAMESPACE_CHARS = 256;

export interface KeyInput {
  namespace: string;
  model?: string | null;
  /** Exactly one of prompt / messages. */
  prompt?: string;
  messages?: readonly ChatMessage[];
  /** Further request parameters that must match for a hit (sampling, tools...). */
  params?: Record<string, unknown>;
}

/** Bump when the key derivation changes: old partitions then simply stop matching. */
const KEY_VERSION = 1;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Unicode NFKC, whitespace runs collapsed, trimmed. Case and punctuation are kept on purpose:
 * the exact tier must never equate prompts that could mean different things. */
export function normalizePrompt(text: string): string {
  return text.normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

/** JSON with object keys sorted, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

interface SplitContent {
  text: string;
  /** Non-text parts (images, audio...): they are not embedded, so they must match exactly. */
  other: Array<Record<string, unknown>>;
}

function splitContent(content: ChatMessage['content']): SplitContent {
  if (typeof content === 'string') return { text: content, other: [] };
  const texts: string[] = [];
  const other: Array<Record<string, unknown>> = [];
  for (const part of content ?? []) {
    if (part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
    else other.push(part);
  }
  return { text: texts.join('\n'), other };
}

/** Splits a conversation into the embedded question (last user message) and the context that
 * must match exactly (every other message, plus non-text parts of the question). */
function splitMessages(messages: readonly ChatMessage[]): { prompt: string; context: unknown[] } {
  let last = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') {
      last = i;
      break;
    }
  }
  if (last < 0) throw new ValidationError('messages must contain a user message', 'missing_prompt');
  const question = messages[last] as ChatMessage;
  const { text, other } = splitContent(question.content);
  const { content: _content, ...questionRest } = question;
  const context: unknown[] = [...messages.slice(0, last), { ...questionRest, other_parts: other }, ...messages.slice(last + 1)];
  return { prompt: text, context };
}

/** Derives what is embedded and what must match for a hit. A bare prompt and a single
 * user message with the same text get the same key. */
export function requestKey(input: KeyInput): RequestKey {
  const raw =
    input.messages !== undefined
      ? splitMessages(input.messages)
      : { prompt: input.prompt ?? '', context: [] as unknown[] };
  // A lone surrogate (legal in JSON, not text) would reach SQLite as three U+FFFD: replace it
  // with one here, so the stored, keyed and embedded prompt are the same string.
  const split = { ...raw, prompt: raw.prompt.replace(/\p{Cs}/gu, '\uFFFD') };
  const onlyPlainUser =
    split.context.length === 1 &&
    canonicalJson(split.context[0]) === canonicalJson({ role: 'user', other_parts: [] });
  const context = onlyPlainUser ? [] : split.context;
  const text = normalizePrompt(split.prompt);
  if (text === '') throw new ValidationError('prompt must contain non-whitespace text', 'missing_prompt');
  const model = input.model ?? null;
  const partitionKey = sha256Hex(canonicalJson({ v: KEY_VERSION, model, context, params: input.params ?? {} }));
  return { namespace: input.namespace, partitionKey, model, prompt: split.prompt, text, promptHash: sha256Hex(text) };
}
