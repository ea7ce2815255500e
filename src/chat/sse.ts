import type { ChatCompletion, Usage } from './completion.js';

/** Incremental parser for `data:` lines of a server-sent event stream (OpenAI style). */
export class SseParser {
  private buffer = '';
  private readonly decoder = new TextDecoder();

  /** Feeds raw bytes; returns the events they complete: `raw` is the exact event text including
   * its terminating blank line, `data` its joined data lines ('' for comments / keep-alives). */
  push(chunk: Uint8Array): Array<{ raw: string; data: string }> {
    this.buffer += this.decoder.decode(chunk, { stream: true });
    const out: Array<{ raw: string; data: string }> = [];
    for (let m = /\r?\n\r?\n/.exec(this.buffer); m !== null; m = /\r?\n\r?\n/.exec(this.buffer)) {
      const end = m.index + m[0].length;
      const raw = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end);
      const data = raw
        .slice(0, m.index)
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n');
      out.push({ raw, data });
    }
    return out;
  }

  /** Bytes of an unfinished event still held (sent as-is when the stream ends). */
  rest(): string {
    const r = this.buffer + this.decoder.decode();
    this.buffer = '';
    return r;
  }
}

/** A usage-only chunk (`choices: []` with `usage`), as sent when include_usage is on. */
export function isUsageOnlyChunk(data: string): boolean {
  if (!data.startsWith('{')) return false;
  try {
    const c = JSON.parse(data) as { choices?: unknown[]; usage?: unknown };
    return Array.isArray(c.choices) && c.choices.length === 0 && c.usage != null;
  } catch {
    return false;
  }
}

interface ChunkChoice {
  index?: number;
  delta?: { role?: string; content?: string | null; refusal?: string | null; tool_calls?: Array<Record<string, unknown> & { index?: number }> };
  finish_reason?: string | null;
}

interface Chunk {
  id?: string;
  created?: number;
  model?: string;
  system_fingerprint?: string | null;
  choices?: ChunkChoice[];
  usage?: Usage | null;
}

/** Rebuilds a chat.completion from streamed chunks; `done` is set only by `data: [DONE]`. */
export class StreamAssembler {
  done = false;
  private meta: Chunk = {};
  private role = 'assistant';
  private content = '';
  private refusal: string | null = null;
  private finish: string | null = null;
  private usage: Usage | null = null;
  private choices = new Set<number>();
  private tools = new Map<number, Record<string, unknown> & { function?: { name?: string; arguments?: string } }>();

  accept(data: string): void {
    if (data === '') return;
    if (data === '[DONE]') {
      this.done = true;
      return;
    }
    const chunk = JSON.parse(data) as Chunk;
    if (this.meta.id === undefined) this.meta = chunk;
    if (chunk.usage) this.usage = chunk.usage;
    for (const c of chunk.choices ?? []) this.acceptChoice(c);
  }

  private acceptChoice(c: ChunkChoice): void {
    this.choices.add(c.index ?? 0);
    if (c.delta?.role) this.role = c.delta.role;
    if (typeof c.delta?.content === 'string') this.content += c.delta.content;
    if (typeof c.delta?.refusal === 'string') this.refusal = (this.refusal ?? '') + c.delta.refusal;
    for (const t of c.delta?.tool_calls ?? []) {
      const i = t.index ?? 0;
      const prev = this.tools.get(i);
      const fn = t.function as { name?: string; arguments?: string } | undefined;
      if (prev === undefined) this.tools.set(i, { ...t, function: { name: fn?.name, arguments: fn?.arguments ?? '' } });
      else if (prev.function !== undefined) prev.function.arguments = (prev.function.arguments ?? '') + (fn?.arguments ?? '');
    }
    if (c.finish_reason) this.finish = c.finish_reason;
  }

  /** The assembled completion (single choice); null when the stream carried several choices. */
  completion(): ChatCompletion | null {
    if (this.choices.size > 1) return null;
    const toolCalls = [...this.tools.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => {
      const { index: _index, ...rest } = t;
      return rest;
    });
    return {
      id: this.meta.id ?? 'chatcmpl-unknown',
      object: 'chat.completion',
      created: this.meta.created ?? 0,
      model: this.meta.model ?? '',
      system_fingerprint: this.meta.system_fingerprint ?? null,
      choices: [
        {
          index: 0,
          message: { role: this.role, content: toolCalls.length > 0 && this.content === '' ? null : this.content, refusal: this.refusal, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
          finish_reason: this.finish,
        },
      ],
      usage: this.usage,
    };
  }
}
