import type { TreeJson } from '../model.js';

/** The training rows binned once per fit: splits are searched over bin boundaries, not raw values. */
export interface BinnedFeatures {
  /** Per feature, the ascending bin upper edges (feature units). */
  edges: number[][];
  /** Per feature, each training row's bin index. */
  binned: Uint8Array[];
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

/** Quantile-bins every feature of X into at most `bins` bins. */
export function binFeatures(X: Float64Array[], bins: number): BinnedFeatures {
  const n = X.length;
  const d = (X[0] as Float64Array).length;
  const edges: number[][] = [];
  const binned: Uint8Array[] = [];
  for (let f = 0; f < d; f++) {
    const e = binEdges(X, f, bins);
    edges.push(e);
    const col = new Uint8Array(n);
    for (let i = 0; i < n; i++) col[i] = binOf(e, (X[i] as Float64Array)[f] as number);
    binned.push(col);
  }
  return { edges, binned };
}

/** What growing one tree reads and writes. The histogram buffers are scratch shared by every
 * node (each node fills and consumes them before recursing), so they are allocated once per fit. */
export interface TreeContext extends BinnedFeatures {
  /** Per training row: gradient and hessian of the weighted log-loss at the current margin. */
  g: Float64Array;
  h: Float64Array;
  depth: number;
  learningRate: number;
  minChildWeight: number;
  lambda: number;
  /** Accumulated split gain per feature, added to as splits are made. */
  gain: Float64Array;
  /** Stride of one feature's slots in histG/histH (bins + 1). */
  maxBins: number;
  /** Per (feature, bin): gradient / hessian sums over the node's rows. */
  histG: Float64Array;
  histH: Float64Array;
  /** Per feature: +1 = the margin may only rise with it, -1 = only fall, 0 = free (empty = none). */
  monotone: Int8Array;
}

/** Leaf values (before the learning rate) a node's subtree may take: a monotone split hands each
 * child the half of its parent's range on its side of the children's midpoint. */
interface Bounds {
  lo: number;
  hi: number;
}

const clamp = (v: number, b: Bounds): number => Math.min(b.hi, Math.max(b.lo, v));

interface Split {
  gain: number;
  feature: number;
  /** Rows with bin <= this go left. */
  bin: number;
  /** The children's leaf values (before the learning rate, within the node's bounds). */
  left: number;
  right: number;
}

/** Fills ctx.histG/histH with the gradient and hessian sums of rows idx, per feature and bin. */
function buildHistograms(ctx: TreeContext, idx: number[]): void {
  const { g, h, histG, histH, maxBins } = ctx;
  histG.fill(0);
  histH.fill(0);
  for (let f = 0; f < ctx.binned.length; f++) {
    const col = ctx.binned[f] as Uint8Array;
    const off = f * maxBins;
    for (const i of idx) {
      const b = off + (col[i] as number);
      histG[b] = (histG[b] as number) + (g[i] as number);
      histH[b] = (histH[b] as number) + (h[i] as number);
    }
  }
}

/** The split with the largest second-order gain over the histograms of a node with gradient sum
 * G and hessian sum H, or feature -1 when none beats 1e-9 with both children heavy enough. */
function findBestSplit(ctx: TreeContext, G: number, H: number, bounds: Bounds): Split {
  const { histG, histH, maxBins, lambda, minChildWeight, monotone } = ctx;
  const parent = (G * G) / (H + lambda);
  let best: Split = { gain: 1e-9, feature: -1, bin: -1, left: 0, right: 0 };
  for (let f = 0; f < ctx.binned.length; f++) {
    const nb = (ctx.edges[f] as number[]).length;
    let GL = 0;
    let HL = 0;
    const off = f * maxBins;
    const mono = monotone[f] ?? 0;
    for (let b = 0; b < nb - 1; b++) {
      GL += histG[off + b] as number;
      HL += histH[off + b] as number;
      const GR = G - GL;
      const HR = H - HL;
      if (HL < minChildWeight || HR < minChildWeight) continue;
      const left = clamp(-GL / (HL + lambda), bounds);
      const right = clamp(-GR / (HR + lambda), bounds);
      if (mono * (right - left) < 0) continue;
      const gn = (GL * GL) / (HL + lambda) + (GR * GR) / (HR + lambda) - parent;
      if (gn > best.gain) best = { gain: gn, feature: f, bin: b, left, right };
    }
  }
  return best;
}

/** Appends the node for rows idx (and, depth-first, its subtree) to tree; returns its index. */
function growNode(ctx: TreeContext, tree: TreeJson, idx: number[], depth: number, bounds: Bounds): number {
  const node = tree.feature.length;
  tree.feature.push(-1);
  tree.threshold.push(0);
  tree.left.push(-1);
  tree.right.push(-1);
  tree.value.push(0);
  let G = 0;
  let H = 0;
  for (const i of idx) {
    G += ctx.g[i] as number;
    H += ctx.h[i] as number;
  }
  // Newton step on the L2-regularised leaf, shrunk by the learning rate (margin units).
  const leaf = clamp(-G / (H + ctx.lambda), bounds) * ctx.learningRate;
  if (depth >= ctx.depth || H < 2 * ctx.minChildWeight) {
    tree.value[node] = leaf;
    return node;
  }
  buildHistograms(ctx, idx);
  const best = findBestSplit(ctx, G, H, bounds);
  if (best.feature < 0) {
    tree.value[node] = leaf;
    return node;
  }
  ctx.gain[best.feature] = (ctx.gain[best.feature] as number) + best.gain;
  const col = ctx.binned[best.feature] as Uint8Array;
  const li: number[] = [];
  const ri: number[] = [];
  for (const i of idx) ((col[i] as number) <= best.bin ? li : ri).push(i);
  tree.feature[node] = best.feature;
  tree.threshold[node] = (ctx.edges[best.feature] as number[])[best.bin] as number;
  const [lb, rb] = childBounds(ctx.monotone[best.feature] ?? 0, best, bounds);
  tree.left[node] = growNode(ctx, tree, li, depth + 1, lb);
  tree.right[node] = growNode(ctx, tree, ri, depth + 1, rb);
  return node;
}

/** The children's leaf ranges: the parent's, split at the midpoint of the children's own values
 * when the split feature is monotone (+1 / -1). */
function childBounds(mono: number, split: Split, bounds: Bounds): [Bounds, Bounds] {
  if (mono === 0) return [bounds, bounds];
  const mid = (split.left + split.right) / 2;
  const low = { lo: bounds.lo, hi: mid };
  const high = { lo: mid, hi: bounds.hi };
  return mono > 0 ? [low, high] : [high, low];
}

/** One depth-limited regression tree fitted to ctx.g/ctx.h over the given training rows. */
export function growTree(ctx: TreeContext, rows: number[]): TreeJson {
  const tree: TreeJson = { feature: [], threshold: [], left: [], right: [], value: [] };
  growNode(ctx, tree, rows, 0, { lo: -Infinity, hi: Infinity });
  return tree;
}

/** The tree's leaf value for x (margin units). */
export function treeValue(t: TreeJson, x: Float64Array): number {
  let k = 0;
  for (;;) {
    const f = t.feature[k] as number;
    if (f < 0) return t.value[k] as number;
    k = (x[f] as number) <= (t.threshold[k] as number) ? (t.left[k] as number) : (t.right[k] as number);
  }
}
