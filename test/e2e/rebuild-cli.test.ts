import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestKey } from '../../src/core/request-key.js';
import { MODELS_DIR, REPO, tempDir } from '../helpers.js';
import { post, startHarness } from '../integration/harness.js';

const N = 300;
const BATCH = 20;
const prompt = (i: number) => `Question number ${i}: what is the history of topic ${i}?`;

/** Runs the CLI; `until` may SIGKILL it from a stderr line. Resolves with exit code/signal and stderr. */
function runCli(dataDir: string, args: string[], until?: (line: string) => boolean): Promise<{ code: number | string; stderr: string[] }> {
  const configFile = join(dataDir, 'cli-config.json');
  writeFileSync(configFile, JSON.stringify({ embedder: { models_dir: MODELS_DIR, model: 'onnx-community/all-MiniLM-L6-v2-ONNX', dtype: 'q4', threads: 1 } }));
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/rebuild-index.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, DEJAVU_DATA_DIR: dataDir, DEJAVU_CONFIG: configFile },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  createInterface({ input: proc.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (until?.(line) === true) proc.kill('SIGKILL');
  });
  return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code: code ?? signal ?? -1, stderr })));
}

const checkpointed = (dataDir: string): number => {
  const db = new Database(join(dataDir, 'dejavu.sqlite'), { readonly: true });
  const n = db.prepare('SELECT count(*) FROM reembed').pluck().get() as number;
  db.close();
  return n;
};

describe('npm run rebuild-index -- --reembed', () => {
  const tmp = tempDir('dejavu-rebuild-');
  const ids: string[] = [];
  beforeAll(async () => {
    const h = await startHarness({}, { dir: tmp.dir, cleanup: () => {} });
    for (let i = 0; i < N; i++) {
      const e = await h.service.cache.store(requestKey({ namespace: 'default', prompt: prompt(i) }), { response: `answer ${i}`, ttlSeconds: 0, metadata: null });
      ids.push(e.id);
    }
    await h.close();
    const db = new Database(join(tmp.dir, 'dejavu.sqlite'));
    db.prepare(`UPDATE entries SET embedder = 'legacy-model@q4'`).run();
    db.prepare(`UPDATE meta SET value = 'legacy-model@q4' WHERE key = 'embedder'`).run();
    db.close();
  });
  afterAll(() => tmp.cleanup());

  it('survives a SIGKILL midway and resumes without redoing finished batches', async () => {
    const killed = await runCli(tmp.dir, ['--reembed', '--batch', String(BATCH)], (line) => /reembed .* (\d+)\/300/.test(line) && Number(/ (\d+)\/300/.exec(line)![1]) >= 100);
    expect(killed.code).toBe('SIGKILL');
    const done = checkpointed(tmp.dir);
    expect(done).toBeGreaterThanOrEqual(100);
    expect(done).toBeLessThan(N);
    expect(done % BATCH).toBe(0); // only whole batches are checkpointed

    // The data dir still serves as before: exact hits, semantic lookups off (old model).
    let h = await startHarness({}, { dir: tmp.dir, cleanup: () => {} });
    expect(h.service.semanticDisabled).toMatch(/legacy-model/);
    expect((await post(h.app, '/v1/cache/lookup', { prompt: prompt(7) })).body).toMatchObject({ status: 'hit', entry: { id: ids[7] } });
    await h.close();

    const rerun = await runCli(tmp.dir, ['--reembed', '--batch', String(BATCH)]);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr.join('\n')).toContain(`resumed: ${done} already done`);
    const firstReembed = rerun.stderr.find((l) => l.startsWith('reembed'));
    expect(firstReembed).toContain(`${done + BATCH}/${N}`); // started after the checkpoint

    h = await startHarness({}, { dir: tmp.dir, cleanup: () => {} });
    expect(h.service.semanticDisabled).toBeNull();
    expect(h.service.indexLoad).toMatchObject({ rebuiltShards: 0 });
    expect((await post(h.app, '/v1/cache/lookup', { prompt: `Question number 42: what's the history of topic 42?` })).body).toMatchObject({ status: 'semantic-hit', entry: { id: ids[42] } });
    await h.close();
  });
});
