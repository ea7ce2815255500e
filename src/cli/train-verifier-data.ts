import { FeatureExtractor, Idf, countDocumentFrequencies, type IdfTable } from '../verifier/features.js';
import type { Lexicon } from '../verifier/lexicon.js';
import { KNOWN_ENTITIES, STOPWORDS } from '../verifier/lists.js';
import { analyze } from '../verifier/text.js';
import { CHAT_TRAIN_FILE, FIT_FILES, hashUnit, readPairs, rng, seededSubset, type Pair } from '../verifier/train/data.js';
import { Perturber, synthesize } from '../verifier/train/synth.js';
import { impliedPairs, pairKey, type ImpliedPair } from '../verifier/train/transitive.js';
import { DEV_SHARE, QQP_DEV_BASE, SEED, type TrainSettings } from './train-verifier-options.js';

/** The training pairs of train-verifier.ts: the fit files with their dev slice, the rule-made
 * pairs, and the pairs implied by transitivity. */

export type Log = (msg: string) => void;

export interface FitData {
  fit: Pair[];
  trainReal: Pair[];
  devReal: Pair[];
}

/** Fit data: QQP subset + all of the small files; seeded dev slice of each. */
export function readFitData(dataDir: string, qqpN: number): FitData {
  const fit: Pair[] = [];
  // The dev slice of QQP is always drawn from the same first QQP_DEV_BASE pairs of the seeded
  // order, so using more QQP pairs for training (--qqp) leaves the dev set unchanged.
  const qqpDevBase = new Set<string>();
  for (const stem of FIT_FILES) {
    let ps = readPairs(dataDir, stem);
    if (stem === 'qqp_train') {
      ps = seededSubset(ps, Number.MAX_SAFE_INTEGER, `${SEED}:qqp`);
      ps.slice(0, QQP_DEV_BASE).forEach((p) => qqpDevBase.add(p.id));
      ps = ps.slice(0, qqpN);
    }
    fit.push(...ps);
  }
  const isDev = (p: Pair): boolean => hashUnit(`${SEED}:dev`, p.id) < DEV_SHARE && (p.source !== 'qqp_train' || qqpDevBase.has(p.id));
  const trainReal = fit.filter((p) => !isDev(p));
  const devReal = fit.filter(isDev);
  return { fit, trainReal, devReal };
}

/** Entity names (capitalised mid-sentence, unknown to the lexicon, seen >= 3 times, plus the
 * known entities) and lexicon words (seen >= 5 times) of the training texts, for the perturber. */
function substitutes(trainReal: Pair[], lex: Lexicon): { entities: string[]; vocab: string[] } {
  const wordCount = new Map<string, number>();
  const entCount = new Map<string, number>();
  for (const p of trainReal) {
    for (const t of [p.a, p.b]) {
      const ws = t.match(/[\p{L}][\p{L}'-]*/gu) ?? [];
      ws.forEach((w, i) => {
        const l = w.toLowerCase();
        if (i > 0 && /^\p{Lu}\p{Ll}+$/u.test(w) && !STOPWORDS.has(l) && !lex.has(l)) entCount.set(w, (entCount.get(w) ?? 0) + 1);
        if (/^\p{Ll}{3,}$/u.test(w) && !STOPWORDS.has(l) && lex.has(l)) wordCount.set(l, (wordCount.get(l) ?? 0) + 1);
      });
    }
  }
  const entities = [...[...entCount].filter(([, c]) => c >= 3).map(([w]) => w), ...[...KNOWN_ENTITIES].filter((w) => /^[a-z]{3,}$/.test(w))].sort();
  const vocab = [...wordCount].filter(([, c]) => c >= 5).map(([w]) => w).sort();
  return { entities, vocab };
}

export interface Synthetic {
  idfTable: IdfTable;
  fx: FeatureExtractor;
  trainSynth: Pair[];
  devSynth: Pair[];
}

/** Synthetic near misses from the paraphrase pairs of each slice (dev ones only reported), and
 * the IDF table of the real training texts with the feature extractor that reads it. */
export function synthesizePairs(data: FitData, lex: Lexicon, s: TrainSettings, log: Log): Synthetic {
  const { entities, vocab } = substitutes(data.trainReal, lex);
  const pert = new Perturber(lex, entities, vocab);
  const idfTable = countDocumentFrequencies([...new Set(data.trainReal.flatMap((p) => [p.a, p.b]))].map((t) => analyze(t, lex)));
  const fx = new FeatureExtractor(lex, new Idf(idfTable), 4096);
  const synthOpts = { negPerPair: 0.9 * s.synthScale, posPerPair: 0.45 * s.synthScale, selfShare: 0.4, templatePerPair: 1, chat: s.chat };
  const trainSynth = synthesize(data.trainReal, pert, synthOpts, rng(11));
  const devSynth = synthesize(data.devReal, pert, synthOpts, rng(12));
  log(`idf: ${idfTable.docs} texts, ${Object.keys(idfTable.df).length} stems`);
  log(
    `fit pairs: ${data.trainReal.length} train + ${data.devReal.length} dev (real), ${trainSynth.length} + ${devSynth.length} synthetic; ${entities.length} entities, ${vocab.length} vocab words`,
  );
  return { idfTable, fx, trainSynth, devSynth };
}

export const texts = (ps: Pair[]): string[] => ps.flatMap((p) => [p.a, p.b]);

export const isChat = (p: Pair): boolean => p.source === CHAT_TRAIN_FILE;

/** Pairs implied by transitivity among the real training pairs (--implied per shared text),
 * never re-creating a held-out pair. */
export function impliedFor(trainReal: Pair[], heldOut: () => Pair[], perHub: number, log: Log): ImpliedPair[] {
  if (!(perHub > 0)) return [];
  const ps = impliedPairs(trainReal, new Set(heldOut().map(pairKey)), { perHub, seed: 13 });
  const pos = ps.filter((p) => p.label === 1).length;
  log(`implied pairs: ${ps.length} (${pos} label 1, ${ps.length - pos} label 0), at most ${perHub} per shared text`);
  return ps;
}
