import { createHash } from 'node:crypto';
import hnswlib from 'hnswlib-node';
import type { IndexStats, Neighbor, ShardRef, VectorIndex } from '../core/ports.js';

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

export interface HnswParams {
  dims: number;
  m: number;
  efConstruction: number;
  /** Search beam width; raised to k when k is larger. */
  ef: number;
  /** Slots allocated for a new shard; capacity doubles when full. */
  initialCapacity?: number;
}

/** cosine space: distance = 1 - cos. The only place distance becomes similarity (0..1). */
export function distanceToSimilarity(distance: number): number {
  return Math.min(1, Math.max(0, 1 - distance));
}

/** Stable file-safe id of a namespace + partition pair. */
export function shardId(ref: ShardRef): string {
  return createHash('sha256').update(ref.namespace).update('\u0000').update(ref.partitionKey).digest('hex').slice(0, 32);
}

/** Brings a markDeleted label back to life in its own slot; false when the graph never had it.
 * (Adding it with replaceDeleted instead could put it in another freed slot while its old slot
 * still carries the label, and hnswlib would lose track of the live copy.) */
function tryRevive(g: Hnsw, label: number): boolean {
  try {
    g.unmarkDelete(label);
    return true;
  } catch {
    return false;
  }
}

/** One namespace + partition: its own HNSW graph, so a search never sees other tenants' vectors. */
export class Shard {
  /** Labels currently live (not markDeleted) in the graph. */
  readonly live = new Set<number>();
  /** Highest entry write-sequence reflected in the graph (part of the on-disk stamp). */
  maxSeq = 0;
  /** Changed since it was last written to disk. */
  dirty = true;

  constructor(
    readonly id: string,
    readonly ref: ShardRef,
    readonly hnsw: Hnsw,
  ) {}

  get deleted(): number {
    return this.hnsw.getCurrentCount() - this.live.size;
  }
}

/** Per-(namespace, partition) HNSW graphs (hnswlib-node, cosine space). */
export class ShardedHnswIndex implements VectorIndex {
  private readonly shards = new Map<string, Shard>();

  constructor(readonly params: HnswParams) {}

  newGraph(capacity: number): Hnsw {
    const g = new HierarchicalNSW('cosine', this.params.dims);
    g.initIndex({
      maxElements: Math.max(1, capacity),
      m: this.params.m,
      efConstruction: this.params.efConstruction,
      randomSeed: 100,
      allowReplaceDeleted: true,
    });
    g.setEf(this.params.ef);
    return g;
  }

  /** Reads a graph written by writeIndexSync; throws on a corrupt file. */
  readGraph(file: string): Hnsw {
    const g = new HierarchicalNSW('cosine', this.params.dims);
    g.readIndexSync(file, true);
    if (g.getNumDimensions() !== this.params.dims) throw new Error(`graph has ${g.getNumDimensions()} dims, expected ${this.params.dims}`);
    return g;
  }

  /** Installs a graph (freshly built or read from disk) for a shard, replacing any previous one. */
  install(ref: ShardRef, hnsw: Hnsw, live: Iterable<number>, maxSeq: number, dirty: boolean): Shard {
    const shard = new Shard(shardId(ref), { namespace: ref.namespace, partitionKey: ref.partitionKey }, hnsw);
    for (const l of live) shard.live.add(l);
    shard.maxSeq = maxSeq;
    shard.dirty = dirty;
    hnsw.setEf(this.params.ef);
    this.shards.set(shard.id, shard);
    return shard;
  }

  private shardFor(ref: ShardRef): Shard {
    const existing = this.shards.get(shardId(ref));
    return existing ?? this.install(ref, this.newGraph(this.params.initialCapacity ?? 16), [], 0, true);
  }

  add(ref: ShardRef, label: number, vector: Float32Array, seq: number): void {
    const shard = this.shardFor(ref);
    const g = shard.hnsw;
    const point = Array.from(vector);
    if (shard.live.has(label) || tryRevive(g, label)) {
      g.addPoint(point, label); // hnswlib updates the existing element in place
      shard.live.add(label);
    } else {
      const reuse = shard.deleted > 0;
      if (!reuse && g.getCurrentCount() >= g.getMaxElements()) g.resizeIndex(g.getMaxElements() * 2);
      g.addPoint(point, label, reuse);
      shard.live.add(label);
    }
    shard.maxSeq = Math.max(shard.maxSeq, seq);
    shard.dirty = true;
  }

  remove(ref: ShardRef, label: number): boolean {
    const shard = this.shards.get(shardId(ref));
    if (shard === undefined || !shard.live.has(label)) return false;
    shard.hnsw.markDelete(label);
    shard.live.delete(label);
    shard.dirty = true;
    return true;
  }

  getShard(id: string): Shard | undefined {
    return this.shards.get(id);
  }

  /** Forgets one shard (e.g. after its last entry was deleted). */
  dropShard(id: string): void {
    this.shards.delete(id);
  }

  dropNamespace(namespace: string): void {
    for (const [id, shard] of this.shards) if (shard.ref.namespace === namespace) this.shards.delete(id);
  }

  search(ref: ShardRef, vector: Float32Array, k: number): Neighbor[] {
    const shard = this.shards.get(shardId(ref));
    if (shard === undefined || shard.live.size === 0) return [];
    const g = shard.hnsw;
    const kk = Math.min(k, shard.live.size);
    if (g.getEf() < kk) g.setEf(kk);
    const { neighbors, distances } = g.searchKnn(Array.from(vector), kk);
    return neighbors.map((label, i) => ({ label, similarity: distanceToSimilarity(distances[i] as number) }));
  }

  vector(ref: ShardRef, label: number): Float32Array | null {
    const shard = this.shards.get(shardId(ref));
    if (shard === undefined || !shard.live.has(label)) return null;
    return Float32Array.from(shard.hnsw.getPoint(label));
  }

  stats(): IndexStats {
    let size = 0;
    let capacity = 0;
    let deleted = 0;
    for (const s of this.shards.values()) {
      size += s.live.size;
      capacity += s.hnsw.getMaxElements();
      deleted += s.deleted;
    }
    return { size, capacity, deleted, shards: this.shards.size };
  }

  allShards(): IterableIterator<Shard> {
    return this.shards.values();
  }
}
