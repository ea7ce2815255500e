import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizePrompt } from '../../core/request-key.js';

export interface Pair {
  id: string;
  /** Source file stem (qqp_train, paws_dev...) or synth:<kind>. */
  source: string;
  a: string;
  b: string;
  label: 0 | 1;
  /** Optional 5th column (near-miss family of hand-written sets). */
  family?: string;
}

/** Files whose labels may be fitted on. */
export const FIT_FILES = ['qqp_train', 'paws_dev', 'mrpc_train', 'stsb_dev'] as const;
/** Hand-written chat-style pairs next to this file (rephrasings and near-miss families), written
 * without sight of the test fixtures: a development measurement of chat traffic, never fitted on. */
export const CHAT_DEV_FILE = 'chat-dev-pairs';
/** Hand-written chat-style training pairs next to this file (the same families as the dev set,
 * other prompts), also written without sight of the test fixtures: the fit files hold no chat
 * traffic, so this is the only in-domain data the verifier learns from. */
export const CHAT_TRAIN_FILE = 'chat-train-pairs';
/** Files that are only ever reported on. */
export const TEST_FILES = ['qqp_test', 'paws_test', 'mrpc_test', 'stsb_test'] as const;

/** Reads one labelled TSV (`id, text_a, text_b, label`); texts normalised like the service does. */
export function readPairs(dir: string, stem: string): Pair[] {
  const lines = readFileSync(join(dir, `${stem}.tsv`), 'utf8').split('\n');
  const out: Pair[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const cols = line.split('\t');
    if (cols.length < 4) throw new Error(`${stem}.tsv line ${i + 1}: expected 4 columns`);
    const a = normalizePrompt(cols[1] as string);
    const b = normalizePrompt(cols[2] as string);
    if (a === '' || b === '') continue;
    const label = (cols[3] as string).trim() === '1' ? 1 : 0;
    const family = cols[4]?.trim();
    out.push({ id: cols[0] as string, source: stem, a, b, label, ...(family ? { family } : {}) });
  }
  return out;
}

/** Uniform value in [0,1) from a seeded hash of a key: deterministic, order independent. */
export function hashUnit(seed: string, key: string): number {
  const h = createHash('sha1').update(`${seed}:${key}`).digest();
  return h.readUInt32BE(0) / 0x100000000;
}

/** The `n` pairs with the smallest seeded hash (a deterministic random subset), in hash order. */
export function seededSubset(pairs: Pair[], n: number, seed: string): Pair[] {
  return pairs
    .map((p) => ({ p, h: hashUnit(seed, p.id) }))
    .sort((x, y) => x.h - y.h)
    .slice(0, n)
    .map((x) => x.p);
}

export { seededRandom as rng } from '../../util/random.js';
