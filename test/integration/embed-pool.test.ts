import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/core/ports.js';
import { OverloadedError } from '../../src/errors.js';
import { embedderFromConfig, threadsPerWorker } from '../../src/embedding/from-config.js';
import { MemoEmbedder } from '../../src/embedding/memo-embedder.js';
import { EmbedPool, EmbedWorkerError, type EmbedPoolOptions } from '../../src/embedding/pool.js';
import type { EmbedWorkerRequest } from '../../src/embedding/pool-protocol.js';
import type { TransformersEmbedder } from '../../src/embedding/transformers-embedder.js';
import { buildApp } from '../../src/app.js';
import { Ready } from '../../src/ready.js';
import { openService } from '../../src/service.js';
import { CountingEmbedder, MODELS_DIR, realEmbedder, tempDir, testConfig } from '../helpers.js';
import { post, startHarness } from './harness.js';

const MODEL = { modelsDir: MODELS_DIR, model: 'onnx-community/all-MiniLM-L6-v2-ONNX', dtype: 'q4', threads: 1 } as const;
const poolOf = (opts: Partial<EmbedPoolOptions> = {}): Promise<EmbedPool> => EmbedPool.start({ ...MODEL, workers: 2, queueLimit: 1000, ...opts });

const TEXTS = [
  'What is the capital of France?',
  'how do I reverse a linked list in C',
  'Explain photosynthesis to a ten year old.',
  'Schreibe ein Gedicht über den Herbst',
  '2 + 2 = ?',
  '',
];
/** Long enough (~900 KB) that the worker is busy tokenising it for a good fraction of a second. */
const SLOW_TEXT = 'lorem ipsum dolor '.repeat(50_000);

const maxAbsDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - (b[i] as number))), 0);

/** Promise.allSettled split into values and reasons. */
async function settle<T>(ps: Array<Promise<T>>): Promise<{ ok: T[]; failed: unknown[] }> {
  const rs = await Promise.allSettled(ps);
  return {
    ok: rs.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    failed: rs.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
  };
}

/** Resolves when the worker thread has ended. */
const exited = (w: { threadId: number; once(e: 'exit', f: () => void): unknown }): Promise<void> =>
  new Promise((resolve) => (w.threadId === -1 ? resolve() : w.once('exit', () => resolve())));

let inThread: TransformersEmbedder;
let pool: EmbedPool;

beforeAll(async () => {
  [inThread, pool] = await Promise.all([realEmbedder(), poolOf()]);
});
afterAll(async () => {
  await pool.close();
});

describe('EmbedPool', () => {
  it('returns the same vectors as the in-thread embedder, with the same id, dims and window', async () => {
    expect(pool.modelId).toBe(inThread.modelId);
    expect(pool.dims).toBe(inThread.dims);
    const [fromPool, fromThread] = await Promise.all([Promise.all(TEXTS.map((t) => pool.embed(t))), Promise.all(TEXTS.map((t) => inThread.embed(t)))]);
    for (let i = 0; i < TEXTS.length; i++) {
      expect(fromPool[i]).toBeInstanceOf(Float32Array);
      expect(fromPool[i]!.length).toBe(inThread.dims);
      expect(maxAbsDiff(fromPool[i]!, fromThread[i]!)).toBeLessThan(1e-6);
    }
    for (const t of ['short', 'word '.repeat(200), 'word '.repeat(510), 'word '.repeat(511), 'word '.repeat(600), 'x'.repeat(5000)]) expect(pool.fits(t)).toBe(inThread.fits(t));
    expect(pool.fits('word '.repeat(510))).toBe(true); // 510 + [CLS] + [SEP] = 512
    expect(pool.fits('word '.repeat(511))).toBe(false);
  });

  it('spreads concurrent jobs over the workers and queues the rest', async () => {
    const before = pool.stats().embedded;
    const texts = Array.from({ length: 40 }, (_, i) => `concurrent prompt number ${i}`);
    const embeds = texts.map((t) => pool.embed(t));
    expect(pool.stats()).toMatchObject({ busy: 2, queued: 38 });
    const vs = await Promise.all(embeds);
    expect(new Set(vs.map((v) => v[0])).size).toBe(40);
    expect(maxAbsDiff(vs[7]!, await inThread.embed(texts[7]!))).toBeLessThan(1e-6);
    expect(pool.stats()).toMatchObject({ busy: 0, queued: 0, embedded: before + 40 });
  });

  it('a full queue refuses more jobs with OverloadedError (503) while the accepted ones complete', async () => {
    const small = await poolOf({ workers: 1, queueLimit: 2 });
    try {
      const texts = Array.from({ length: 10 }, (_, i) => `overflow prompt ${i}`);
      const { ok, failed } = await settle(texts.map((t) => small.embed(t)));
      // one running + two waiting accepted, the other seven refused at once
      expect(ok).toHaveLength(3);
      expect(failed).toHaveLength(7);
      for (const err of failed) {
        expect(err).toBeInstanceOf(OverloadedError);
        expect(err).toMatchObject({ statusCode: 503, code: 'overloaded' });
      }
      expect(maxAbsDiff(ok[2]!, await inThread.embed(texts[2]!))).toBeLessThan(1e-6);
      expect(small.stats()).toMatchObject({ rejected: 7, embedded: 3, queued: 0 });
      // the queue drained: new jobs are accepted again
      expect((await small.embed('after the burst')).length).toBe(384);
    } finally {
      await small.close();
    }
  });

  it('a worker that dies with a job in flight fails that job only and is replaced; the others complete', async () => {
    // An exit request the pool did not send is a crash to it. Sent before the job, it ends the
    // worker before the worker reads the job, so the job is in flight when the worker dies.
    const victim = pool.threads[0]!;
    victim.postMessage({ type: 'exit', code: 1 } satisfies EmbedWorkerRequest);
    const texts = Array.from({ length: 12 }, (_, i) => `job during a crash ${i}`);
    const jobs = texts.map((t) => pool.embed(t)); // the first goes to the victim, the first idle worker
    const [first, ...rest] = await Promise.allSettled(jobs);
    expect(first?.status).toBe('rejected');
    const err = (first as PromiseRejectedResult).reason as unknown;
    expect(err).toBeInstanceOf(EmbedWorkerError);
    expect(err).toMatchObject({ statusCode: 503, code: 'embedder_unavailable', message: expect.stringMatching(/exited \(code 1\) while embedding/) });
    expect(rest.every((r) => r.status === 'fulfilled')).toBe(true);
    await pool.settled();
    expect(pool.stats()).toMatchObject({ workers: 2, ready: 2, respawns: 1 });
    expect(pool.threads).not.toContain(victim);
    const again = await Promise.all(texts.map((t) => pool.embed(t)));
    expect(maxAbsDiff(again[0]!, await inThread.embed(texts[0]!))).toBeLessThan(1e-6);
  });

  it('worker.terminate() on an idle worker: it is replaced and the running and queued jobs complete', async () => {
    // Only an idle worker: terminating one inside a native onnxruntime call aborts the process.
    const texts = Array.from({ length: 10 }, (_, i) => `job around a terminate ${i}`);
    const running = pool.embed(texts[0]!); // on the first worker
    const idle = pool.threads[1]!;
    expect(pool.stats()).toMatchObject({ busy: 1 });
    await idle.terminate();
    const queued = texts.slice(1).map((t) => pool.embed(t));
    const vs = await Promise.all([running, ...queued]);
    expect(vs).toHaveLength(10);
    expect(maxAbsDiff(vs[9]!, await inThread.embed(texts[9]!))).toBeLessThan(1e-6);
    await pool.settled();
    expect(pool.stats()).toMatchObject({ workers: 2, ready: 2, respawns: 2 });
  });

  it('queued jobs survive the death of the only worker', async () => {
    const single = await poolOf({ workers: 1 });
    try {
      single.threads[0]!.postMessage({ type: 'exit', code: 1 } satisfies EmbedWorkerRequest);
      const jobs = ['first', 'second', 'third', 'fourth'].map((t) => single.embed(t));
      expect(single.stats()).toMatchObject({ busy: 1, queued: 3 });
      const [first, ...rest] = await Promise.allSettled(jobs);
      expect(first?.status).toBe('rejected');
      expect((first as PromiseRejectedResult).reason).toBeInstanceOf(EmbedWorkerError);
      expect(rest.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect(single.stats()).toMatchObject({ workers: 1, respawns: 1, embedded: 3 });
    } finally {
      await single.close();
    }
  });

  it('close() fails pending jobs, ends every worker and refuses new jobs; it is idempotent', async () => {
    const p = await poolOf();
    const workers = [...p.threads];
    const jobs = Array.from({ length: 6 }, (_, i) => p.embed(`closing ${i}`));
    const outcome = settle(jobs);
    await p.close();
    const { failed } = await outcome;
    expect(failed).toHaveLength(6);
    for (const err of failed) expect(err).toBeInstanceOf(EmbedWorkerError);
    await Promise.all(workers.map(exited));
    expect(workers.every((w) => w.threadId === -1)).toBe(true);
    await expect(p.embed('after close')).rejects.toBeInstanceOf(EmbedWorkerError);
    await p.close();
    expect(p.stats()).toMatchObject({ workers: 0, queued: 0 });
  });

  it('start() fails (and leaves no worker behind) when the model is missing', async () => {
    const { dir, cleanup } = tempDir();
    try {
      await expect(EmbedPool.start({ ...MODEL, modelsDir: dir, workers: 1, queueLimit: 1 })).rejects.toThrow(/not found: run "npm install"/);
    } finally {
      cleanup();
    }
  });
});

describe('MemoEmbedder', () => {
  it('embeds concurrent identical texts once and answers repeats from the memo', async () => {
    const counting = new CountingEmbedder(pool);
    const memo = new MemoEmbedder(counting, 100);
    const texts = [...Array<string>(20).fill('the same prompt'), ...Array<string>(5).fill('another prompt')];
    const vs = await Promise.all(texts.map((t) => memo.embed(t)));
    expect(counting.calls).toBe(2);
    expect(memo.stats()).toMatchObject({ size: 2, misses: 2, shared: 23, hits: 0 });
    expect(maxAbsDiff(vs[0]!, await inThread.embed('the same prompt'))).toBeLessThan(1e-6);
    expect(maxAbsDiff(vs[0]!, vs[19]!)).toBe(0);
    // every caller owns its copy
    vs[0]![0] = 42;
    expect(vs[1]![0]).not.toBe(42);
    const later = await memo.embed('the same prompt');
    expect(later[0]).not.toBe(42);
    expect(counting.calls).toBe(2);
    expect(memo.stats().hits).toBe(1);
    expect(memo.modelId).toBe(pool.modelId);
    expect(memo.dims).toBe(384);
    expect(memo.fits('word '.repeat(600))).toBe(false);
  });

  it('forgets the least recently used text first', async () => {
    const counting = new CountingEmbedder(pool);
    const memo = new MemoEmbedder(counting, 2);
    await memo.embed('a');
    await memo.embed('b');
    await memo.embed('a'); // a is now the most recent
    await memo.embed('c'); // evicts b
    expect(counting.calls).toBe(3);
    await memo.embed('a');
    await memo.embed('c');
    expect(counting.calls).toBe(3);
    await memo.embed('b');
    expect(counting.calls).toBe(4);
    expect(memo.stats().size).toBe(2);
  });

  it('does not remember failures: every waiter gets the error and the next call tries again', async () => {
    let fail = true;
    const flaky: Embedder = {
      modelId: 'flaky', dims: 384, fits: () => true,
      embed: (t) => (fail ? Promise.reject(new OverloadedError()) : pool.embed(t)),
    };
    const counting = new CountingEmbedder(flaky);
    const memo = new MemoEmbedder(counting, 10);
    const { failed } = await settle([memo.embed('x'), memo.embed('x'), memo.embed('x')]);
    expect(failed).toHaveLength(3);
    expect(counting.calls).toBe(1);
    fail = false;
    expect((await memo.embed('x')).length).toBe(384);
    expect(counting.calls).toBe(2);
    expect(memo.stats()).toMatchObject({ size: 1 });
  });

  it('with capacity 0 remembers nothing but still shares in-flight embeddings', async () => {
    const counting = new CountingEmbedder(pool);
    const memo = new MemoEmbedder(counting, 0);
    await Promise.all([memo.embed('zero'), memo.embed('zero')]);
    expect(counting.calls).toBe(1);
    await memo.embed('zero');
    expect(counting.calls).toBe(2);
    expect(memo.stats().size).toBe(0);
  });
});

describe('the service and the HTTP app', () => {
  it('workers > 0 in the config builds a memoised pool, closed with the service', async () => {
    expect(threadsPerWorker(2, 2)).toBe(1);
    expect(threadsPerWorker(4, 2)).toBe(2);
    expect(threadsPerWorker(1, 2)).toBe(1);
    const tmp = tempDir();
    try {
      const config = testConfig(tmp.dir, { embedder: { models_dir: MODELS_DIR, threads: 2, workers: 2, queue_limit: 8, memo_size: 50 } });
      const service = await openService(config);
      const memo = service.embedder as MemoEmbedder;
      expect(memo).toBeInstanceOf(MemoEmbedder);
      expect(memo.inner).toBeInstanceOf(EmbedPool);
      const inner = memo.inner as EmbedPool;
      expect(inner.stats()).toMatchObject({ workers: 2, ready: 2 });
      const workers = [...inner.threads];
      const v = await memo.embed('hello from the service');
      expect(maxAbsDiff(v, await inThread.embed('hello from the service'))).toBeLessThan(1e-6);
      await service.close();
      await Promise.all(workers.map(exited));
      await expect(memo.embed('a new text after close')).rejects.toBeInstanceOf(EmbedWorkerError);
    } finally {
      tmp.cleanup();
    }
  });

  it('opens a saved index while the workers load; a model that fails to load releases the data dir', async () => {
    const h = await startHarness();
    try {
      const id = (await post(h.app, '/v1/cache/store', { prompt: 'How do I reverse a list in Python?', response: 'reversed()' })).body?.id as string;
      await h.close(); // saves the index
      const pool = { threads: 2, workers: 2, queue_limit: 8, memo_size: 0 };
      const service = await openService(testConfig(h.dataDir, { embedder: { models_dir: MODELS_DIR, ...pool } }));
      try {
        expect(service.indexLoad).toMatchObject({ loadedShards: 1, rebuiltShards: 0 });
        const app = buildApp({ config: testConfig(h.dataDir), cache: Ready.of(service.cache) });
        expect((await post(app, '/v1/cache/lookup', { prompt: "What's the way to reverse a Python list?" })).body).toMatchObject({ status: 'semantic-hit', entry: { id } });
        await app.close();
      } finally {
        await service.close();
      }
      const empty = tempDir();
      try {
        // Same model name, so the saved index is opened first; then the workers find no model files.
        await expect(openService(testConfig(h.dataDir, { embedder: { models_dir: empty.dir, ...pool } }))).rejects.toThrow(/model/i);
      } finally {
        empty.cleanup();
      }
      const again = await openService(testConfig(h.dataDir, { embedder: { models_dir: MODELS_DIR, ...pool } }));
      expect(again.store.count()).toBe(1);
      await again.close();
    } finally {
      await h.cleanup();
    }
  });

  it('workers = 0 embeds on the main thread, still behind the memo', async () => {
    const built = await embedderFromConfig(testConfig('/unused', { embedder: { models_dir: MODELS_DIR, threads: 1, workers: 0, memo_size: 5 } }));
    try {
      expect(built.inner).not.toBeInstanceOf(EmbedPool);
      const v = await built.embed('main thread');
      expect(maxAbsDiff(v, await inThread.embed('main thread'))).toBeLessThan(1e-6);
      await built.embed('main thread');
      expect(built.stats()).toMatchObject({ misses: 1, hits: 1 });
    } finally {
      await built.close();
    }
  });

  it('an overloaded lookup answers 503 JSON with Retry-After; lookups succeed again once the queue drains', async () => {
    const tight = await poolOf({ workers: 1, queueLimit: 0 });
    const h = await startHarness({}, undefined, { embedder: () => tight });
    try {
      // Occupy the only worker (no waiting room): the lookup's embedding has nowhere to go.
      const busy = tight.embed(SLOW_TEXT);
      const res = await post(h.app, '/v1/cache/lookup', { prompt: 'is anyone free?' });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.body).toEqual({ error: { code: 'overloaded', message: expect.stringMatching(/queue is full/) } });
      expect((await busy).length).toBe(384);
      const ok = await post(h.app, '/v1/cache/lookup', { prompt: 'is anyone free?' });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ hit: false, status: 'miss' });
    } finally {
      await h.cleanup();
      await tight.close();
    }
  });
});
