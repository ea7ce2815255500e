import { modelMargin, sigmoid } from '../verifier/model.js';
import { FIT_FILES } from '../verifier/train/data.js';
import { trainGbdt } from '../verifier/train/gbdt.js';
import type { Log } from './train-verifier-data.js';
import { dataset, earlyStopped } from './train-verifier-models.js';
import type { TrainSettings } from './train-verifier-options.js';
import { foldOf, type Row } from './train-verifier-views.js';

/** Label-noise filter for the boosted trees (--denoise P). The public pair files carry labels
 * that a blind audit found wrong for about half of the dev "false hits" at the default rate
 * (docs/verifier-dev-false-hits.md): near-verbatim duplicates labelled 0. Trained on, they
 * teach the trees that even identical wording is no evidence, which pulls down plain chat
 * rephrasings. Each training row of a fit file gets an out-of-fold probability from trees
 * fitted on the other half; label-0 rows at or above P are left out of the final fit.
 * Rule-made and hand-written pairs are never dropped (their labels are exact). Off by default:
 * measured, it lowers dev recall (see the option in train-verifier-options.ts). */

/** Trees per half model: enough to rank, cheap next to the final fit. */
const HALF_TREES = 300;

const fromFitFile = (r: Row): boolean => (FIT_FILES as readonly string[]).includes(r.pair.source);

/** Out-of-fold probability of every row (by the views' folds, so the learned features stay out of fold too). */
export function outOfFoldProbabilities(rows: Row[], devFloor: Row[], s: TrainSettings, halfTrees = HALF_TREES): Float64Array {
  const p = new Float64Array(rows.length);
  const ds = (part: Row[]) => dataset(part, s.chatW, s.drop);
  for (const k of [0, 1]) {
    const train = rows.filter((r) => foldOf(r.pair) !== k);
    const { model } = earlyStopped(trainGbdt(ds(train), { ...s.gbdt, trees: halfTrees, seed: s.gbdt.seed + 50 + k }, ds(devFloor)));
    rows.forEach((r, i) => {
      if (foldOf(r.pair) === k) p[i] = sigmoid(modelMargin(model, r.x));
    });
  }
  return p;
}

/** The training rows without the fit-file label-0 rows whose out-of-fold probability is >= maxNegP (>= 1 = off). */
export function denoiseRows(rows: Row[], devFloor: Row[], s: TrainSettings, maxNegP: number, log: Log, halfTrees = HALF_TREES): Row[] {
  if (maxNegP >= 1) return rows;
  const p = outOfFoldProbabilities(rows, devFloor, s, halfTrees);
  const dropped = new Set(rows.filter((r, i) => fromFitFile(r) && r.label === 0 && (p[i] as number) >= maxNegP));
  const bySource = new Map<string, number>();
  for (const r of dropped) bySource.set(r.pair.source, (bySource.get(r.pair.source) ?? 0) + 1);
  log(`denoise: left out ${dropped.size} fit-file label-0 rows with out-of-fold probability >= ${maxNegP} (${[...bySource].map(([k, v]) => `${k} ${v}`).join(', ')})`);
  return rows.filter((r) => !dropped.has(r));
}
