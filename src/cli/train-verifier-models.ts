import { FEATURE_NAMES } from '../verifier/features.js';
import { calibrated, modelMargin, type GbdtJson, type LogisticJson, type ModelJson, type OperatingPoint } from '../verifier/model.js';
import { averageModels, fitPlatt, trainGbdt, trainLogistic, type Dataset, type GbdtResult } from '../verifier/train/gbdt.js';
import { bestF1Threshold, logLoss, operatingPoints, rocAuc, thresholdAtRate, type Scored } from '../verifier/train/metrics.js';
import { isChat, type Log } from './train-verifier-data.js';
import { DEFAULT_RATE, FLOOR, LOGISTIC_L2, RATES, type TrainSettings } from './train-verifier-options.js';
import type { Row } from './train-verifier-views.js';

/** The models of train-verifier.ts: boosted trees (early-stopped on dev) and a logistic
 * regression for comparison, their calibration, and the choice between them. */

export function fmt(x: number, d = 3): string {
  return Number.isFinite(x) ? x.toFixed(d) : String(x);
}

export const atDefaultRate = (points: OperatingPoint[]): OperatingPoint => points.find((q) => q.maxFalseHitRate === DEFAULT_RATE) as OperatingPoint;

/** The rows as a tree dataset: chat training pairs weigh chatW, every other row 1; the `drop`
 * features' columns are zeroed (a constant column gets no split and no logistic weight). */
export function dataset(rows: Row[], chatW: number, drop: readonly number[] = []): Dataset {
  const masked = (x: Float64Array): Float64Array => {
    const y = Float64Array.from(x);
    for (const k of drop) y[k] = 0;
    return y;
  };
  return {
    X: rows.map((r) => (drop.length === 0 ? r.x : masked(r.x))),
    y: Uint8Array.from(rows.map((r) => r.label)),
    w: Float64Array.from(rows.map((r) => (isChat(r.pair) ? chatW : 1))),
  };
}

export interface Trained {
  gbModel: ModelJson;
  /** Trees kept by early stopping, per bagged model. */
  kept: number[];
  /** Split gain per feature, summed over the bagged models. */
  gain: Float64Array;
  lr: LogisticJson;
}

/** The boosted model cut after the tree with the lowest validation loss. */
export function earlyStopped(run: GbdtResult): { model: GbdtJson; kept: number; loss: number } {
  let best = 0;
  run.validLoss.forEach((l, i) => {
    if (l < (run.validLoss[best] as number)) best = i;
  });
  return { model: { ...run.model, trees: run.model.trees.slice(0, best + 1) }, kept: best + 1, loss: run.validLoss[best] as number };
}

/** `devFloor`: the dev rows with cosine >= FLOOR (early stopping). */
export function trainModels(trainRows: Row[], devFloor: Row[], s: TrainSettings, log: Log): Trained {
  const ds = (rows: Row[]): Dataset => dataset(rows, s.chatW, s.drop);
  // --bag K: K models on different row samples (seeds), each early-stopped on dev, averaged.
  const runs = Array.from({ length: s.bag }, (_, b) => {
    const run = trainGbdt(ds(trainRows), { ...s.gbdt, seed: s.gbdt.seed + b }, ds(devFloor));
    const { model, kept, loss } = earlyStopped(run);
    log(`gbdt ${b + 1}/${s.bag}: best dev log-loss ${fmt(loss, 4)} at ${kept} trees`);
    return { model, kept, gain: run.gain };
  });
  const gbModel: ModelJson = s.bag === 1 ? (runs[0] as (typeof runs)[number]).model : averageModels(runs.map((r) => r.model));
  const kept = runs.map((r) => r.kept);
  const gain = runs.reduce((g, r) => g.map((x, i) => x + (r.gain[i] as number)), new Float64Array(FEATURE_NAMES.length));
  const lr = trainLogistic(ds(trainRows), LOGISTIC_L2);
  log('logistic regression trained');
  return { gbModel, kept, gain, lr };
}

export type Platt = { a: number; b: number };

/** Scores rows with a model: margin, then the calibrated probability. */
export function evaluate(model: ModelJson, rows: Row[], platt: Platt): void {
  for (const r of rows) {
    r.margin = modelMargin(model, r.x);
    // The service applies the same veto before the model (HitVerifier.assess).
    r.score = r.vetoed ? 0 : calibrated({ calibration: { kind: 'platt', ...platt } }, r.margin);
  }
}

export interface Candidate {
  name: string;
  model: ModelJson;
  platt: Platt;
  points: OperatingPoint[];
  auc: number;
  ll: number;
}

/** Calibrates both models on the dev rows above the floor and keeps the one with the better
 * dev recall at DEFAULT_RATE (leaves devRows scored by the last candidate). */
export function chooseModel(t: Trained, devRows: Row[], devFloor: Row[], log: Log): { candidates: Candidate[]; chosen: Candidate } {
  const candidates: Candidate[] = [];
  for (const [name, model] of [
    ['gbdt', t.gbModel],
    ['logistic', t.lr],
  ] as const) {
    for (const r of devFloor) r.margin = modelMargin(model, r.x);
    const platt = fitPlatt(devFloor.map((r) => r.margin), devFloor.map((r) => r.label));
    evaluate(model, devRows, platt);
    const points = operatingPoints(devRows, FLOOR, RATES);
    candidates.push({ name, model, platt, points, auc: rocAuc(devFloor), ll: logLoss(devFloor) });
    const p = atDefaultRate(points);
    log(`${name}: dev AUC ${fmt(rocAuc(devFloor))}, log-loss ${fmt(logLoss(devFloor), 4)}, at rate ${DEFAULT_RATE}: recall ${fmt(p.devRecall)} precision ${fmt(p.devPrecision)}`);
  }
  const recallAt = (c: Candidate): number => atDefaultRate(c.points).devRecall;
  const chosen = candidates.reduce((a, b) => (recallAt(b) > recallAt(a) ? b : a));
  log(`chosen model: ${chosen.name}`);
  return { candidates, chosen };
}

export const asCos = (rows: Row[]): Scored[] => rows.map((r) => ({ cos: r.cos, score: r.cos, label: r.label }));

/** Cosine-only baseline, thresholds chosen on dev the same way. */
export function cosineBaseline(devRows: Row[]): { cosThrRate: number; cosThrF1: number } {
  const cosThrRate = Math.max(FLOOR, thresholdAtRate(asCos(devRows), FLOOR, DEFAULT_RATE));
  const cosThrF1 = Math.max(FLOOR, bestF1Threshold(asCos(devRows)));
  return { cosThrRate, cosThrF1 };
}
