import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../src/store/dir-lock.js';
import { tempDir } from '../helpers.js';

describe('lockDataDir', () => {
  let tmp: { dir: string; cleanup: () => void };
  let lock: string;
  beforeEach(() => {
    tmp = tempDir();
    lock = join(tmp.dir, 'dejavu.lock');
  });
  afterEach(() => tmp.cleanup());

  it('creates a pid file and removes it on release', () => {
    const release = lockDataDir(lock);
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(lock)).toBe(false);
  });

  it('refuses a dir locked by another live process', () => {
    writeFileSync(lock, String(process.ppid));
    expect(() => lockDataDir(lock)).toThrow(/in use by process/);
    expect(readFileSync(lock, 'utf8')).toBe(String(process.ppid));
  });

  it('takes over a lock left by a dead process (kill -9)', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(lock, dead.stdout);
    const release = lockDataDir(lock);
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    release();
  });

  it('takes over a garbage lock file', () => {
    writeFileSync(lock, 'not a pid');
    lockDataDir(lock)();
  });
});
