import { Adapter } from '../adapter.js';
import { seededRandom, shuffle } from '../../util/random.js';

export interface AdapterPair {
  a: Float32Array;
  b: Float32Array;
  y: 0 | 1;
}

export interface AdapterParams {
  rank: number;
  epochs: number;
  /** Adam step for W. */
  lr: number;
  batch: number;
  /** Decoupled weight decay per step, relative to lr (AdamW); 0 = none. */
  wd?: number;
  seed: number;
}

/** State of p = sigmoid(alpha * (cos(Wa, Wb) - tau)); alpha and tau only shape the loss. */
interface Fit {
  w: Float64Array;
  alpha: number;
  tau: number;
}

export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  constructor(n: number, private readonly lr: number) {
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
  }
  step(x: Float64Array, g: Float64Array): void {
    this.t++;
    const c1 = 1 - 0.9 ** this.t;
    const c2 = 1 - 0.999 ** this.t;
    for (let i = 0; i < x.length; i++) {
      const gi = g[i] as number;
      this.m[i] = 0.9 * (this.m[i] as number) + 0.1 * gi;
      this.v[i] = 0.999 * (this.v[i] as number) + 0.001 * gi * gi;
      x[i] = (x[i] as number) - (this.lr * ((this.m[i] as number) / c1)) / (Math.sqrt((this.v[i] as number) / c2) + 1e-8);
    }
  }
}

/** Standard normal draws from a uniform PRNG (Box-Muller), for seeded weight initialisation. */
export function gaussian(rnd: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
}

/** `epochs` passes over rows 0..count-1 in a fresh seeded shuffle each, cut into minibatches of
 * `batch`: `step(rows)` fits one minibatch and returns its summed loss; the mean loss per row is
 * logged after each pass as "<name> epoch e/E". */
export function trainEpochs(
  count: number,
  p: { epochs: number; batch: number },
  rnd: () => number,
  name: string,
  log: (m: string) => void,
  step: (rows: readonly number[]) => number,
): void {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let ep = 0; ep < p.epochs; ep++) {
    shuffle(order, rnd);
    let loss = 0;
    for (let st = 0; st < order.length; st += p.batch) loss += step(order.slice(st, Math.min(st + p.batch, order.length)));
    log(`${name} epoch ${ep + 1}/${p.epochs}: log-loss ${(loss / order.length).toFixed(4)}`);
  }
}

/** Adds the logistic-loss gradient of one pair to gW; returns [loss, dLoss/dalpha, dLoss/dtau]. */
function pairGradient(f: Fit, p: AdapterPair, rank: number, gW: Float64Array, u: Float64Array, v: Float64Array): [number, number, number] {
  const D = p.a.length;
  for (let r = 0; r < rank; r++) {
    let x = 0;
    let y = 0;
    const o = r * D;
    for (let c = 0; c < D; c++) {
      x += (f.w[o + c] as number) * (p.a[c] as number);
      y += (f.w[o + c] as number) * (p.b[c] as number);
    }
    u[r] = x;
    v[r] = y;
  }
  let uu = 0;
  let vv = 0;
  let uv = 0;
  for (let r = 0; r < rank; r++) {
    uu += (u[r] as number) ** 2;
    vv += (v[r] as number) ** 2;
    uv += (u[r] as number) * (v[r] as number);
  }
  const nuv = Math.sqrt(uu * vv);
  const cs = uv / nuv;
  const pr = 1 / (1 + Math.exp(-f.alpha * (cs - f.tau)));
  const dz = pr - p.y;
  const dc = dz * f.alpha;
  for (let r = 0; r < rank; r++) {
    const du = dc * ((v[r] as number) / nuv - (cs * (u[r] as number)) / uu);
    const dv = dc * ((u[r] as number) / nuv - (cs * (v[r] as number)) / vv);
    const o = r * D;
    for (let c = 0; c < D; c++) gW[o + c] = (gW[o + c] as number) + du * (p.a[c] as number) + dv * (p.b[c] as number);
  }
  const loss = -(p.y === 1 ? Math.log(pr + 1e-12) : Math.log(1 - pr + 1e-12));
  return [loss, dz * (cs - f.tau), -dz * f.alpha];
}

/** Trains W (rank x dims) by minibatch Adam, from a seeded random projection (which already
 * preserves cosines roughly), deterministically for a given seed and pair order. */
export function trainAdapter(pairs: readonly AdapterPair[], p: AdapterParams, log: (m: string) => void = () => {}): Adapter {
  const dims = (pairs[0] as AdapterPair).a.length;
  const rnd = seededRandom(p.seed);
  const gauss = gaussian(rnd);
  const f: Fit = { w: new Float64Array(p.rank * dims).map(() => gauss() / Math.sqrt(p.rank)), alpha: 10, tau: 0.8 };
  const adamW = new Adam(f.w.length, p.lr);
  const decay = 1 - p.lr * (p.wd ?? 0);
  const ab = Float64Array.of(f.alpha, f.tau);
  const adamAb = new Adam(2, 0.01);
  const gW = new Float64Array(f.w.length);
  const u = new Float64Array(p.rank);
  const v = new Float64Array(p.rank);
  trainEpochs(pairs.length, p, rnd, 'adapter', log, (rows) => {
    gW.fill(0);
    const gAb = new Float64Array(2);
    let loss = 0;
    for (const row of rows) {
      const [l, ga, gt] = pairGradient(f, pairs[row] as AdapterPair, p.rank, gW, u, v);
      loss += l;
      gAb[0] = (gAb[0] as number) + ga / rows.length;
      gAb[1] = (gAb[1] as number) + gt / rows.length;
    }
    for (let i = 0; i < gW.length; i++) gW[i] = (gW[i] as number) / rows.length;
    adamW.step(f.w, gW);
    if (decay !== 1) for (let i = 0; i < f.w.length; i++) f.w[i] = (f.w[i] as number) * decay;
    adamAb.step(ab, gAb);
    f.alpha = ab[0] as number;
    f.tau = ab[1] as number;
    return loss;
  });
  return new Adapter(p.rank, dims, Float32Array.from(f.w));
}
