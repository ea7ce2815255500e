import type { LogisticJson } from '../model.js';
import type { Dataset } from './gbdt.js';

/** The linear side of verifier training: the logistic-regression baseline and the Platt
 * calibration of a model's margins (both Newton fits on the log-loss). */

/** Solves A x = b (small dense, Gaussian elimination with partial pivoting). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs((M[r] as number[])[c] as number) > Math.abs((M[piv] as number[])[c] as number)) piv = r;
    [M[c], M[piv]] = [M[piv] as number[], M[c] as number[]];
    const pc = (M[c] as number[])[c] as number;
    if (Math.abs(pc) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const fct = ((M[r] as number[])[c] as number) / pc;
      if (fct === 0) continue;
      for (let k = c; k <= n; k++) (M[r] as number[])[k] = ((M[r] as number[])[k] as number) - fct * ((M[c] as number[])[k] as number);
    }
  }
  return M.map((row, i) => (row[n] as number) / ((row[i] as number) || 1));
}

/** L2-regularised logistic regression on standardised features (Newton / IRLS). */
export function trainLogistic(train: Dataset, l2: number, iters = 30): LogisticJson {
  const n = train.X.length;
  const d = (train.X[0] as Float64Array).length;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const x of train.X) for (let f = 0; f < d; f++) mean[f] = (mean[f] as number) + (x[f] as number) / n;
  for (const x of train.X) for (let f = 0; f < d; f++) std[f] = (std[f] as number) + ((x[f] as number) - (mean[f] as number)) ** 2 / n;
  for (let f = 0; f < d; f++) std[f] = Math.sqrt(std[f] as number) || 1;
  const Z = train.X.map((x) => Array.from({ length: d + 1 }, (_, f) => (f === d ? 1 : ((x[f] as number) - (mean[f] as number)) / (std[f] as number))));
  let beta = new Array<number>(d + 1).fill(0);
  for (let it = 0; it < iters; it++) {
    const grad = new Array<number>(d + 1).fill(0);
    const hess = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const z = Z[i] as number[];
      let s = 0;
      for (let f = 0; f <= d; f++) s += (beta[f] as number) * (z[f] as number);
      const pr = 1 / (1 + Math.exp(-s));
      const wi = train.w?.[i] ?? 1;
      const gi = wi * (pr - (train.y[i] as number));
      const hi = wi * Math.max(pr * (1 - pr), 1e-9);
      for (let a = 0; a <= d; a++) {
        grad[a] = (grad[a] as number) + gi * (z[a] as number);
        const row = hess[a] as number[];
        for (let b = a; b <= d; b++) row[b] = (row[b] as number) + hi * (z[a] as number) * (z[b] as number);
      }
    }
    for (let a = 0; a <= d; a++) {
      for (let b = 0; b < a; b++) (hess[a] as number[])[b] = (hess[b] as number[])[a] as number;
      if (a < d) {
        grad[a] = (grad[a] as number) + l2 * (beta[a] as number);
        (hess[a] as number[])[a] = ((hess[a] as number[])[a] as number) + l2;
      }
    }
    const step = solve(hess, grad);
    beta = beta.map((b, i) => b - (step[i] as number));
    if (Math.max(...step.map(Math.abs)) < 1e-7) break;
  }
  return { kind: 'logistic', mean, std, weights: beta.slice(0, d), bias: beta[d] as number };
}

/** Platt scaling: a, b minimising the log-loss of sigmoid(a * margin + b). */
export function fitPlatt(margins: number[], y: ArrayLike<number>): { a: number; b: number } {
  let a = 1;
  let b = 0;
  for (let it = 0; it < 100; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < margins.length; i++) {
      const m = margins[i] as number;
      const pr = 1 / (1 + Math.exp(-(a * m + b)));
      const r = pr - (y[i] as number);
      const wgt = Math.max(pr * (1 - pr), 1e-12);
      ga += r * m;
      gb += r;
      haa += wgt * m * m;
      hab += wgt * m;
      hbb += wgt;
    }
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { a, b };
}
