// `npm run cache -- import FILE`: streams a JSONL file into the cache. Bad lines are reported with
// their number and reason and skipped; good lines are embedded with a few requests outstanding and
// written in file order, many per SQLite transaction.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Config } from '../config.js';
import { lineParser, type ImportRecord, type LineRules } from '../core/import-export.js';
import type { SemanticCache } from '../core/semantic-cache.js';
import type { SqliteStore } from '../store/sqlite-store.js';

/** Embeddings requested before the oldest is awaited. Measured on 2,000 lines in interleaved
 * 100-line rounds on a 2-core VM busy with other jobs: with the main-thread embedder 1, 2 and 4 are
 * equal within 3 % (onnxruntime-node runs a session synchronously on the main thread, so those
 * embeddings never overlap); with a 2-worker embedder pool 4 was best (169-180/s against 163-164/s
 * for 1 and 164-172/s for 2; 8 no better). */
export const DEFAULT_IN_FLIGHT = 4;
/** Entries per SQLite transaction. One commit per entry costs nothing with synchronous=normal but
 * caps imports at ~240 entries/s with synchronous=full (an fsync each); 256 per commit does not. */
export const DEFAULT_BATCH = 256;
/** Longer lines are reported as bad without being held in memory whole. */
export const MAX_LINE_CHARS = 64 * 1024 * 1024;

export interface Line {
  text: string;
  /** True when the line was longer than the limit; `text` is then empty. */
  tooLong: boolean;
}

/** Splits a byte stream into lines (\n or \r\n) as it arrives; never holds more than one line. */
export async function* readLines(input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, maxChars = MAX_LINE_CHARS): AsyncGenerator<Line> {
  const decoder = new StringDecoder('utf8');
  let pieces: string[] = [];
  let size = 0;
  let tooLong = false;
  let first = true;
  const take = (tail: string): Line => {
    let text = pieces.length === 0 ? tail : pieces.join('') + tail;
    pieces = [];
    size = 0;
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 BOM
    first = false;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const line = { text: tooLong ? '' : text, tooLong };
    tooLong = false;
    return line;
  };
  const keep = (part: string): void => {
    if (tooLong) return;
    size += part.length;
    if (size > maxChars) {
      tooLong = true;
      pieces = [];
    } else pieces.push(part);
  };
  const split = function* (chunk: string): Generator<Line> {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      const part = chunk.slice(start, nl);
      if (!tooLong && size + part.length > maxChars) tooLong = true;
      yield take(tooLong ? '' : part);
      start = nl + 1;
    }
    keep(chunk.slice(start));
  };
  for await (const chunk of input) yield* split(typeof chunk === 'string' ? chunk : decoder.write(chunk));
  const rest = decoder.end();
  if (rest !== '') yield* split(rest);
  if (size > 0 || tooLong) yield take('');
}

/** Number of lines in a file (a last line without \n counts), read in chunks. */
export async function countLines(path: string): Promise<number> {
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lines += 1;
    if (chunk.length > 0) last = chunk[chunk.length - 1] as number;
  }
  return last === 0x0a ? lines : lines + 1;
}

export interface BadLine {
  line: number;
  reason: string;
}

export interface ImportReport {
  /** Lines read (blank and banner lines included). */
  lines: number;
  imported: number;
  /** Imported lines that replaced an entry with the same key (or an earlier line of the file). */
  replaced: number;
  /** Good lines whose expires_at had passed: skipped, not errors. */
  expired: number;
  badCount: number;
  /** The first MAX_BAD_KEPT bad lines. */
  bad: BadLine[];
  /** `npm run` banner lines at the top of the file (`npm run cache -- export > f` writes them), skipped. */
  banner: number;
  /** True when stopped early (signal). */
  interrupted: boolean;
  seconds: number;
  /** Imported entries per second. */
  perSecond: number;
}

export const MAX_BAD_KEPT = 10_000;

export interface ImportTarget {
  cache: SemanticCache;
  store: SqliteStore;
}

export interface ImportOptions {
  rules: LineRules;
  /** Embeddings in flight at once. */
  inFlight?: number;
  /** Entries per SQLite transaction. */
  batch?: number;
  /** ms since epoch (TTL and expiry decisions). */
  now?: () => number;
  /** Called for each bad line, as it is found. */
  onBad?: (bad: BadLine) => void;
  /** Called after every line with the lines settled so far (good ones embedded, others judged). */
  onProgress?: (settled: number, report: ImportReport) => void;
  /** Stops reading; what was read is still written. */
  signal?: AbortSignal;
}

/** `overloaded`: the embedder refused the job for now (a worker pool's queue was full): retried. */
type Embedded = { ok: true; vector: Float32Array | null } | { ok: false; error: string; overloaded: boolean };

interface Pending {
  line: number;
  record: ImportRecord;
  vector: Promise<Embedded>;
}

interface Ready {
  line: number;
  record: ImportRecord;
  vector: Float32Array | null;
}

/** Imports lines into the cache; never throws for a bad line, only for fatal errors (SQLite). */
export async function importLines(target: ImportTarget, lines: AsyncIterable<Line>, opts: ImportOptions): Promise<ImportReport> {
  const { cache, store } = target;
  let inFlight = Math.max(1, opts.inFlight ?? DEFAULT_IN_FLIGHT);
  const batchSize = Math.max(1, opts.batch ?? DEFAULT_BATCH);
  const now = opts.now ?? Date.now;
  const parse = lineParser(opts.rules);
  const t0 = performance.now();
  const report: ImportReport = { lines: 0, imported: 0, replaced: 0, expired: 0, badCount: 0, bad: [], banner: 0, interrupted: false, seconds: 0, perSecond: 0 };
  const window: Pending[] = [];
  let batch: Ready[] = [];
  let content = false;

  const bad = (line: number, reason: string): void => {
    report.badCount += 1;
    const b = { line, reason };
    if (report.bad.length < MAX_BAD_KEPT) report.bad.push(b);
    opts.onBad?.(b);
  };
  // One transaction per batch: one WAL commit (and with synchronous=full one fsync) per batch.
  const write = store.db.transaction((items: Ready[]) => {
    for (const { record, vector } of items) {
      const { entry, replaced } = cache.put(record.key, record, vector);
      if (record.hits !== null) store.setHitStats(entry.label, record.hits.count, record.hits.lastAt);
      if (replaced) report.replaced += 1;
    }
  });
  const flush = (): void => {
    if (batch.length === 0) return;
    try {
      write(batch);
    } catch (err) {
      const at = `lines ${batch[0]?.line}-${batch[batch.length - 1]?.line}`;
      throw new Error(`writing ${at} failed after ${report.imported} entries were imported: ${(err as Error).message}`, { cause: err });
    }
    report.imported += batch.length;
    batch = [];
  };
  const embed = (key: ImportRecord['key']): Promise<Embedded> =>
    cache.embedKey(key).then(
      (vector): Embedded => ({ ok: true, vector }),
      (err: unknown): Embedded => ({
        ok: false,
        error: err instanceof Error ? err.message : String(err),
        overloaded: (err as { code?: unknown } | null)?.code === 'overloaded',
      }),
    );
  const settle = async (): Promise<void> => {
    const head = window.shift() as Pending;
    let v = await head.vector;
    if (!v.ok && v.overloaded) {
      // The embedder holds fewer jobs than we keep in flight: go one at a time from here, let
      // everything behind this line finish, then embed it alone.
      inFlight = 1;
      await Promise.all(window.map((p) => p.vector));
      v = await embed(head.record.key);
    }
    if (v.ok) batch.push({ line: head.line, record: head.record, vector: v.vector });
    else bad(head.line, `embedding failed: ${v.error}`);
    if (batch.length >= batchSize) flush();
  };
  const progress = (): void => opts.onProgress?.(report.lines - window.length, report);

  try {
    await readAll();
  } catch (err) {
    // Fatal (unreadable input, SQLite): let the embeddings in flight finish before the caller
    // closes the embedder under them.
    await Promise.all(window.map((p) => p.vector));
    throw err;
  }
  report.seconds = (performance.now() - t0) / 1000;
  report.perSecond = report.seconds > 0 ? report.imported / report.seconds : 0;
  return report;

  async function readAll(): Promise<void> {
    for await (const { text, tooLong } of lines) {
      if (opts.signal?.aborted === true) {
        report.interrupted = true;
        break;
      }
      report.lines += 1;
      const no = report.lines;
      if (tooLong) {
        bad(no, `line is longer than ${MAX_LINE_CHARS} characters`);
      } else if (text.trim() === '') {
        // blank lines separate nothing in JSONL: ignored
      } else if (!content && text.startsWith('> ')) {
        report.banner += 1;
      } else {
        content = true;
        const parsed = parse(text, now());
        if (!parsed.ok) bad(no, parsed.reason);
        else if (parsed.record.expiresAt !== null && parsed.record.expiresAt <= now()) report.expired += 1;
        else {
          window.push({ line: no, record: parsed.record, vector: embed(parsed.record.key) });
          if (window.length >= inFlight) await settle();
        }
      }
      progress();
    }
    while (window.length > 0) await settle();
    flush();
    progress();
  }
}

/** Imports a file ('-' = stdin) with the config's prompt rules. */
export async function importFile(target: ImportTarget, path: string, config: Config, opts: Omit<ImportOptions, 'rules'> = {}): Promise<ImportReport> {
  const input = path === '-' ? (process.stdin as AsyncIterable<Buffer>) : (createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>);
  const rules = { maxPromptChars: config.cache.max_prompt_chars, defaultTtlSeconds: config.cache.default_ttl_seconds };
  return importLines(target, readLines(input), { rules, ...opts });
}

/** "3, 17 and 9998" / "3, 17, ... (1,204 in all)" */
export function badLineList(report: ImportReport, max = 20): string {
  const shown = report.bad.slice(0, max).map((b) => String(b.line));
  if (report.badCount <= max) return shown.join(', ');
  return `${shown.join(', ')}, ... (${report.badCount.toLocaleString('en-US')} in all)`;
}

/** The closing summary line. */
export function summary(report: ImportReport): string {
  const parts = [`imported ${report.imported.toLocaleString('en-US')}`];
  if (report.replaced > 0) parts.push(`${report.replaced.toLocaleString('en-US')} of them replaced an existing entry`);
  parts.push(`skipped ${report.badCount.toLocaleString('en-US')}${report.badCount > 0 ? ` (bad lines: ${badLineList(report)})` : ''}`);
  if (report.expired > 0) parts.push(`${report.expired.toLocaleString('en-US')} already expired, left out`);
  const rate = `${report.seconds.toFixed(1)}s, ${Math.round(report.perSecond).toLocaleString('en-US')} entries/s`;
  return `${parts.join(', ')} in ${rate}${report.interrupted ? ' (interrupted: the rest of the file was not read)' : ''}`;
}
