/**
 * Trains the hit verifier (src/verifier) and writes models/verifier/{lexicon.txt,weights.json,report.md}.
 *
 *   npm run train-verifier [-- --data DIR] [--out DIR] [--qqp N] [--cache FILE] [--no-test]
 *     [--trees N] [--depth D] [--lr X] [--seed S]           boosted trees (defaults: GBDT)
 *     [--rank R] [--epochs E] [--adapter-lr X] [--adapter-wd X]   adapter (defaults: ADAPTER)
 *     [--mlp H] [--mlp-epochs E] [--mlp-lr X] [--mlp-wd X]  pair network, H = 0 turns it off (defaults: MLP)
 *     [--synth X] [--chat]                                  rule-made pairs: amount, chat-style rephrasings
 *     [--chat-train W]                                      weight of the hand-written chat training pairs (0 = off)
 *     [--implied N] [--bag K]                               transitivity-implied pairs, K averaged tree models
 *     [--denoise P] [--monotone +f,-g]                      leave likely mislabelled fit-file negatives out (1 = off), monotone trees
 *     [--drop f,g]                                          features left out of the fit (ablations)
 *
 * Fits only on qqp_train, paws_dev, mrpc_train and stsb_dev (a seeded 25 % slice of each is held
 * out as the development set: early stopping, calibration, operating points, model choice), plus
 * the hand-written chat training pairs (src/verifier/train/chat-train-pairs.tsv, training only).
 * The *_test files are embedded and scored once at the very end for the report; nothing is
 * chosen from them. Embeddings are cached on disk (--cache) so reruns take a minute or two.
 * Defaults (GBDT, ADAPTER, MLP) and the measurements behind them: train-verifier-options.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransformersEmbedder } from '../embedding/transformers-embedder.js';
import { FEATURE_NAMES } from '../verifier/features.js';
import { Lexicon } from '../verifier/lexicon.js';
import type { WeightsJson } from '../verifier/model.js';
import { CHAT_DEV_FILE, CHAT_TRAIN_FILE, FIT_FILES, TEST_FILES, readPairs, type Pair } from '../verifier/train/data.js';
import { EmbeddingCache, cosine } from '../verifier/train/embed-cache.js';
import { buildLexicon } from '../verifier/train/wordnet.js';
import { denoiseRows } from './train-verifier-denoise.js';
import { impliedFor, readFitData, synthesizePairs, texts, type FitData, type Synthetic } from './train-verifier-data.js';
import { atDefaultRate, chooseModel, cosineBaseline, evaluate, trainModels } from './train-verifier-models.js';
import { FLOOR, SEED, TRAIN_MIN_COS, chatDir, parseSettings, repo } from './train-verifier-options.js';
import { reportLines, testLines, type ReportInput } from './train-verifier-report.js';
import { rowMaker, trainViews, type Row, type ToRows, type Views } from './train-verifier-views.js';

const S = parseSettings();
const t0 = Date.now();
const log = (msg: string): void => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}`);

/** Lexicon, distilled from WordNet and shipped next to the weights. */
function writeLexicon(): { lex: Lexicon; lexSha: string } {
  const lexText = buildLexicon();
  writeFileSync(join(S.outDir, 'lexicon.txt'), lexText);
  const lexSha = createHash('sha256').update(lexText).digest('hex');
  const lex = Lexicon.parse(lexText);
  log(`lexicon: ${lex.stats.words} words, ${lex.stats.synsets} synsets, ${lex.stats.antonymPairs} antonym pairs (${(lexText.length / 1024).toFixed(0)} KiB)`);
  return { lex, lexSha };
}

interface Embedded {
  embedder: TransformersEmbedder;
  cache: EmbeddingCache;
  chatDev: Pair[];
  chatTrain: Pair[];
}

/** Embeddings of every text the training reads (cached on disk). */
async function embedAll(data: FitData, synth: Synthetic): Promise<Embedded> {
  const embedder = await TransformersEmbedder.load({ modelsDir: join(repo, 'models'), model: 'onnx-community/all-MiniLM-L6-v2-ONNX', dtype: 'q4', threads: 2 });
  const cachePath = S.cache ?? join(tmpdir(), `dejavu-verifier-emb-${embedder.modelId.replace(/[^a-z0-9]+/gi, '_')}.bin`);
  const cache = new EmbeddingCache(cachePath, embedder.dims);
  log(`embedding cache ${cachePath}: ${cache.size} vectors`);
  const chatDev = readPairs(chatDir, CHAT_DEV_FILE);
  const chatTrain = S.chatW > 0 ? readPairs(chatDir, CHAT_TRAIN_FILE) : [];
  await cache.fill(embedder, [...texts(data.fit), ...texts(synth.trainSynth), ...texts(synth.devSynth), ...texts(chatDev), ...texts(chatTrain)], (m) => log(m));
  return { embedder, cache, chatDev, chatTrain };
}

interface FeatureRows {
  views: Views;
  toRows: ToRows;
  trainRows: Row[];
  devRows: Row[];
  devSynthRows: Row[];
  chatRows: Row[];
}

/** The learned views (trainViews), then the feature rows of every slice. */
function featureRows(data: FitData, synth: Synthetic, emb: Embedded): FeatureRows {
  const vec = (t: string): Float32Array => emb.cache.get(t) as Float32Array;
  const cosOf = (p: Pair): number => cosine(vec(p.a), vec(p.b));
  const trainPairs = [...data.trainReal, ...synth.trainSynth, ...emb.chatTrain].filter((p) => cosOf(p) >= TRAIN_MIN_COS);
  const heldOut = (): Pair[] => [...data.devReal, ...TEST_FILES.flatMap((s) => readPairs(S.dataDir, s))];
  const implied = impliedFor(data.trainReal, heldOut, S.implied, log).filter((p) => cosOf(p) >= TRAIN_MIN_COS);
  const views = trainViews(trainPairs, implied, vec, S, log);
  const toRows = rowMaker(synth.fx, vec, cosOf, views);
  const tf = Date.now();
  const trainRows = toRows(trainPairs, true);
  const devRows = toRows(data.devReal);
  const devSynthRows = toRows(synth.devSynth);
  const chatRows = toRows(emb.chatDev);
  log(`features: ${trainRows.length + devRows.length + devSynthRows.length} pairs in ${((Date.now() - tf) / 1000).toFixed(1)} s; ${trainRows.length} training pairs with cosine >= ${TRAIN_MIN_COS}`);
  return { views, toRows, trainRows, devRows, devSynthRows, chatRows };
}

/** Models trained on the rows, the chosen one scoring every dev slice. */
function fitModels(rows: FeatureRows): Pick<ReportInput, 'devFloor' | 'trained' | 'candidates' | 'chosen' | 'thr' | 'cosThrRate' | 'cosThrF1'> {
  const devFloor = rows.devRows.filter((r) => r.cos >= FLOOR);
  const trained = trainModels(denoiseRows(rows.trainRows, devFloor, S, S.denoise, log), devFloor, S, log);
  const { candidates, chosen } = chooseModel(trained, rows.devRows, devFloor, log);
  evaluate(chosen.model, rows.devRows, chosen.platt);
  evaluate(chosen.model, rows.devSynthRows, chosen.platt);
  evaluate(chosen.model, rows.chatRows, chosen.platt);
  const thr = atDefaultRate(chosen.points).threshold;
  return { devFloor, trained, candidates, chosen, thr, ...cosineBaseline(rows.devRows) };
}

/** The weights file; its version is a hash of everything the service reads. */
function writeWeights(r: Omit<ReportInput, 'weights'>, lexSha: string, views: Views): WeightsJson {
  const { chosen, data } = r;
  const body = {
    features: [...FEATURE_NAMES],
    lexicon: { file: 'lexicon.txt', sha256: lexSha },
    idf: r.synth.idfTable,
    model: chosen.model,
    calibration: { kind: 'platt' as const, ...chosen.platt },
    candidateFloor: FLOOR,
    operatingPoints: chosen.points,
    adapter: views.adapter.toJson(),
    ...(views.mlp === null ? {} : { pairMlp: views.mlp.toJson() }),
  };
  const version = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 12);
  const weights: WeightsJson = {
    format: 'dejavu-verifier/1',
    version,
    createdAt: new Date().toISOString(),
    ...body,
    training: {
      script: 'src/cli/train-verifier.ts',
      seed: SEED,
      model: chosen.name,
      gbdt: { ...S.gbdt, bag: S.bag, treesKept: S.bag === 1 ? (r.trained.kept[0] as number) : r.trained.kept },
      adapter: S.adapter,
      pairMlp: S.mlp,
      trainPairs: r.trainRows.length,
      devPairs: r.devRows.length,
      sources: Object.fromEntries(FIT_FILES.map((s) => [s, { train: data.trainReal.filter((p) => p.source === s).length, dev: data.devReal.filter((p) => p.source === s).length }])),
      synthetic: r.synth.trainSynth.length,
      chatTrain: { pairs: r.chatTrain.length, weight: S.chatW },
      cosineBaseline: { thresholdAtRate: r.cosThrRate, thresholdBestF1: r.cosThrF1 },
    },
  };
  writeFileSync(join(S.outDir, 'weights.json'), `${JSON.stringify(weights)}\n`);
  log(`wrote ${join(S.outDir, 'weights.json')} (verifier@${version})`);
  return weights;
}

/** The test files, embedded and scored by the chosen model (report only, after every choice). */
async function scoreTestFiles(emb: Embedded, toRows: ToRows, chosen: ReportInput['chosen']): Promise<Record<string, Row[]>> {
  log('scoring the test files (report only)');
  const testRows: Record<string, Row[]> = {};
  for (const stem of TEST_FILES) {
    const ps = readPairs(S.dataDir, stem);
    await emb.cache.fill(emb.embedder, texts(ps), (m) => log(`${stem}: ${m}`));
    const rows = toRows(ps);
    evaluate(chosen.model, rows, chosen.platt);
    testRows[stem] = rows;
  }
  return testRows;
}

async function main(): Promise<void> {
  if (!existsSync(join(S.dataDir, 'qqp_train.tsv'))) throw new Error(`pair files not found in ${S.dataDir} (use --data DIR)`);
  mkdirSync(S.outDir, { recursive: true });
  // 1. Lexicon. 2. Fit data. 3. Rule-made pairs.
  const { lex, lexSha } = writeLexicon();
  const data = readFitData(S.dataDir, S.qqpN);
  const synth = synthesizePairs(data, lex, S, log);
  // 4. Embeddings, the learned views and the feature rows.
  const emb = await embedAll(data, synth);
  const rows = featureRows(data, synth, emb);
  // 5. Models.
  const fitted = fitModels(rows);
  const input = { s: S, data, synth, chatTrain: emb.chatTrain, chatDev: emb.chatDev, ...rows, ...fitted };
  // 6. Weights file. 7. Report (test files scored once, here, after every choice is made).
  const weights = writeWeights(input, lexSha, rows.views);
  const lines = reportLines({ ...input, weights });
  if (!S.noTest) lines.push(...testLines(await scoreTestFiles(emb, rows.toRows, fitted.chosen), fitted));
  emb.cache.close();
  await emb.embedder.close();
  writeFileSync(join(S.outDir, 'report.md'), lines.join('\n'));
  log(`wrote ${join(S.outDir, 'report.md')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
