import { PairMlp, pairInput } from '../pair-mlp.js';
import { seededRandom } from '../../util/random.js';
import { Adam, gaussian, trainEpochs, type AdapterPair } from './adapter-train.js';

export interface PairMlpParams {
  hidden: number;
  epochs: number;
  /** Adam step. */
  lr: number;
  batch: number;
  /** Decoupled weight decay per step, relative to lr (AdamW). */
  wd: number;
  seed: number;
}

/** Adds one pair's logistic-loss gradient to g (layout of PairMlp.p); returns the loss. */
function pairGradient(m: PairMlp, p: AdapterPair, x: Float64Array, act: Float64Array, g: Float64Array): number {
  const { hidden } = m;
  const w = m.p;
  const n = 2 * m.dims;
  const b1 = hidden * n;
  const w2 = b1 + hidden;
  pairInput(p.a, p.b, x);
  let z = w[w2 + hidden] as number;
  for (let h = 0; h < hidden; h++) {
    let s = w[b1 + h] as number;
    const o = h * n;
    for (let c = 0; c < n; c++) s += (w[o + c] as number) * (x[c] as number);
    act[h] = s > 0 ? s : 0;
    z += (w[w2 + h] as number) * (act[h] as number);
  }
  const pr = 1 / (1 + Math.exp(-z));
  const dz = pr - p.y;
  g[w2 + hidden] = (g[w2 + hidden] as number) + dz;
  for (let h = 0; h < hidden; h++) {
    const a = act[h] as number;
    if (a <= 0) continue;
    g[w2 + h] = (g[w2 + h] as number) + dz * a;
    const dh = dz * (w[w2 + h] as number);
    g[b1 + h] = (g[b1 + h] as number) + dh;
    const o = h * n;
    for (let c = 0; c < n; c++) g[o + c] = (g[o + c] as number) + dh * (x[c] as number);
  }
  return -(p.y === 1 ? Math.log(pr + 1e-12) : Math.log(1 - pr + 1e-12));
}

/** Trains the pair network by minibatch AdamW from a seeded He initialisation, deterministically
 * for a given seed and pair order. */
export function trainPairMlp(pairs: readonly AdapterPair[], p: PairMlpParams, log: (m: string) => void = () => {}): PairMlp {
  const dims = (pairs[0] as AdapterPair).a.length;
  const n = 2 * dims;
  const rnd = seededRandom(p.seed);
  const gauss = gaussian(rnd);
  const w = new Float64Array(PairMlp.size(p.hidden, dims));
  for (let i = 0; i < p.hidden * n; i++) w[i] = gauss() * Math.sqrt(2 / n);
  for (let h = 0; h < p.hidden; h++) w[p.hidden * n + p.hidden + h] = gauss() / Math.sqrt(p.hidden);
  const view = new PairMlp(p.hidden, dims, w);
  const adam = new Adam(w.length, p.lr);
  const decay = 1 - p.lr * p.wd;
  const g = new Float64Array(w.length);
  const x = new Float64Array(n);
  const act = new Float64Array(p.hidden);
  trainEpochs(pairs.length, p, rnd, 'pair mlp', log, (rows) => {
    g.fill(0);
    let loss = 0;
    for (const row of rows) loss += pairGradient(view, pairs[row] as AdapterPair, x, act, g);
    for (let i = 0; i < g.length; i++) g[i] = (g[i] as number) / rows.length;
    adam.step(w, g);
    if (decay !== 1) for (let i = 0; i < p.hidden * n; i++) w[i] = (w[i] as number) * decay;
    return loss;
  });
  return new PairMlp(p.hidden, dims, Float32Array.from(w));
}
