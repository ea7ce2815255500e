import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { tempDir } from '../helpers.js';

/** Runs fn, expects a ConfigError and returns its message. */
function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('invalid_config');
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('dejavu-config-');
});
afterEach(() => tmp.cleanup());

function writeConfig(value: unknown, name = 'config.json'): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

describe('defaults', () => {
  it('an empty env and no file give the documented defaults', () => {
    const c = loadConfig({});
    // toMatchObject at the top level so that new top-level keys do not break this test;
    // each section is compared exactly.
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      data_dir: './data',
      api_keys: [],
      log_level: 'info',
      body_limit_bytes: 1_048_576,
    });
    expect(c.cache).toEqual({
      decision: 'verifier', max_false_hit_rate: 0.01, candidate_floor: 0.7, verifier_path: './models/verifier/weights.json',
      threshold: 0.9, default_ttl_seconds: 0, candidates: 8, max_prompt_chars: 32_768, max_entries: 0, sweep_interval_seconds: 60,
    });
    expect(c.embedder).toEqual({
      models_dir: './models', model: 'onnx-community/all-MiniLM-L6-v2-ONNX', dtype: 'q4', threads: 2, on_model_change: 'disable',
      workers: 2, queue_limit: 256, memo_size: 10_000,
    });
    expect(c.index).toEqual({ m: 16, ef_construction: 200, ef: 128, save_interval_seconds: 300, compact_deleted_fraction: 0.3 });
    expect(c.providers).toEqual([]);
    expect(c.chat).toEqual({ max_temperature: 1, store_tool_calls: false, coalesce_wait_ms: 120_000, stream_usage: true });
    expect(c.store).toEqual({ synchronous: 'normal' });
  });

  it('parseConfig({}) equals loadConfig({})', () => {
    expect(parseConfig({})).toEqual(loadConfig({}));
  });

  it('a partial nested object keeps the defaults of its other keys', () => {
    const c = parseConfig({ cache: { threshold: 0.5 }, index: { ef: 10 } });
    expect(c.cache).toMatchObject({ threshold: 0.5, default_ttl_seconds: 0, candidates: 8, max_prompt_chars: 32_768, max_entries: 0, decision: 'verifier' });
    expect(c.index).toEqual({ m: 16, ef_construction: 200, ef: 10, save_interval_seconds: 300, compact_deleted_fraction: 0.3 });
  });

  it('an empty DEJAVU_CONFIG is treated as no file', () => {
    expect(loadConfig({ DEJAVU_CONFIG: '' })).toEqual(loadConfig({}));
  });
});

describe('environment overrides', () => {
  it('DEJAVU_PORT, DEJAVU_HOST, DEJAVU_DATA_DIR, DEJAVU_LOG_LEVEL', () => {
    const c = loadConfig({ DEJAVU_PORT: '9191', DEJAVU_HOST: '0.0.0.0', DEJAVU_DATA_DIR: '/var/lib/dejavu', DEJAVU_LOG_LEVEL: 'debug' });
    expect(c.port).toBe(9191);
    expect(c.host).toBe('0.0.0.0');
    expect(c.data_dir).toBe('/var/lib/dejavu');
    expect(c.log_level).toBe('debug');
  });

  it('DEJAVU_API_KEYS is a comma list; entries are trimmed and blanks dropped', () => {
    expect(loadConfig({ DEJAVU_API_KEYS: ' k1 , ,k2,, k3 ,' }).api_keys).toEqual(['k1', 'k2', 'k3']);
    expect(loadConfig({ DEJAVU_API_KEYS: 'single' }).api_keys).toEqual(['single']);
    expect(loadConfig({ DEJAVU_API_KEYS: ' , ,' }).api_keys).toEqual([]);
    expect(loadConfig({ DEJAVU_API_KEYS: '' }).api_keys).toEqual([]);
  });

  it('port 0 (ephemeral) and 65535 are accepted', () => {
    expect(loadConfig({ DEJAVU_PORT: '0' }).port).toBe(0);
    expect(loadConfig({ DEJAVU_PORT: '65535' }).port).toBe(65535);
  });

  it('env values override the config file', () => {
    const file = writeConfig({ port: 1111, host: 'file-host', data_dir: '/from/file', api_keys: ['file-key'] });
    const c = loadConfig({ DEJAVU_CONFIG: file, DEJAVU_PORT: '2222', DEJAVU_API_KEYS: 'env-key' });
    expect(c.port).toBe(2222);
    expect(c.api_keys).toEqual(['env-key']);
    expect(c.host).toBe('file-host');
    expect(c.data_dir).toBe('/from/file');
  });

  it('unrelated env variables are ignored', () => {
    expect(loadConfig({ PATH: '/usr/bin', DEJAVU_UNKNOWN: 'x' })).toEqual(loadConfig({}));
  });
});

describe('DEJAVU_CONFIG file', () => {
  it('reads nested keys from the file named by DEJAVU_CONFIG', () => {
    const file = writeConfig({
      cache: { threshold: 0.8, candidates: 3 },
      embedder: { dtype: 'fp32', threads: 4 },
      index: { m: 32 },
      store: { synchronous: 'full' },
      body_limit_bytes: 4096,
    });
    const c = loadConfig({ DEJAVU_CONFIG: file });
    expect(c.cache.threshold).toBe(0.8);
    expect(c.cache.candidates).toBe(3);
    expect(c.cache.max_prompt_chars).toBe(32_768);
    expect(c.embedder.dtype).toBe('fp32');
    expect(c.embedder.threads).toBe(4);
    expect(c.embedder.model).toBe('onnx-community/all-MiniLM-L6-v2-ONNX');
    expect(c.index.m).toBe(32);
    expect(c.store.synchronous).toBe('full');
    expect(c.body_limit_bytes).toBe(4096);
  });

  it('an explicit file argument wins over DEJAVU_CONFIG', () => {
    const a = writeConfig({ port: 1 }, 'a.json');
    const b = writeConfig({ port: 2 }, 'b.json');
    expect(loadConfig({ DEJAVU_CONFIG: a }, b).port).toBe(2);
  });

  it('a missing file is a ConfigError naming the path', () => {
    const path = join(tmp.dir, 'nope.json');
    const msg = configErrorOf(() => loadConfig({ DEJAVU_CONFIG: path }));
    expect(msg).toContain('cannot read config file');
    expect(msg).toContain(path);
  });

  it('a directory instead of a file is a ConfigError', () => {
    const msg = configErrorOf(() => loadConfig({ DEJAVU_CONFIG: tmp.dir }));
    expect(msg).toContain('cannot read config file');
  });

  it('a path through a regular file (ENOTDIR) is a ConfigError', () => {
    const file = writeConfig({ port: 1 });
    expect(configErrorOf(() => loadConfig({ DEJAVU_CONFIG: join(file, 'x.json') }))).toContain('cannot read config file');
  });

  // chmod 000 does not stop root, so this one only runs as an ordinary user.
  it.skipIf(process.getuid?.() === 0)('an unreadable file is a ConfigError', () => {
    const file = writeConfig({ port: 1 });
    chmodSync(file, 0o000);
    expect(configErrorOf(() => loadConfig({ DEJAVU_CONFIG: file }))).toContain('cannot read config file');
  });

  it('non-JSON content is a ConfigError', () => {
    const file = writeConfig('port = 8080\n');
    const msg = configErrorOf(() => loadConfig({ DEJAVU_CONFIG: file }));
    expect(msg).toContain('not valid JSON');
    expect(msg).toContain(file);
  });

  it.each([['[]'], ['null'], ['42'], ['"text"']])('top-level %s is rejected (must be an object)', (text) => {
    const file = writeConfig(text);
    expect(configErrorOf(() => loadConfig({ DEJAVU_CONFIG: file }))).toContain('top level must be a JSON object');
  });

  it('an empty file is a ConfigError', () => {
    const file = writeConfig('');
    expect(configErrorOf(() => loadConfig({ DEJAVU_CONFIG: file }))).toContain('not valid JSON');
  });

  it('invalid values inside the file name the nested field', () => {
    const file = writeConfig({ cache: { threshold: 2 } });
    expect(configErrorOf(() => loadConfig({ DEJAVU_CONFIG: file }))).toContain('cache.threshold');
  });
});

describe('validation', () => {
  it.each([
    ['abc'],
    [''],
    ['   '],
    ['-1'],
    ['65536'],
    ['80.5'],
  ])('DEJAVU_PORT=%j is rejected and the message names port', (port) => {
    const msg = configErrorOf(() => loadConfig({ DEJAVU_PORT: port }));
    expect(msg).toMatch(/\bport\b/);
  });

  it('empty DEJAVU_HOST / DEJAVU_DATA_DIR are rejected', () => {
    expect(configErrorOf(() => loadConfig({ DEJAVU_HOST: '' }))).toContain('host');
    expect(configErrorOf(() => loadConfig({ DEJAVU_DATA_DIR: '' }))).toContain('data_dir');
  });

  it('an unknown DEJAVU_LOG_LEVEL is rejected naming log_level', () => {
    expect(configErrorOf(() => loadConfig({ DEJAVU_LOG_LEVEL: 'verbose' }))).toContain('log_level');
  });

  it('threshold 0 is invalid; tiny positive and 1 are valid; above 1 invalid', () => {
    expect(configErrorOf(() => parseConfig({ cache: { threshold: 0 } }))).toContain('cache.threshold');
    expect(configErrorOf(() => parseConfig({ cache: { threshold: -0.1 } }))).toContain('cache.threshold');
    expect(configErrorOf(() => parseConfig({ cache: { threshold: 1.0001 } }))).toContain('cache.threshold');
    expect(parseConfig({ cache: { threshold: 1 } }).cache.threshold).toBe(1);
    expect(parseConfig({ cache: { threshold: 1e-6 } }).cache.threshold).toBe(1e-6);
  });

  it.each([
    [{ cache: { candidates: 0 } }, 'cache.candidates'],
    [{ cache: { candidates: 101 } }, 'cache.candidates'],
    [{ cache: { default_ttl_seconds: -1 } }, 'cache.default_ttl_seconds'],
    [{ cache: { max_prompt_chars: 0 } }, 'cache.max_prompt_chars'],
    [{ embedder: { dtype: 'fp64' } }, 'embedder.dtype'],
    [{ embedder: { threads: 0 } }, 'embedder.threads'],
    [{ index: { m: 1 } }, 'index.m'],
    [{ index: { ef_construction: 5 } }, 'index.ef_construction'],
    [{ store: { synchronous: 'off' } }, 'store.synchronous'],
    [{ body_limit_bytes: 100 }, 'body_limit_bytes'],
    [{ api_keys: [''] }, 'api_keys.0'],
    [{ api_keys: 'k1,k2' }, 'api_keys'],
    [{ port: '8080' }, 'port'],
    [{ cache: 'fast' }, 'cache'],
  ])('%j is rejected naming %s', (input, field) => {
    expect(configErrorOf(() => parseConfig(input))).toContain(`${field}:`);
  });

  it('every invalid field is reported, not just the first', () => {
    const msg = configErrorOf(() => parseConfig({ port: -5, cache: { threshold: 0 } }));
    expect(msg).toContain('port');
    expect(msg).toContain('cache.threshold');
  });

  it('unknown top-level keys are rejected and named', () => {
    expect(configErrorOf(() => parseConfig({ prot: 8080 }))).toContain('prot');
  });

  it('unknown nested keys are rejected and named', () => {
    const msg = configErrorOf(() => parseConfig({ cache: { treshold: 0.5 } }));
    expect(msg).toContain('treshold');
    expect(msg).toContain('cache');
    const file = writeConfig({ index: { ef: 10, bogus: true } });
    expect(configErrorOf(() => loadConfig({ DEJAVU_CONFIG: file }))).toContain('bogus');
  });

  it('a non-object input is rejected', () => {
    configErrorOf(() => parseConfig(null));
    configErrorOf(() => parseConfig('port=1'));
  });
});
