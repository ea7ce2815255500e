// The verifier is trained on hand-written chat pairs (src/verifier/train/chat-train-pairs.tsv) and
// measured on two other hand-written sets: chat-dev-pairs.tsv (development) and the test fixture.
// The training set is only honest while no training prompt is a near copy of a measured one: this
// checks, with the real model, that every training text stays under cosine 0.9 to every text of
// both measured sets (the filter the training file was built with).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_DEV_FILE, CHAT_TRAIN_FILE, readPairs } from '../../src/verifier/train/data.js';
import { cosine } from '../../src/verifier/train/embed-cache.js';
import type { TransformersEmbedder } from '../../src/embedding/transformers-embedder.js';
import { REPO, realEmbedder } from '../helpers.js';

const TRAIN_DIR = join(REPO, 'src', 'verifier', 'train');
const MAX_COS = 0.9;
const FAMILIES = ['rephrase', 'direction', 'number', 'negation', 'antonym', 'entity', 'operation', 'scope'];

function texts(dir: string, stem: string): string[] {
  return [...new Set(readPairs(dir, stem).flatMap((p) => [p.a, p.b]))];
}

describe('hand-written chat training pairs', () => {
  let embedder: TransformersEmbedder;
  beforeAll(async () => {
    embedder = await realEmbedder();
  });
  afterAll(async () => {
    await embedder.close();
  });

  it('are well formed: a label per family, both labels well represented', () => {
    const pairs = readPairs(TRAIN_DIR, CHAT_TRAIN_FILE);
    expect(pairs.length).toBeGreaterThan(1000);
    for (const p of pairs) {
      expect(FAMILIES).toContain(p.family);
      expect(p.label).toBe(p.family === 'rephrase' ? 1 : 0);
      expect(p.a.toLowerCase()).not.toBe(p.b.toLowerCase());
    }
    const pos = pairs.filter((p) => p.label === 1).length;
    expect(pos / pairs.length).toBeGreaterThan(0.3);
    expect(pos / pairs.length).toBeLessThan(0.7);
    expect(new Set(pairs.map((p) => p.id)).size).toBe(pairs.length);
  });

  it('hold no text within cosine 0.9 of a chat-dev or test-fixture text', async () => {
    const measured = [...texts(TRAIN_DIR, CHAT_DEV_FILE), ...texts(join(REPO, 'test', 'fixtures'), 'prompt-pairs')];
    const guard = await Promise.all(measured.map((t) => embedder.embed(t)));
    let worst = { cos: -1, text: '', near: '' };
    for (const t of texts(TRAIN_DIR, CHAT_TRAIN_FILE)) {
      const v = await embedder.embed(t);
      guard.forEach((g, j) => {
        const c = cosine(v, g);
        if (c > worst.cos) worst = { cos: c, text: t, near: measured[j] as string };
      });
    }
    expect(worst.cos, `${worst.text} ~ ${worst.near}`).toBeLessThan(MAX_COS);
  }, 120_000);
});

// The fixture is read through readPairs, which needs the id column: keep the format checked here too.
it('the test fixture keeps the id, text_a, text_b, label, family columns', () => {
  const header = readFileSync(join(REPO, 'test', 'fixtures', 'prompt-pairs.tsv'), 'utf8').split('\n')[0];
  expect(header?.split('\t')).toEqual(['id', 'text_a', 'text_b', 'label', 'family']);
});
