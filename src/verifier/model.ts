import type { AdapterJson } from './adapter.js';
import type { PairMlpJson } from './pair-mlp.js';
import { MAX_PADDED_DEPTH, paddedMargin, treeDepth } from './compiled-trees.js';
/** Inference side of the verifier's model: a JSON weights file holding either gradient-boosted
 * trees or a logistic regression over the features of features.ts, a Platt calibration of its
 * margin, and operating points (score thresholds per maximum false-hit rate). */

/** One regression tree in flat arrays. Node k is a leaf when feature[k] < 0 (value[k] = leaf
 * margin); otherwise x[feature[k]] <= threshold[k] goes to left[k], else right[k]. Root = 0. */
export interface TreeJson {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface GbdtJson {
  kind: 'gbdt';
  /** Initial margin (log-odds of the training base rate). */
  base: number;
  /** Leaf values already include the learning rate. */
  trees: TreeJson[];
}

export interface LogisticJson {
  kind: 'logistic';
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

export type ModelJson = GbdtJson | LogisticJson;

export interface OperatingPoint {
  /** The false-hit rate this point promises at most (as asked through thresholdFor). */
  maxFalseHitRate: number;
  /** Smallest calibrated score whose false-hit rate on the development slice stays <= maxFalseHitRate. */
  threshold: number;
  /** Measured on the development slice (pairs with cosine >= the candidate floor). */
  devFalseHitRate: number;
  devRecall: number;
  devPrecision: number;
}

export interface WeightsJson {
  format: 'dejavu-verifier/1';
  /** Short content hash of the model (set by the trainer): part of the verifier id. */
  version: string;
  createdAt: string;
  /** Feature names in vector order; must equal FEATURE_NAMES of the running code. */
  features: string[];
  /** Lexicon file, relative to the weights file, and its sha256 (hex). */
  lexicon: { file: string; sha256: string };
  /** Document frequencies of content stems in the training texts (IDF features). */
  idf: { docs: number; df: Record<string, number> };
  model: ModelJson;
  /** p = 1 / (1 + exp(-(a * margin + b))). */
  calibration: { kind: 'platt'; a: number; b: number };
  /** Cosine similarity below which candidates are never scored (operating points assume it). */
  candidateFloor: number;
  operatingPoints: OperatingPoint[];
  /** Learned projection for the `adapted_cosine` feature (absent in older weights). */
  adapter?: AdapterJson;
  /** Pair network for the `pair_mlp` feature (absent in older weights). */
  pairMlp?: PairMlpJson;
  /** Free-form training summary (sizes, metrics); not used at run time. */
  training?: Record<string, unknown>;
}

function treeMargin(t: TreeJson, x: ArrayLike<number>): number {
  let k = 0;
  for (;;) {
    const f = t.feature[k] as number;
    if (f < 0) return t.value[k] as number;
    k = (x[f] as number) <= (t.threshold[k] as number) ? (t.left[k] as number) : (t.right[k] as number);
  }
}

/** A model flattened into typed arrays for fast inference: trees padded to complete binary trees
 * (compiled-trees.ts) or, when deeper than MAX_PADDED_DEPTH, all nodes of all trees back to back
 * with absolute child indices. */
export interface CompiledModel {
  margin(x: ArrayLike<number>): number;
}

export function compileModel(m: ModelJson): CompiledModel {
  if (m.kind === 'logistic') return { margin: (x) => modelMargin(m, x) };
  const depth = m.trees.reduce((d, t) => Math.max(d, treeDepth(t)), 0);
  if (depth <= MAX_PADDED_DEPTH) return { margin: paddedMargin(m, depth) };
  const total = m.trees.reduce((n, t) => n + t.feature.length, 0);
  const feature = new Int32Array(total);
  const threshold = new Float64Array(total);
  const left = new Int32Array(total);
  const right = new Int32Array(total);
  const value = new Float64Array(total);
  const roots = new Int32Array(m.trees.length);
  let off = 0;
  m.trees.forEach((t, ti) => {
    roots[ti] = off;
    for (let k = 0; k < t.feature.length; k++) {
      feature[off + k] = t.feature[k] as number;
      threshold[off + k] = t.threshold[k] as number;
      left[off + k] = off + (t.left[k] as number);
      right[off + k] = off + (t.right[k] as number);
      value[off + k] = t.value[k] as number;
    }
    off += t.feature.length;
  });
  const base = m.base;
  return {
    margin(x: ArrayLike<number>): number {
      let s = base;
      for (let ti = 0; ti < roots.length; ti++) {
        let k = roots[ti] as number;
        let f = feature[k] as number;
        while (f >= 0) {
          k = (x[f] as number) <= (threshold[k] as number) ? (left[k] as number) : (right[k] as number);
          f = feature[k] as number;
        }
        s += value[k] as number;
      }
      return s;
    },
  };
}

/** Raw (uncalibrated) margin of a feature vector. */
export function modelMargin(m: ModelJson, x: ArrayLike<number>): number {
  if (m.kind === 'gbdt') {
    let s = m.base;
    for (const t of m.trees) s += treeMargin(t, x);
    return s;
  }
  let s = m.bias;
  for (let i = 0; i < m.weights.length; i++) {
    s += (m.weights[i] as number) * (((x[i] as number) - (m.mean[i] as number)) / (m.std[i] as number));
  }
  return s;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export function calibrated(w: Pick<WeightsJson, 'calibration'>, margin: number): number {
  return sigmoid(w.calibration.a * margin + w.calibration.b);
}

/** Threshold of the operating point with the largest maxFalseHitRate not above `rate`, or
 * +Infinity (no candidate passes) when `rate` is below the strictest operating point. */
export function thresholdForRate(points: readonly OperatingPoint[], rate: number): number {
  let best: OperatingPoint | undefined;
  for (const p of points) {
    if (p.maxFalseHitRate <= rate + 1e-12 && (best === undefined || p.maxFalseHitRate > best.maxFalseHitRate)) best = p;
  }
  return best === undefined ? Number.POSITIVE_INFINITY : best.threshold;
}

/** Checks the shape of a parsed weights file; throws a message naming the first problem. */
export function validateWeights(w: unknown, where: string): WeightsJson {
  const o = w as Partial<WeightsJson> | null;
  const fail = (msg: string): never => {
    throw new Error(`invalid verifier weights ${where}: ${msg}`);
  };
  if (typeof o !== 'object' || o === null) return fail('not a JSON object');
  if (o.format !== 'dejavu-verifier/1') fail(`unknown format ${JSON.stringify(o.format)}`);
  if (!Array.isArray(o.features)) fail('features missing');
  if (typeof o.lexicon?.file !== 'string') fail('lexicon missing');
  if (typeof o.idf?.docs !== 'number' || typeof o.idf.df !== 'object') fail('idf table missing');
  if (o.model?.kind !== 'gbdt' && o.model?.kind !== 'logistic') fail('model missing');
  if (o.calibration?.kind !== 'platt') fail('calibration missing');
  if (!Array.isArray(o.operatingPoints) || o.operatingPoints.length === 0) fail('operating points missing');
  if (o.adapter !== undefined && (typeof o.adapter.w !== 'string' || !(o.adapter.rank > 0) || !(o.adapter.dims > 0))) fail('adapter malformed');
  if (o.pairMlp !== undefined && (typeof o.pairMlp.params !== 'string' || !(o.pairMlp.hidden > 0) || !(o.pairMlp.dims > 0))) fail('pair mlp malformed');
  return o as WeightsJson;
}
