import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EmbedPoolOptions } from './pool.js';
import type { EmbedWorkerInit, EmbedWorkerMessage, EmbedWorkerRequest } from './pool-protocol.js';

/** Starting and stopping the embedding pool's worker threads (pool.ts keeps the jobs). */

export interface WorkerEntry {
  url: URL;
  execArgv: string[] | undefined;
}

/** The worker entry next to this module, with this module's extension: `embed-worker.js` from
 * dist/, `embed-worker.ts` when running TypeScript (tsx, vitest). A .ts worker starts from a tiny
 * ESM bootstrap that registers tsx's loader (a devDependency, resolved from here) and then imports
 * the entry: on Node 20 a worker's `execArgv: ['--import', 'tsx']` runs tsx's register() too late
 * for the worker's own entry module (ERR_UNKNOWN_FILE_EXTENSION ".ts", tsx issue #354). */
export function workerEntry(): WorkerEntry {
  const here = import.meta.url;
  const ts = /\.[cm]?ts$/.test(new URL(here).pathname);
  const entry = new URL(`./embed-worker.${ts ? 'ts' : 'js'}`, here);
  if (!ts) return { url: entry, execArgv: undefined };
  const require = createRequire(here);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import?: { default?: string } }> };
  const api = pkg.exports['./esm/api']?.import?.default;
  if (api === undefined) throw new Error(`cannot find tsx's ESM API in ${pkgPath}`);
  const apiUrl = pathToFileURL(join(dirname(pkgPath), api)).href;
  const code = `const { register } = await import(${JSON.stringify(apiUrl)});\nregister();\nawait import(${JSON.stringify(entry.href)});\n`;
  return { url: new URL(`data:text/javascript,${encodeURIComponent(code)}`), execArgv: [] };
}

/** Each worker's exit code, once it has exited. */
const exits = new WeakMap<Worker, Promise<number>>();

/** Asks a worker to exit (it does between two onnxruntime calls) and waits until it has; a worker
 * stuck for `graceMs` is terminated (see EmbedWorkerRequest for why that is the last resort). */
export async function stopWorker(worker: Worker, graceMs = 10_000): Promise<void> {
  const exited = exits.get(worker);
  if (exited === undefined) return;
  worker.ref(); // an exiting worker keeps the process alive until it is gone
  worker.postMessage({ type: 'exit', code: 0 } satisfies EmbedWorkerRequest);
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'stuck'>((resolve) => {
    timer = setTimeout(() => resolve('stuck'), graceMs);
  });
  if ((await Promise.race([exited, stuck])) === 'stuck') await worker.terminate();
  clearTimeout(timer);
}

/** Starts one worker; `ready` resolves with the model's dims once it loaded, or rejects. */
export function spawnWorker(entry: WorkerEntry, opts: EmbedPoolOptions): { worker: Worker; ready: Promise<number> } {
  const init: EmbedWorkerInit = { modelsDir: opts.modelsDir, model: opts.model, dtype: opts.dtype, threads: opts.threads };
  const worker = new Worker(entry.url, { workerData: init, execArgv: entry.execArgv, name: 'dejavu-embed' });
  // An uncaught exception ends the worker: 'exit' follows, and the pool handles that.
  worker.on('error', () => {});
  exits.set(worker, new Promise((resolve) => worker.once('exit', resolve)));
  const ready = new Promise<number>((resolve, reject) => {
    const onMessage = (msg: EmbedWorkerMessage): void => {
      if (msg.type === 'ready') done(() => resolve(msg.dims));
      else if (msg.type === 'load_failed') done(() => reject(new Error(`embedding worker failed to load the model: ${msg.message}`)));
    };
    const onError = (err: Error): void => done(() => reject(new Error(`embedding worker failed to start: ${err.message}`)));
    const onExit = (code: number): void => done(() => reject(new Error(`embedding worker exited (code ${code}) while loading the model`)));
    const done = (settle: () => void): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      settle();
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
  return { worker, ready };
}
