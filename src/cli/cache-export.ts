// `npm run cache -- export [--namespace N] > file.jsonl`: every live entry as one JSON line, with
// what an import needs to reproduce it exactly (partition key, times, hit statistics).
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { exportLine } from '../core/import-export.js';
import type { SqliteStore } from '../store/sqlite-store.js';

export interface ExportOptions {
  namespace?: string;
  /** ms since epoch: entries expired by then are left out. */
  now?: number;
  /** Called every few hundred entries with the entries written so far. */
  onProgress?: (written: number) => void;
}

export interface ExportReport {
  exported: number;
  /** Expired entries (not yet swept) that were left out. */
  expired: number;
  seconds: number;
  perSecond: number;
}

/** Bytes gathered before one write to the stream. */
const CHUNK_BYTES = 256 * 1024;

/** Entries the export will read (live and expired), for progress. */
export function countEntries(store: SqliteStore, namespace?: string): number {
  const row = (
    namespace === undefined
      ? store.db.prepare('SELECT count(*) AS n FROM entries').get()
      : store.db.prepare('SELECT count(*) AS n FROM entries WHERE namespace = ?').get(namespace)
  ) as { n: number };
  return row.n;
}

/** Writes the entries as JSONL to `out`, honouring backpressure; rejects if `out` fails (EPIPE...). */
export async function exportEntries(store: SqliteStore, out: Writable, opts: ExportOptions = {}): Promise<ExportReport> {
  const t0 = performance.now();
  const now = opts.now ?? Date.now();
  const report: ExportReport = { exported: 0, expired: 0, seconds: 0, perSecond: 0 };
  let failure: Error | undefined;
  const onError = (err: Error): void => {
    failure = err;
  };
  out.on('error', onError);
  try {
    let chunk: string[] = [];
    let bytes = 0;
    const push = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const ok = out.write(chunk.join(''));
      chunk = [];
      bytes = 0;
      if (!ok && failure === undefined && !out.destroyed) await once(out, 'drain');
      if (failure !== undefined) throw failure;
      if (out.destroyed) throw new Error('the output was closed');
      opts.onProgress?.(report.exported);
    };
    // The iterator keeps one read snapshot open; nothing else uses the connection meanwhile.
    for (const entry of store.iterateEntries(opts.namespace)) {
      if (entry.expiresAt !== null && entry.expiresAt <= now) {
        report.expired += 1;
        continue;
      }
      const line = `${JSON.stringify(exportLine(entry))}\n`;
      chunk.push(line);
      bytes += line.length;
      report.exported += 1;
      if (bytes >= CHUNK_BYTES) await push();
    }
    await push();
    if (failure !== undefined) throw failure;
  } finally {
    out.off('error', onError);
  }
  report.seconds = (performance.now() - t0) / 1000;
  report.perSecond = report.seconds > 0 ? report.exported / report.seconds : 0;
  return report;
}
