import { randomUUID } from 'node:crypto';

/** The parts of an OpenAI chat.completion dejavu reads or writes. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: string; content: string | null; tool_calls?: unknown[]; [k: string]: unknown };
    finish_reason: string | null;
    logprobs?: unknown;
  }>;
  usage?: Usage | null;
  [k: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [k: string]: unknown;
}

export function isChatCompletion(v: unknown): v is ChatCompletion {
  const c = v as ChatCompletion | null;
  return typeof c === 'object' && c !== null && Array.isArray(c.choices) && c.choices.length > 0 && typeof c.choices[0]?.message === 'object';
}

/** Why an upstream answer must not be cached, or null when it may be. */
export function unstorableReason(c: ChatCompletion, storeToolCalls: boolean): string | null {
  if (c.choices.length !== 1) return 'more than one choice';
  const choice = c.choices[0]!;
  if (choice.finish_reason === 'tool_calls') return storeToolCalls ? null : 'tool-call answer';
  if (choice.finish_reason !== 'stop') return `finish_reason ${String(choice.finish_reason)}`;
  if (choice.message.refusal !== undefined && choice.message.refusal !== null) return 'refusal';
  return null;
}

const freshId = (): string => `chatcmpl-dejavu-${randomUUID().replaceAll('-', '')}`;

/** A cached answer served as a new completion: fresh id and created time, original usage. */
export function replayCompletion(cached: ChatCompletion, nowMs: number): ChatCompletion {
  return { ...cached, id: freshId(), created: Math.floor(nowMs / 1000) };
}

/** Content pieces of about `size` characters, split after whitespace so words stay whole. */
export function splitContent(text: string, size = 24): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > start) end = space + 1;
      // Never cut a surrogate pair: a lone half is invalid JSON text for strict decoders.
      const c = text.charCodeAt(end - 1);
      if (c >= 0xd800 && c <= 0xdbff) end += end - 1 > start ? -1 : 1;
    }
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

const event = (data: unknown): string => `data: ${JSON.stringify(data)}\n\n`;

/** The cached answer as an OpenAI SSE stream: role chunk, content chunks, finish chunk,
 * usage chunk when asked for, then [DONE]. */
export function replayStream(cached: ChatCompletion, nowMs: number, includeUsage: boolean): string {
  const base = { id: freshId(), object: 'chat.completion.chunk', created: Math.floor(nowMs / 1000), model: cached.model, system_fingerprint: cached.system_fingerprint ?? null };
  const choice = cached.choices[0]!;
  const out: string[] = [event({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })];
  for (const piece of splitContent(choice.message.content ?? '')) {
    out.push(event({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] }));
  }
  const toolCalls = choice.message.tool_calls;
  if (Array.isArray(toolCalls) && toolCalls.length > 0) {
    const deltas = toolCalls.map((t, index) => ({ index, ...(t as Record<string, unknown>) }));
    out.push(event({ ...base, choices: [{ index: 0, delta: { tool_calls: deltas }, finish_reason: null }] }));
  }
  out.push(event({ ...base, choices: [{ index: 0, delta: {}, finish_reason: choice.finish_reason }] }));
  if (includeUsage) out.push(event({ ...base, choices: [], usage: cached.usage ?? null }));
  out.push('data: [DONE]\n\n');
  return out.join('');
}
