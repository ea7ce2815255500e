import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FEATURE_NAMES } from '../verifier/features.js';
import type { GbdtParams } from '../verifier/train/gbdt.js';

/** Settings of `npm run train-verifier` (train-verifier.ts): the fixed choices with the
 * measurements behind them, and the command-line options that override some of them. */

export const SEED = 'dejavu-verifier-1';
export const DEV_SHARE = 0.25;
/** QQP pairs (of the seeded order) the QQP dev slice is drawn from. */
export const QQP_DEV_BASE = 20000;
/** The service's candidate floor: operating points count false hits among pairs at or above it. */
export const FLOOR = 0.7;
/** Training uses pairs down to this cosine (below the floor for context; far pairs are noise). */
export const TRAIN_MIN_COS = 0.5;
export const RATES = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2];
export const DEFAULT_RATE = 0.01;
/** Depth 6 at step 0.08 early-stops near 630 trees (measured on dev: AUC 0.845 -> 0.851 against depth 4 at 0.05,
 * which still improved at 1200 trees). */
const GBDT: GbdtParams = { trees: 1200, depth: 6, learningRate: 0.08, minChildWeight: 3, lambda: 2, subsample: 0.8, bins: 64, seed: 7 };
export const LOGISTIC_L2 = 1;
/** Adapter W: 64 x 384, 4 epochs of Adam (measured on dev: QQP AUC above the floor 0.70 -> 0.80). */
const ADAPTER = { rank: 64, epochs: 4, lr: 0.002, batch: 32, wd: 0 };
/** Pair network (feature pair_mlp): hidden units (0 = off), Adam epochs / step / decay. Measured on dev
 * (depth-4 trees): QQP recall at rate 0.01 0.251 -> 0.284; 8 epochs at step 0.002 overfit (0.264). */
const MLP = { hidden: 64, epochs: 4, lr: 0.001, batch: 32, wd: 0 };

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The hand-written chat pair files (dev and train) live next to the training code. */
export const chatDir = join(repo, 'src', 'verifier', 'train');

function readArgs() {
  const { values: args } = parseArgs({
    options: {
      data: { type: 'string', default: resolve(repo, '..', 'shared', 'data', 'pairs') },
      out: { type: 'string', default: join(repo, 'models', 'verifier') },
      qqp: { type: 'string', default: '60000' },
      cache: { type: 'string' },
      'no-test': { type: 'boolean', default: false },
      trees: { type: 'string' },
      lr: { type: 'string' },
      depth: { type: 'string' },
      /** Row-sampling seed of the boosted trees (GBDT.seed): another seed measures retrain noise. Measured
       * 2026-11-26 with the shipped data (dev recall at rate 0.01 / chat dev served of 126): seed 7 0.253 / 48,
       * 8 0.230 / 45, 9 0.242 / 46. */
      seed: { type: 'string' },
      synth: { type: 'string', default: '1' },
      /** Chat-style template positives (wider framings, greetings, thanks; see rephrase.ts). */
      chat: { type: 'boolean', default: false },
      /** Weight of the hand-written chat-style training pairs (CHAT_TRAIN_FILE): per-row weight in the
       * trees, whole repeats in the learned views; 0 = off. Measured 2026-11-26 (dev recall at rate 0.01,
       * pooled fit files / chat dev rephrasings served of 126, 0 chat dev false hits unless said):
       * off 0.253 / 30; 3: 0.234 / 34; 10: 0.236 / 39; 20: 0.221 / 37 with 1 false hit; 3 in the
       * trees only 0.233 / 31, in the views only 0.232 / 24. Then the set doubled (1,417 -> 2,954 pairs,
       * six more subject areas): weight 5 gives 0.253 / 48 with 1 false hit of 137. More pairs written
       * the same way (eight more subject areas, kept out of the repo) did not help: 3,731 pairs at weight 5
       * 0.222 / 50, at weight 3 0.233 / 43; 5,008 pairs at weight 5 0.217 / 46 with 1 false hit. Weight 5
       * on the 2,954 pairs' rephrasings only (near-misses at 1): 0.223 / 44. */
      'chat-train': { type: 'string', default: '5' },
      /** Pairs implied by transitivity (transitive.ts) per shared text, for the learned views; 0 = off.
       * Measured 2026-11-26 with 20 (15,207 pairs): dev AUC 0.851 -> 0.852 but recall at rate 0.01 0.252 -> 0.244, so off. */
      implied: { type: 'string', default: '0' },
      /** Boosted models averaged (different row samples); 1 = a single model. Measured 2026-11-26 with 3:
       * dev AUC 0.851 -> 0.853, recall at rate 0.01 0.252 -> 0.257 but 0.354 -> 0.348 at 0.02 and
       * 0.185 -> 0.172 at 0.005 (inside retrain noise, +-0.01), for 3x the trees, so 1. */
      bag: { type: 'string', default: '1' },
      /** Label-noise filter (train-verifier-denoise.ts): fit-file label-0 pairs whose out-of-fold probability is
       * >= P stay out of the trees' fit; 1 = off. Measured 2026-11-26 (dev recall at rate 0.01 / chat dev served
       * of 126): off 0.253 / 48; 0.9 (663 rows dropped, 625 from QQP) 0.233 / 44; 0.8 (1,916 dropped) 0.198 / 30.
       * The dev pairs that set the threshold keep their labels, so the mislabelled duplicates among them score
       * higher and the threshold rises with them; so off. */
      denoise: { type: 'string', default: '1' },
      /** Monotone constraints for the trees: comma-separated feature names, each with + (the score may
       * only rise with it) or - (only fall), e.g. "+cosine,+adapted_cosine,+pair_mlp". Measured 2026-11-26 (dev
       * recall at rate 0.01 / chat dev served of 126; none: 0.253 / 48): those three 0.230 / 39; with -antonym_pairs,
       * -numbers_unmatched_min/max, -negation_diff, -direction_swaps, -role_swaps, +synonym_matches and
       * +stem_matches as well 0.223 / 37. So none. */
      monotone: { type: 'string', default: '' },
      /** Features the models may not use (comma-separated names): their columns are zeroed in the fit, so
       * no tree splits on them. For ablations. Measured 2026-11-26 (dev recall at rate 0.01 / chat dev served of
       * 126; none: 0.253 / 48): bigram_jaccard,trigram_jaccard 0.241 / 46; those and context_prev_diff,
       * context_next_diff 0.244 / 48. So none. */
      drop: { type: 'string', default: '' },
      /** Adapter knobs (defaults: ADAPTER). */
      rank: { type: 'string' },
      epochs: { type: 'string' },
      'adapter-lr': { type: 'string' },
      'adapter-wd': { type: 'string' },
      /** Pair network knobs (defaults: MLP). */
      mlp: { type: 'string' },
      'mlp-epochs': { type: 'string' },
      'mlp-lr': { type: 'string' },
      'mlp-wd': { type: 'string' },
    },
  });
  return args;
}

/** The settings of one training run: the defaults above with the command line's overrides. */
export interface TrainSettings {
  dataDir: string;
  outDir: string;
  qqpN: number;
  /** Embedding cache file (--cache); undefined = one per model in the temp dir. */
  cache: string | undefined;
  noTest: boolean;
  gbdt: GbdtParams;
  adapter: typeof ADAPTER;
  mlp: typeof MLP;
  synthScale: number;
  chat: boolean;
  chatW: number;
  /** Implied pairs per shared text (--implied; 0 = off). */
  implied: number;
  bag: number;
  /** --denoise P (1 = off). */
  denoise: number;
  /** --drop: indices (FEATURE_NAMES) of the features left out of the fit. */
  drop: number[];
}

/** The non-empty items of a comma-separated option value. */
const items = (spec: string): string[] => spec.split(',').map((t) => t.trim()).filter((t) => t !== '');

/** Index of a feature name in FEATURE_NAMES, or -1. */
const featureIndex = (name: string): number => (FEATURE_NAMES as readonly string[]).indexOf(name);

const badFeature = (option: string, item: string, expected: string): Error =>
  new Error(`--${option}: "${item}" is not ${expected} (features: ${FEATURE_NAMES.join(', ')})`);

/** "+a,-b" -> per feature of FEATURE_NAMES: +1 for a, -1 for b, 0 otherwise. */
export function monotoneOf(spec: string): number[] {
  const out = FEATURE_NAMES.map(() => 0);
  for (const item of items(spec)) {
    const k = featureIndex(item.slice(1));
    if ((item[0] !== '+' && item[0] !== '-') || k < 0) throw badFeature('monotone', item, '+feature or -feature');
    out[k] = item[0] === '+' ? 1 : -1;
  }
  return out;
}

/** "a,b" -> their indices in FEATURE_NAMES. */
export function featureIndices(spec: string): number[] {
  return items(spec).map((name) => {
    const k = featureIndex(name);
    if (k < 0) throw badFeature('drop', name, 'a feature');
    return k;
  });
}

/** Reads the command line (process.argv); throws on an unknown option. */
export function parseSettings(): TrainSettings {
  const args = readArgs();
  const gbdt = { ...GBDT };
  const adapter = { ...ADAPTER };
  const mlp = { ...MLP };
  if (args.trees !== undefined) gbdt.trees = Number(args.trees);
  if (args.lr !== undefined) gbdt.learningRate = Number(args.lr);
  if (args.depth !== undefined) gbdt.depth = Number(args.depth);
  if (args.seed !== undefined) gbdt.seed = Number(args.seed);
  if (args.monotone !== '') gbdt.monotone = monotoneOf(args.monotone as string);
  if (args.rank !== undefined) adapter.rank = Number(args.rank);
  if (args.epochs !== undefined) adapter.epochs = Number(args.epochs);
  if (args['adapter-lr'] !== undefined) adapter.lr = Number(args['adapter-lr']);
  if (args['adapter-wd'] !== undefined) adapter.wd = Number(args['adapter-wd']);
  if (args.mlp !== undefined) mlp.hidden = Number(args.mlp);
  if (args['mlp-epochs'] !== undefined) mlp.epochs = Number(args['mlp-epochs']);
  if (args['mlp-lr'] !== undefined) mlp.lr = Number(args['mlp-lr']);
  if (args['mlp-wd'] !== undefined) mlp.wd = Number(args['mlp-wd']);
  return {
    dataDir: resolve(args.data as string),
    outDir: resolve(args.out as string),
    qqpN: Number(args.qqp),
    cache: args.cache as string | undefined,
    noTest: args['no-test'] as boolean,
    gbdt,
    adapter,
    mlp,
    synthScale: Number(args.synth),
    chat: args.chat as boolean,
    chatW: Number(args['chat-train']),
    implied: Number(args.implied),
    bag: Math.max(1, Math.floor(Number(args.bag))),
    denoise: Number(args.denoise),
    drop: featureIndices(args.drop as string),
  };
}
