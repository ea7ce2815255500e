import { describe, expect, it } from 'vitest';
import { denoiseRows } from '../../../src/cli/train-verifier-denoise.js';
import type { TrainSettings } from '../../../src/cli/train-verifier-options.js';
import type { Row } from '../../../src/cli/train-verifier-views.js';
import { CHAT_TRAIN_FILE, rng } from '../../../src/verifier/train/data.js';

const settings = {
  gbdt: { trees: 30, depth: 3, learningRate: 0.3, minChildWeight: 1, lambda: 1, subsample: 1, bins: 16, seed: 1 },
  chatW: 1,
} as TrainSettings;

function row(id: string, source: string, x0: number, label: 0 | 1): Row {
  return { pair: { id, source, a: `a ${id}`, b: `b ${id}`, label }, x: Float64Array.from([x0, 0]), cos: 0.9, label, vetoed: false, score: 0, margin: 0 };
}

/** Clean rows (label = x0 > 0.5), plus label-0 rows deep in the positive region (x0 >= 0.9, about 200 positives):
 * 20 QQP rows (label noise), and 20 each from the rule-made and hand-written sources. */
function rows(): Row[] {
  const r = rng(20261126);
  const out: Row[] = [];
  for (let i = 0; i < 2000; i++) {
    const x0 = r();
    out.push(row(`qqp-${i}`, 'qqp_train', x0, x0 > 0.5 ? 1 : 0));
  }
  for (let i = 0; i < 20; i++) {
    out.push(row(`noisy-${i}`, 'qqp_train', 0.9 + r() * 0.1, 0));
    out.push(row(`synth-${i}`, 'synth:number', 0.9 + r() * 0.1, 0));
    out.push(row(`chat-${i}`, CHAT_TRAIN_FILE, 0.9 + r() * 0.1, 0));
  }
  return out;
}

describe('train-verifier --denoise (label-noise filter for the trees)', () => {
  const logs: string[] = [];
  const all = rows();
  const kept = denoiseRows(all, all.slice(0, 300), settings, 0.6, (m) => logs.push(m), 30);
  const keptIds = new Set(kept.map((r) => r.pair.id));

  it('leaves out fit-file label-0 rows that look like positives out of fold, and keeps clean rows', () => {
    const noisyKept = all.filter((r) => r.pair.id.startsWith('noisy-') && keptIds.has(r.pair.id)).length;
    expect(noisyKept).toBeLessThan(3);
    const cleanNegKept = all.filter((r) => r.pair.id.startsWith('qqp-') && r.label === 0 && r.x[0]! < 0.4 && keptIds.has(r.pair.id)).length;
    const cleanNeg = all.filter((r) => r.pair.id.startsWith('qqp-') && r.label === 0 && r.x[0]! < 0.4).length;
    expect(cleanNegKept).toBe(cleanNeg);
    expect(all.filter((r) => r.label === 1).every((r) => keptIds.has(r.pair.id))).toBe(true);
    expect(logs.at(-1)).toMatch(/left out \d+ fit-file label-0 rows .*qqp_train \d+/);
  });

  it('never drops rule-made or hand-written pairs, whose labels are exact', () => {
    for (const prefix of ['synth-', 'chat-']) expect(all.filter((r) => r.pair.id.startsWith(prefix)).every((r) => keptIds.has(r.pair.id))).toBe(true);
  });

  it('is off at 1: the same rows, nothing trained', () => {
    expect(denoiseRows(all, [], settings, 1, () => undefined)).toBe(all);
  });
});
