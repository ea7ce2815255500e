import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfig, type Config } from '../src/config.js';
import type { Clock, Embedder } from '../src/core/ports.js';
import type { StoredEntry } from '../src/core/types.js';
import { TransformersEmbedder } from '../src/embedding/transformers-embedder.js';

export const REPO = resolve(import.meta.dirname, '..');
export const MODELS_DIR = join(REPO, 'models');

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** Wraps the real embedder and counts calls, so tests can assert when embedding happened. */
export class CountingEmbedder implements Embedder {
  calls = 0;
  constructor(private readonly inner: Embedder) {}
  get modelId(): string {
    return this.inner.modelId;
  }
  get dims(): number {
    return this.inner.dims;
  }
  fits(text: string): boolean {
    return this.inner.fits(text);
  }
  embed(text: string): Promise<Float32Array> {
    this.calls += 1;
    return this.inner.embed(text);
  }
}

let shared: Promise<TransformersEmbedder> | undefined;
/** The real model, loaded once per test file. */
export function realEmbedder(): Promise<TransformersEmbedder> {
  shared ??= TransformersEmbedder.load({ modelsDir: MODELS_DIR, model: 'onnx-community/all-MiniLM-L6-v2-ONNX', dtype: 'q4', threads: 1 });
  return shared;
}

/** A fresh temp dir; remove it with cleanup(). */
export function tempDir(prefix = 'dejavu-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Test config. Semantic hits are decided by the cosine threshold unless a test asks for the
 * verifier (`cache: { decision: 'verifier' }`): mechanics tests must not depend on where a
 * retrained verifier puts its decision line; test/integration/verifier.test.ts covers that. */
export function testConfig(dataDir: string, overrides: Record<string, unknown> = {}): Config {
  const cache = { decision: 'cosine', ...((overrides.cache as Record<string, unknown> | undefined) ?? {}) };
  return parseConfig({
    data_dir: dataDir,
    log_level: 'silent',
    embedder: { models_dir: MODELS_DIR, model: 'onnx-community/all-MiniLM-L6-v2-ONNX', dtype: 'q4', threads: 1 },
    ...overrides,
    cache,
  });
}

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run <script> -- ...args` from the repo root the way a user would. */
export function runNpmScript(script: string, args: string[], env: Record<string, string> = {}): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const proc = spawn('npm', ['run', script, '--', ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.once('error', reject);
    proc.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A stored entry with label-derived fields (64-hex-long partition key and prompt hash, as the
 * real ones), created at time 0 and never hit; `over` replaces any field. */
export function storedEntry(label: number, over: Partial<StoredEntry> = {}): StoredEntry {
  return {
    id: `id-${label}`,
    label,
    namespace: 'ns',
    partitionKey: 'p'.repeat(64),
    model: null,
    prompt: `prompt ${label}`,
    promptHash: String(label).padStart(64, '0'),
    response: `answer ${label}`,
    embedder: 'e',
    createdAt: 0,
    expiresAt: null,
    hitCount: 0,
    lastHitAt: null,
    metadata: null,
    seq: label,
    ...over,
  };
}
