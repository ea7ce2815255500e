import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { MODELS_DIR, REPO } from '../helpers.js';

/** Finds a free loopback port by binding port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface Child {
  proc: ChildProcess;
  base: string;
  logs: Array<Record<string, unknown>>;
  stderr: string[];
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  /** Resolves once `count` log records (counting those already seen) satisfy `pred`. */
  waitForLogs(pred: (rec: Record<string, unknown>) => boolean, count: number): Promise<void>;
}

/** Starts `src/main.ts` in a child process; resolves once it logs "ready" (or rejects on exit). */
export async function startChild(dataDir: string, env: Record<string, string> = {}): Promise<Child> {
  const port = await freePort();
  const configFile = join(dataDir, 'test-config.json');
  const { writeFileSync } = await import('node:fs');
  // Cosine decisions (see testConfig); the embedder runs in its default worker pool, as in production.
  writeFileSync(configFile, JSON.stringify({ cache: { decision: 'cosine' }, embedder: { models_dir: MODELS_DIR, model: 'onnx-community/all-MiniLM-L6-v2-ONNX', dtype: 'q4', threads: 2 } }));
  const events = new EventEmitter();
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/main.ts')], {
    cwd: REPO,
    env: { ...process.env, DEJAVU_PORT: String(port), DEJAVU_HOST: '127.0.0.1', DEJAVU_DATA_DIR: dataDir, DEJAVU_CONFIG: configFile, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child: Child = {
    proc,
    base: `http://127.0.0.1:${port}`,
    logs: [],
    stderr: [],
    exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1))),
    waitForLogs: (pred, count) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (child.logs.filter(pred).length >= count) {
            events.off('log', check);
            resolve();
          }
        };
        events.on('log', check);
        check();
      }),
  };
  createInterface({ input: proc.stderr! }).on('line', (l) => child.stderr.push(l));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        child.logs.push(rec);
        events.emit('log');
        if (rec.msg === 'ready') resolve();
      } catch {
        child.stderr.push(line);
      }
    });
    void child.exited.then((code) => {
      const said = child.logs.map((l) => l.msg).concat(child.stderr).join('\n');
      reject(new Error(`child exited (${code}) before ready: ${said}`));
    });
  });
  await ready;
  return child;
}

export async function postJson(base: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}
