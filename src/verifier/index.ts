import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { PairVectors, Verifier } from '../core/ports.js';
import type { VerifierVeto } from '../core/types.js';
import { Adapter } from './adapter.js';
import { FEATURE_NAMES, FeatureExtractor, Idf, vetoOf, type PairRules } from './features.js';
import { Lexicon } from './lexicon.js';
import { PairMlp } from './pair-mlp.js';
import { calibrated, compileModel, thresholdForRate, validateWeights, type CompiledModel, type WeightsJson } from './model.js';

export { FEATURE_NAMES } from './features.js';

export type { WeightsJson, OperatingPoint } from './model.js';

/** A loaded hit verifier: features of the pair -> model margin -> calibrated probability. */
export class HitVerifier implements Verifier {
  readonly id: string;
  private readonly fx: FeatureExtractor;
  private readonly model: CompiledModel;
  private readonly adapter: Adapter | null;
  private readonly pairMlp: PairMlp | null;

  constructor(
    readonly weights: WeightsJson,
    lexicon: Lexicon,
  ) {
    this.id = `verifier@${weights.version}`;
    this.fx = new FeatureExtractor(lexicon, new Idf(weights.idf));
    this.model = compileModel(weights.model);
    this.adapter = weights.adapter === undefined ? null : Adapter.fromJson(weights.adapter);
    this.pairMlp = weights.pairMlp === undefined ? null : PairMlp.fromJson(weights.pairMlp);
  }

  /** Feature vector of a pair (for diagnostics and tests). */
  features(query: string, candidate: string, similarity: number, vectors?: PairVectors, rules?: PairRules): Float64Array {
    const adapted = this.adapter === null ? 0 : vectors === undefined ? similarity : this.adapter.cosine(vectors.query, vectors.candidate);
    // Without vectors the network has nothing to read: 0 is its "undecided" logit.
    const mlp = this.pairMlp === null || vectors === undefined ? 0 : this.pairMlp.logit(vectors.query, vectors.candidate);
    return this.fx.features(query, candidate, similarity, adapted, mlp, rules);
  }

  score(query: string, candidate: string, similarity: number, vectors?: PairVectors): number {
    return this.assess(query, candidate, similarity, vectors).score;
  }

  /** Vetoed pairs (see vetoOf) score 0 whatever the model says. */
  assess(query: string, candidate: string, similarity: number, vectors?: PairVectors): { score: number; veto: VerifierVeto | null } {
    const rules: PairRules = { directionSwaps: 0 };
    const x = this.features(query, candidate, similarity, vectors, rules);
    const veto = vetoOf(x, rules);
    if (veto !== null) return { score: 0, veto };
    return { score: calibrated(this.weights, this.model.margin(x)), veto: null };
  }

  thresholdFor(maxFalseHitRate: number): number {
    return thresholdForRate(this.weights.operatingPoints, maxFalseHitRate);
  }
}

/** Loads the verifier written by `npm run train-verifier` (weights.json plus the lexicon file
 * next to it). Throws when a file is missing or does not match this code. */
export async function loadVerifier(weightsPath: string): Promise<Verifier & HitVerifier> {
  const path = resolve(weightsPath);
  if (!existsSync(path)) {
    throw new Error(`verifier weights ${path} not found: run "npm run train-verifier" to produce them`);
  }
  const weights = validateWeights(JSON.parse(readFileSync(path, 'utf8')) as unknown, path);
  if (weights.features.join(',') !== FEATURE_NAMES.join(',')) {
    throw new Error(`verifier weights ${path} were trained on other features than this code computes: retrain with "npm run train-verifier"`);
  }
  const lexPath = resolve(dirname(path), weights.lexicon.file);
  if (!existsSync(lexPath)) {
    throw new Error(`verifier lexicon ${lexPath} (named by ${path}) not found: run "npm run train-verifier" to produce it`);
  }
  const text = readFileSync(lexPath, 'utf8');
  const sha = createHash('sha256').update(text).digest('hex');
  if (sha !== weights.lexicon.sha256) {
    throw new Error(`verifier lexicon ${lexPath} does not match ${path} (sha256 differs): retrain with "npm run train-verifier"`);
  }
  return new HitVerifier(weights, Lexicon.parse(text));
}
