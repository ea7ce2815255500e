import type { GbdtJson, TreeJson } from '../model.js';
import { rng } from './data.js';
import { binFeatures, growTree, treeValue, type TreeContext } from './gbdt-tree.js';

export { fitPlatt, trainLogistic } from './logistic.js';

export interface GbdtParams {
  trees: number;
  depth: number;
  learningRate: number;
  /** Minimum hessian sum in a child. */
  minChildWeight: number;
  /** L2 on leaf values. */
  lambda: number;
  /** Fraction of rows drawn (without replacement) for each tree. */
  subsample: number;
  /** Histogram bins per feature. */
  bins: number;
  seed: number;
  /** Per feature +1 / -1 / 0: monotone constraints (omitted = none). */
  monotone?: readonly number[];
}

export interface Dataset {
  /** Row-major feature vectors. */
  X: Float64Array[];
  y: Uint8Array;
  /** Per-row weights (1 when omitted). */
  w?: Float64Array;
}

export interface GbdtResult {
  model: GbdtJson;
  /** Validation log-loss after each tree (when a validation set was given). */
  validLoss: number[];
  /** Total split gain per feature. */
  gain: Float64Array;
}

function logloss(margins: Float64Array, y: Uint8Array, w?: Float64Array): number {
  let s = 0;
  let ws = 0;
  for (let i = 0; i < margins.length; i++) {
    const z = margins[i] as number;
    const wi = w?.[i] ?? 1;
    // log(1 + e^-z) for y=1, log(1 + e^z) for y=0, numerically stable
    const t = y[i] === 1 ? -z : z;
    s += wi * (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t)));
    ws += wi;
  }
  return s / ws;
}

/** Log-odds of the weighted positive rate over the first n rows: the margin every row starts from. */
function baseMargin(y: Uint8Array, w: Float64Array, n: number): number {
  let pos = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    pos += (w[i] as number) * (y[i] as number);
    tot += w[i] as number;
  }
  return Math.log(pos / (tot - pos));
}

/** Writes each row's weighted log-loss gradient and hessian at its margin into g and h; the
 * hessian is floored at 1e-6 so confident rows still count towards minChildWeight. */
function computeGradients(margin: Float64Array, y: Uint8Array, w: Float64Array, g: Float64Array, h: Float64Array): void {
  for (let i = 0; i < margin.length; i++) {
    const pr = 1 / (1 + Math.exp(-(margin[i] as number)));
    g[i] = (w[i] as number) * (pr - (y[i] as number));
    h[i] = (w[i] as number) * Math.max(pr * (1 - pr), 1e-6);
  }
}

/** The ascending row indices one tree is fitted on: floor(n * subsample) (at least 1) drawn
 * without replacement by a seeded partial Fisher-Yates, one rand() call per drawn row. */
function sampleRows(n: number, subsample: number, rand: () => number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  const take = Math.max(1, Math.floor(n * subsample));
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const tmp = all[i] as number;
    all[i] = all[j] as number;
    all[j] = tmp;
  }
  return all.slice(0, take).sort((a, b) => a - b);
}

/** Adds the tree's value to every row's margin, in place. */
function addTree(margin: Float64Array, X: Float64Array[], tree: TreeJson): void {
  for (let i = 0; i < X.length; i++) margin[i] = (margin[i] as number) + treeValue(tree, X[i] as Float64Array);
}

/** Gradient-boosted depth-limited regression trees on the logistic loss (second-order leaves,
 * histogram splits), deterministic for a given seed. All p.trees trees are kept; the validation
 * loss curve is returned so the caller can choose where to stop. */
export function trainGbdt(train: Dataset, p: GbdtParams, valid?: Dataset): GbdtResult {
  const n = train.X.length;
  const d = (train.X[0] as Float64Array).length;
  const w = train.w ?? new Float64Array(n).fill(1);
  const base = baseMargin(train.y, w, n);
  const margin = new Float64Array(n).fill(base);
  const vMargin = valid ? new Float64Array(valid.X.length).fill(base) : undefined;
  const maxBins = p.bins + 1;
  const ctx: TreeContext = {
    ...binFeatures(train.X, p.bins),
    g: new Float64Array(n),
    h: new Float64Array(n),
    depth: p.depth,
    learningRate: p.learningRate,
    minChildWeight: p.minChildWeight,
    lambda: p.lambda,
    gain: new Float64Array(d),
    maxBins,
    histG: new Float64Array(d * maxBins),
    histH: new Float64Array(d * maxBins),
    monotone: Int8Array.from(p.monotone ?? []),
  };
  const rand = rng(p.seed);
  const trees: TreeJson[] = [];
  const validLoss: number[] = [];
  for (let t = 0; t < p.trees; t++) {
    computeGradients(margin, train.y, w, ctx.g, ctx.h);
    const tree = growTree(ctx, sampleRows(n, p.subsample, rand));
    trees.push(tree);
    addTree(margin, train.X, tree);
    if (valid && vMargin) {
      addTree(vMargin, valid.X, tree);
      validLoss.push(logloss(vMargin, valid.y, valid.w));
    }
  }
  return { model: { kind: 'gbdt', base, trees }, validLoss, gain: ctx.gain };
}

/** The average of several boosted models as one: every tree kept, leaf values divided by the
 * number of models, bases averaged. Margin(x) = mean of the models' margins, so inference
 * needs no change. Bagging models fitted on different row samples smooths the scores where
 * the operating points sit (the top few percent), which one model fits noisily. */
export function averageModels(models: readonly GbdtJson[]): GbdtJson {
  const k = models.length;
  if (k === 0) throw new Error('averageModels: no models');
  return {
    kind: 'gbdt',
    base: models.reduce((s, m) => s + m.base, 0) / k,
    trees: models.flatMap((m) => m.trees.map((t) => ({ ...t, value: t.value.map((v) => v / k) }))),
  };
}
