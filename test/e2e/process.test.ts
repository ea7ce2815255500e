import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers.js';
import { postJson, startChild, type Child } from './child.js';

const STORED = 'How do I reverse a list in Python?';
const PARAPHRASE = "What's the way to reverse a Python list?";

describe('the service process', () => {
  let tmp: { dir: string; cleanup: () => void };
  let child: Child | undefined;
  beforeEach(() => {
    tmp = tempDir('dejavu-e2e-');
  });
  afterEach(async () => {
    if (child !== undefined && child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    child = undefined;
    tmp.cleanup();
  });

  it('keeps an acknowledged entry across kill -9 and restart', async () => {
    child = await startChild(tmp.dir);
    const stored = await postJson(child.base, '/v1/cache/store', { prompt: STORED, response: 'reversed(xs)' });
    expect(stored.status).toBe(201);
    child.proc.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');

    child = await startChild(tmp.dir);
    const ready = await (await fetch(`${child.base}/readyz`)).json();
    expect(ready.index.rebuiltShards).toBe(1); // the index was never saved: rebuilt from SQLite
    const exact = await postJson(child.base, '/v1/cache/lookup', { prompt: STORED });
    expect(exact.body).toMatchObject({ status: 'hit', entry: { id: stored.body.id, response: 'reversed(xs)' } });
    const semantic = await postJson(child.base, '/v1/cache/lookup', { prompt: PARAPHRASE });
    expect(semantic.body).toMatchObject({ status: 'semantic-hit', entry: { id: stored.body.id } });
  });

  it('on SIGTERM drains, saves the index, closes the database and exits 0', async () => {
    child = await startChild(tmp.dir);
    const stored = await postJson(child.base, '/v1/cache/store', { prompt: STORED, response: 'reversed(xs)' });
    // Eight lookups the server has received (logged) before the signal must all complete.
    const isLookup = (l: Record<string, unknown>) => l.msg === 'incoming request' && (l.req as { url?: string } | undefined)?.url === '/v1/cache/lookup';
    const inflight = Array.from({ length: 8 }, (_, i) => postJson(child!.base, '/v1/cache/lookup', { prompt: `${PARAPHRASE} ${'?'.repeat(i)}` }));
    await child.waitForLogs(isLookup, 8);
    child.proc.kill('SIGTERM');
    const results = await Promise.all(inflight);
    for (const r of results) expect(r).toMatchObject({ status: 200, body: { hit: true } });
    expect(await child.exited).toBe(0);
    expect(child.logs.some((l) => l.msg === 'shutdown complete')).toBe(true);
    expect(existsSync(join(tmp.dir, 'index', 'manifest.json'))).toBe(true);
    expect(existsSync(join(tmp.dir, 'dejavu.sqlite-wal')) ? 'wal left' : 'clean').toBe('clean');

    child = await startChild(tmp.dir);
    const ready = await (await fetch(`${child.base}/readyz`)).json();
    expect(ready.index).toMatchObject({ loadedShards: 1, rebuiltShards: 0 });
    expect((await postJson(child.base, '/v1/cache/lookup', { prompt: PARAPHRASE })).body.entry.id).toBe(stored.body.id);
  });

  it('refuses to start a second service on the same data dir', async () => {
    child = await startChild(tmp.dir);
    await expect(startChild(tmp.dir)).rejects.toThrow(/exited \(1\)[^]*data dir is in use by process/);
    expect((await fetch(`${child.base}/readyz`)).status).toBe(200);
  });

  it('exits non-zero naming the bad field on invalid config', () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/main.ts')], { cwd: REPO, env: { ...process.env, DEJAVU_DATA_DIR: tmp.dir, ...env }, encoding: 'utf8', timeout: 30_000 });
    const badPort = run({ DEJAVU_PORT: 'eighty' });
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toMatch(/port/);
    const file = join(tmp.dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ cache: { threshold: 1.5 } }));
    const badThreshold = run({ DEJAVU_CONFIG: file });
    expect(badThreshold.status).toBe(2);
    expect(badThreshold.stderr).toMatch(/cache\.threshold/);
    writeFileSync(file, '{ not json');
    const badJson = run({ DEJAVU_CONFIG: file });
    expect(badJson.status).toBe(2);
    expect(badJson.stderr).toMatch(/not valid JSON/);
  });
});
