import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EntryStore, ShardStamp } from '../core/ports.js';
import { shardId, type ShardedHnswIndex } from './hnsw-index.js';

/** On-disk layout: `<dir>/manifest.json` plus one `<shard id>.hnsw` per shard. The manifest is
 * written last (temp file, then rename), so it only ever names complete, checksummed files. */
const FORMAT = 1;
const MANIFEST = 'manifest.json';

interface ManifestShard {
  namespace: string;
  partition_key: string;
  bytes: number;
  sha256: string;
  /** Live vectors and highest entry write-sequence in the file: compared with SQLite at load. */
  count: number;
  max_seq: number;
}

interface Manifest {
  format: number;
  embedder: string;
  dims: number;
  m: number;
  saved_at: string;
  shards: Record<string, ManifestShard>;
}

export interface IndexLoadReport {
  loadedShards: number;
  rebuiltShards: number;
  rebuiltVectors: number;
  /** Why shards were rebuilt (first few distinct reasons). */
  reasons: string[];
  ms: number;
}

/** Hashes in 4 MiB chunks: shard files of large indexes run to gigabytes. */
function sha256File(path: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(4 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function readManifest(dir: string): Manifest | string {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return 'no saved index';
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
    if (m.format !== FORMAT || typeof m.shards !== 'object' || m.shards === null) return 'unknown manifest format';
    return m;
  } catch (err) {
    return `unreadable manifest (${(err as Error).message})`;
  }
}

/** Dimensions of the index saved in `dir` for `embedder`, or null when none was saved for it: lets
 * startup open the saved index before the model has loaded and reported its dims. */
export function savedIndexDims(dir: string, embedder: string): number | null {
  const m = readManifest(dir);
  if (typeof m === 'string' || m.embedder !== embedder || !Number.isInteger(m.dims) || m.dims <= 0) return null;
  return m.dims;
}

export interface PersistOptions {
  dir: string;
  embedder: string;
}

/** Writes dirty shards (each via temp file + rename), then the manifest, then removes stale files. */
export function saveIndex(index: ShardedHnswIndex, opts: PersistOptions): { written: number } {
  mkdirSync(opts.dir, { recursive: true });
  const previous = readManifest(opts.dir);
  const prevShards = typeof previous === 'string' || previous.embedder !== opts.embedder ? {} : previous.shards;
  const shards: Record<string, ManifestShard> = {};
  let written = 0;
  for (const shard of index.allShards()) {
    const file = join(opts.dir, `${shard.id}.hnsw`);
    const prev = prevShards[shard.id];
    if (!shard.dirty && prev !== undefined && existsSync(file)) {
      shards[shard.id] = prev;
      continue;
    }
    const tmp = `${file}.tmp-${process.pid}`;
    shard.hnsw.writeIndexSync(tmp);
    const entry: ManifestShard = {
      namespace: shard.ref.namespace,
      partition_key: shard.ref.partitionKey,
      bytes: statSync(tmp).size,
      sha256: sha256File(tmp),
      count: shard.live.size,
      max_seq: shard.maxSeq,
    };
    renameSync(tmp, file);
    shards[shard.id] = entry;
    shard.dirty = false;
    written += 1;
  }
  const manifest: Manifest = { format: FORMAT, embedder: opts.embedder, dims: index.params.dims, m: index.params.m, saved_at: new Date().toISOString(), shards };
  writeFileAtomic(join(opts.dir, MANIFEST), JSON.stringify(manifest));
  for (const name of readdirSync(opts.dir)) {
    const stale = name.endsWith('.hnsw') && shards[name.slice(0, -'.hnsw'.length)] === undefined;
    if (stale || name.includes('.tmp-')) rmSync(join(opts.dir, name), { force: true });
  }
  return { written };
}

function isManifestShard(v: unknown): v is ManifestShard {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return typeof s.count === 'number' && typeof s.max_seq === 'number' && typeof s.bytes === 'number' && typeof s.sha256 === 'string';
}

/** Why the saved file of a shard cannot be used, or null when it matches SQLite. */
function fileProblem(dir: string, id: string, saved: ManifestShard | undefined, stamp: ShardStamp): string | null {
  if (!isManifestShard(saved)) return 'shard missing from manifest';
  if (saved.count !== stamp.count || saved.max_seq !== stamp.maxSeq) return 'saved shard is older than the database';
  const file = join(dir, `${id}.hnsw`);
  if (!existsSync(file)) return 'shard file missing';
  if (statSync(file).size !== saved.bytes) return 'shard file truncated or resized';
  if (sha256File(file) !== saved.sha256) return 'shard file checksum mismatch';
  return null;
}

/** Rebuilds one shard's graph from the embeddings stored in SQLite (also compaction: the new
 * graph has no deleted slots). Returns the number of vectors. */
export function rebuildShard(index: ShardedHnswIndex, store: EntryStore, stamp: ShardStamp, embedder: string): number {
  const graph = index.newGraph(Math.max(16, Math.ceil(stamp.count * 1.25)));
  const labels: number[] = [];
  let maxSeq = 0;
  for (const v of store.shardVectors(stamp, embedder)) {
    graph.addPoint(Array.from(v.embedding), v.label);
    labels.push(v.label);
    maxSeq = Math.max(maxSeq, v.seq);
  }
  index.install(stamp, graph, labels, maxSeq, true);
  return labels.length;
}

/** Loads every shard whose saved file matches SQLite; rebuilds the others from stored embeddings.
 * Never throws for a missing, stale, truncated or corrupt index: it rebuilds instead. */
export function loadIndex(index: ShardedHnswIndex, store: EntryStore, opts: PersistOptions): IndexLoadReport {
  const t0 = performance.now();
  const report: IndexLoadReport = { loadedShards: 0, rebuiltShards: 0, rebuiltVectors: 0, reasons: [], ms: 0 };
  const note = (reason: string): void => {
    if (!report.reasons.includes(reason) && report.reasons.length < 5) report.reasons.push(reason);
  };
  const manifest = readManifest(opts.dir);
  let saved: Record<string, ManifestShard> = {};
  if (typeof manifest === 'string') note(manifest);
  else if (manifest.embedder !== opts.embedder || manifest.dims !== index.params.dims || manifest.m !== index.params.m) {
    note('saved index was built with another model or parameters');
  } else saved = manifest.shards;

  for (const stamp of store.shardStamps(opts.embedder)) {
    const id = shardId(stamp);
    const problem = fileProblem(opts.dir, id, saved[id], stamp);
    if (problem === null) {
      try {
        const graph = index.readGraph(join(opts.dir, `${id}.hnsw`));
        index.install(stamp, graph, store.shardLabels(stamp, opts.embedder), stamp.maxSeq, false);
        report.loadedShards += 1;
        continue;
      } catch (err) {
        note(`shard file unreadable (${(err as Error).message})`);
      }
    } else note(problem);
    report.rebuiltVectors += rebuildShard(index, store, stamp, opts.embedder);
    report.rebuiltShards += 1;
  }
  report.ms = performance.now() - t0;
  return report;
}

/** Writes a whole index into a fresh directory beside `dir`, then swaps it in with renames, so the
 * old files are never overwritten in place. A crash between the renames leaves no `dir`: the next
 * start rebuilds from SQLite. */
export function replaceIndexDir(index: ShardedHnswIndex, opts: PersistOptions): void {
  const next = `${opts.dir}.next`;
  const old = `${opts.dir}.old`;
  rmSync(next, { recursive: true, force: true });
  for (const shard of index.allShards()) shard.dirty = true;
  saveIndex(index, { ...opts, dir: next });
  rmSync(old, { recursive: true, force: true });
  if (existsSync(opts.dir)) renameSync(opts.dir, old);
  renameSync(next, opts.dir);
  rmSync(old, { recursive: true, force: true });
}
