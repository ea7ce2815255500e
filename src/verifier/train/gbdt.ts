import type { GbdtJson, TreeJson } from '../model.js';
import { rng } from './data.js';

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

/** Bin edges per feature: bin(x) = first b with x <= edges[b] (last bin catches the rest). */
function binEdges(X: Float64Array[], f: number, bins: number): number[] {
  const vals = X.map((r) => r[f] as number).sort((a, b) => a - b);
  const uniq: number[] = [];
  for (const v of vals) if (uniq.length === 0 || v !== uniq[uniq.length - 1]) uniq.push(v);
  if (uniq.length <= bins) return uniq;
  const edges: number[] = [];
  for (let b = 1; b <= bins; b++) {
    const v = vals[Math.min(vals.length - 1, Math.floor((b * vals.length) / bins) - 1)] as number;
    if (edges.length === 0 || v > (edges[edges.length - 1] as number)) edges.push(v);
  }
  if ((edges[edges.length - 1] as number) < (uniq[uniq.length - 1] as number)) edges.push(uniq[uniq.length - 1] as number);
  return edges;
}

function binOf(edges: number[], x: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= (edges[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Gradient-boosted depth-limited regression trees on the logistic loss (second-order leaves,
 * histogram splits), deterministic for a given seed. */
export function trainGbdt(train: Dataset, p: GbdtParams, valid?: Dataset): GbdtResult {
  const n = train.X.length;
  const d = (train.X[0] as Float64Array).length;
  const edges: number[][] = [];
  const binned: Uint8Array[] = [];
  for (let f = 0; f < d; f++) {
    const e = binEdges(train.X, f, p.bins);
    edges.push(e);
    const col = new Uint8Array(n);
    for (let i = 0; i < n; i++) col[i] = binOf(e, (train.X[i] as Float64Array)[f] as number);
    binned.push(col);
  }
  const w = train.w ?? new Float64Array(n).fill(1);
  let pos = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    pos += (w[i] as number) * (train.y[i] as number);
    tot += w[i] as number;
  }
  const base = Math.log(pos / (tot - pos));
  const margin = new Float64Array(n).fill(base);
  const vMargin = valid ? new Float64Array(valid.X.length).fill(base) : undefined;
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const rand = rng(p.seed);
  const trees: TreeJson[] = [];
  const validLoss: number[] = [];
  const gain = new Float64Array(d);
  const maxBins = p.bins + 1;
  const histG = new Float64Array(d * maxBins);
  const histH = new Float64Array(d * maxBins);

  for (let t = 0; t < p.trees; t++) {
    for (let i = 0; i < n; i++) {
      const pr = 1 / (1 + Math.exp(-(margin[i] as number)));
      g[i] = (w[i] as number) * (pr - (train.y[i] as number));
      h[i] = (w[i] as number) * Math.max(pr * (1 - pr), 1e-6);
    }
    // Row subsample (seeded partial Fisher-Yates).
    const all = Array.from({ length: n }, (_, i) => i);
    const take = Math.max(1, Math.floor(n * p.subsample));
    for (let i = 0; i < take; i++) {
      const j = i + Math.floor(rand() * (n - i));
      const tmp = all[i] as number;
      all[i] = all[j] as number;
      all[j] = tmp;
    }
    const rows = all.slice(0, take).sort((a, b) => a - b);

    const tree: TreeJson = { feature: [], threshold: [], left: [], right: [], value: [] };
    const grow = (idx: number[], depth: number): number => {
      const node = tree.feature.length;
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      let G = 0;
      let H = 0;
      for (const i of idx) {
        G += g[i] as number;
        H += h[i] as number;
      }
      const leaf = (-G / (H + p.lambda)) * p.learningRate;
      if (depth >= p.depth || H < 2 * p.minChildWeight) {
        tree.value[node] = leaf;
        return node;
      }
      histG.fill(0);
      histH.fill(0);
      for (let f = 0; f < d; f++) {
        const col = binned[f] as Uint8Array;
        const off = f * maxBins;
        for (const i of idx) {
          const b = off + (col[i] as number);
          histG[b] = (histG[b] as number) + (g[i] as number);
          histH[b] = (histH[b] as number) + (h[i] as number);
        }
      }
      const parent = (G * G) / (H + p.lambda);
      let bestGain = 1e-9;
      let bestF = -1;
      let bestB = -1;
      for (let f = 0; f < d; f++) {
        const nb = (edges[f] as number[]).length;
        let GL = 0;
        let HL = 0;
        const off = f * maxBins;
        for (let b = 0; b < nb - 1; b++) {
          GL += histG[off + b] as number;
          HL += histH[off + b] as number;
          const GR = G - GL;
          const HR = H - HL;
          if (HL < p.minChildWeight || HR < p.minChildWeight) continue;
          const gn = (GL * GL) / (HL + p.lambda) + (GR * GR) / (HR + p.lambda) - parent;
          if (gn > bestGain) {
            bestGain = gn;
            bestF = f;
            bestB = b;
          }
        }
      }
      if (bestF < 0) {
        tree.value[node] = leaf;
        return node;
      }
      gain[bestF] = (gain[bestF] as number) + bestGain;
      const col = binned[bestF] as Uint8Array;
      const li: number[] = [];
      const ri: number[] = [];
      for (const i of idx) ((col[i] as number) <= bestB ? li : ri).push(i);
      tree.feature[node] = bestF;
      tree.threshold[node] = (edges[bestF] as number[])[bestB] as number;
      tree.left[node] = grow(li, depth + 1);
      tree.right[node] = grow(ri, depth + 1);
      return node;
    };
    grow(rows, 0);
    trees.push(tree);
    for (let i = 0; i < n; i++) margin[i] = (margin[i] as number) + treeValue(tree, train.X[i] as Float64Array);
    if (valid && vMargin) {
      for (let i = 0; i < valid.X.length; i++) vMargin[i] = (vMargin[i] as number) + treeValue(tree, valid.X[i] as Float64Array);
      validLoss.push(logloss(vMargin, valid.y, valid.w));
    }
  }
  return { model: { kind: 'gbdt', base, trees }, validLoss, gain };
}

function treeValue(t: TreeJson, x: Float64Array): number {
  let k = 0;
  for (;;) {
    const f = t.feature[k] as number;
    if (f < 0) return t.value[k] as number;
    k = (x[f] as number) <= (t.threshold[k] as number) ? (t.left[k] as number) : (t.right[k] as number);
  }
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
