import { vetoOf, type FeatureExtractor } from '../verifier/features.js';
import type { Adapter } from '../verifier/adapter.js';
import type { PairMlp } from '../verifier/pair-mlp.js';
import { trainAdapter } from '../verifier/train/adapter-train.js';
import { hashUnit, type Pair } from '../verifier/train/data.js';
import type { Scored } from '../verifier/train/metrics.js';
import { trainPairMlp } from '../verifier/train/pair-mlp-train.js';
import type { ImpliedPair } from '../verifier/train/transitive.js';
import { isChat, type Log } from './train-verifier-data.js';
import { SEED, type TrainSettings } from './train-verifier-options.js';

/** The learned views of the sentence vectors (adapter, pair network) and the feature rows of
 * train-verifier.ts. */

export interface Row extends Scored {
  pair: Pair;
  x: Float64Array;
  /** A hard rule refuses the pair (vetoOf): it scores 0 whatever the model says. */
  vetoed: boolean;
  margin: number;
}

/** The sentence vector of an embedded text. */
export type Vec = (t: string) => Float32Array;

export interface Views {
  /** Out-of-fold models by fold (for the training rows), and the full ones (every other row). */
  half: [Adapter, Adapter];
  adapter: Adapter;
  halfMlp: Array<PairMlp | null>;
  mlp: PairMlp | null;
}

// By source pair id, so a rule-made pair falls in the same fold as the pair it was made from.
const foldOfId = (id: string): number => (hashUnit(`${SEED}:fold`, id.split('~')[0] as string) < 0.5 ? 0 : 1);
export const foldOf = (p: Pair): number => foldOfId(p.id);

/** Adapter: a learned projection of the sentence vectors (feature adapted_cosine). Training
 * rows get it from an adapter fitted on the other half of the training pairs (out of fold), so
 * the trees see it as noisy as it will be on unseen pairs; every other row uses the full one.
 * Implied pairs train the learned views only; a half model gets one only when both pairs it was
 * implied by are in that half, so out-of-fold rows stay out of fold. */
export function trainViews(trainPairs: Pair[], implied: ImpliedPair[], vec: Vec, s: TrainSettings, log: Log): Views {
  // The views take no row weights: a chat pair is repeated instead (whole repeats of chatW).
  const repeats = (p: Pair): Pair[] => (isChat(p) ? Array.from({ length: Math.max(1, Math.round(s.chatW)) }, () => p) : [p]);
  const viewPairs = (k: number | null): Pair[] => [
    ...trainPairs.filter((p) => k === null || foldOf(p) !== k).flatMap(repeats),
    ...implied.filter((p) => k === null || p.from.every((id) => foldOfId(id) !== k)),
  ];
  const adapterOn = (ps: Pair[], seed: number): Adapter =>
    trainAdapter(ps.map((p) => ({ a: vec(p.a), b: vec(p.b), y: p.label })), { ...s.adapter, seed }, (m) => log(m));
  const half = [0, 1].map((k) => adapterOn(viewPairs(k), 100 + k)) as [Adapter, Adapter];
  const adapter = adapterOn(viewPairs(null), 102);
  // The pair network (feature pair_mlp), out of fold the same way.
  const mlpOn = (ps: Pair[], seed: number): PairMlp | null =>
    s.mlp.hidden > 0 ? trainPairMlp(ps.map((p) => ({ a: vec(p.a), b: vec(p.b), y: p.label })), { ...s.mlp, seed }, (m) => log(m)) : null;
  const halfMlp = [0, 1].map((k) => mlpOn(viewPairs(k), 200 + k));
  const mlp = mlpOn(viewPairs(null), 202);
  return { half, adapter, halfMlp, mlp };
}

/** Feature rows of pairs; `outOfFold` for the training rows (see trainViews). */
export type ToRows = (ps: Pair[], outOfFold?: boolean) => Row[];

export function rowMaker(fx: FeatureExtractor, vec: Vec, cosOf: (p: Pair) => number, views: Views): ToRows {
  const { half, adapter, halfMlp, mlp } = views;
  return (ps, outOfFold = false) =>
    ps.map((pair) => {
      const cos = cosOf(pair);
      const ad = (outOfFold ? half[foldOf(pair)] : adapter) as Adapter;
      const net = outOfFold ? (halfMlp[foldOf(pair)] ?? null) : mlp;
      const va = vec(pair.a);
      const vb = vec(pair.b);
      const rules = { directionSwaps: 0 };
      const x = fx.features(pair.a, pair.b, cos, ad.cosine(va, vb), net?.logit(va, vb) ?? 0, rules);
      return { pair, cos, label: pair.label, x, vetoed: vetoOf(x, rules) !== null, score: 0, margin: 0 };
    });
}
