import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MODELS_DIR, REPO, runNpmScript, tempDir, type ScriptRun } from '../helpers.js';

type Run = ScriptRun;

/** Runs `npm run cache -- ...args` the way a user would. */
const npmCache = (args: string[], env: Record<string, string>): Promise<Run> => runNpmScript('cache', args, env);

describe('npm run cache (child process)', () => {
  let tmp: { dir: string; cleanup: () => void };
  let env: Record<string, string>;
  beforeEach(() => {
    tmp = tempDir('dejavu-cache-cli-');
    const config = join(tmp.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ embedder: { models_dir: MODELS_DIR, model: 'onnx-community/all-MiniLM-L6-v2-ONNX', dtype: 'q4', threads: 1 } }));
    env = { DEJAVU_CONFIG: config, DEJAVU_DATA_DIR: join(tmp.dir, 'data') };
  });
  afterEach(() => tmp.cleanup());

  it('imports the good lines, names the bad one, exits 0; export > file imports back cleanly', async () => {
    const file = join(tmp.dir, 'in.jsonl');
    const lines = [
      { prompt: 'How do I reverse a list in Python?', response: 'xs[::-1]', model: 'gpt-4o-mini', ttl_seconds: 3600 },
      { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is the capital of France?' }], response: 'Paris', namespace: 'chat' },
      'not json at all',
      { prompt: 'How do I bake bread?', response: 'Knead, proof, bake.', metadata: { source: 'test' } },
    ].map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));
    writeFileSync(file, `${lines.join('\n')}\n`);

    const imported = await npmCache(['import', file], env);
    expect(imported.stderr).toContain('line 3: invalid JSON');
    expect(imported.stderr).toMatch(/imported 3, skipped 1 \(bad lines: 3\) in [\d.]+s, [\d,]+ entries\/s/);
    expect(imported.code).toBe(0);
    expect(imported.stdout).not.toContain('{'); // nothing but npm's banner on stdout

    // Plain `npm run` puts its banner on stdout, so the redirected file starts with it.
    const exported = await npmCache(['export'], env);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/exported 3 entries/);
    const dump = join(tmp.dir, 'dump.jsonl');
    writeFileSync(dump, exported.stdout);
    const json = exported.stdout.split('\n').filter((l) => l.startsWith('{'));
    expect(json.map((l) => (JSON.parse(l) as { prompt: string }).prompt)).toEqual(['How do I reverse a list in Python?', 'What is the capital of France?', 'How do I bake bread?']);

    const again = await npmCache(['import', dump], { ...env, DEJAVU_DATA_DIR: join(tmp.dir, 'data2') });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/imported 3, skipped 0 in/);
    expect(again.stderr).toContain('"npm run" banner lines');
  }, 120_000);

  it('exits 1 with advice when the data dir is locked by a running service, and for a missing file', async () => {
    const file = join(tmp.dir, 'in.jsonl');
    writeFileSync(file, '{"prompt": "p", "response": "r"}\n');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(tmp.dir, 'data'), { recursive: true });
    writeFileSync(join(tmp.dir, 'data', 'dejavu.lock'), String(process.pid)); // a live process holds it
    const locked = await npmCache(['import', file], env);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(new RegExp(`in use by process ${process.pid}.*Stop the service first, or point DEJAVU_DATA_DIR at another data dir`));
    expect(readFileSync(join(tmp.dir, 'data', 'dejavu.lock'), 'utf8')).toBe(String(process.pid)); // not taken over

    const missing = await npmCache(['import', join(tmp.dir, 'nope.jsonl')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope\.jsonl/);
  }, 60_000);
});
