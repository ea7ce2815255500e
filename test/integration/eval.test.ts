import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import type { Embedder } from '../../src/core/ports.js';
import { runEval, type EvalReport } from '../../src/cli/eval-run.js';
import { MODELS_DIR, REPO, realEmbedder, runNpmScript, tempDir, testConfig } from '../helpers.js';

// Cosine similarities with the shipped model: paraphrases 0.95-1.0, unrelated < 0.2, the
// direction swap 0.99 (a false hit for any cosine threshold), the "dup" rows near-identical.
const ROWS: Array<[string, string, string, 0 | 1, string]> = [
  ['p1', 'How do I reverse a string in Python?', 'How can I reverse a string in Python?', 1, 'paraphrase'],
  ['p2', 'What is the capital of France?', "What's the capital city of France?", 1, 'paraphrase'],
  ['p3', 'How should I brew green tea?', 'How do I brew green tea?', 1, 'paraphrase'],
  ['p4', 'How many days are there in a leap year?', 'How many days does a leap year have?', 1, 'paraphrase'],
  ['p5', 'What are the common symptoms of the flu?', 'What are the symptoms of the flu?', 1, 'paraphrase'],
  ['u1', 'How do I bake sourdough bread at home?', 'What is the tallest mountain in Africa?', 0, 'unrelated'],
  ['u2', 'Explain how a car engine works.', 'Who wrote the novel Pride and Prejudice?', 0, 'unrelated'],
  ['u3', 'What is the best way to learn Spanish?', 'How do I fix a flat bicycle tire?', 0, 'unrelated'],
  ['u4', 'What time does the sun set in winter?', 'How do I change my email password?', 0, 'unrelated'],
  ['s1', 'How do I convert Celsius to Fahrenheit?', 'How do I convert Fahrenheit to Celsius?', 0, 'swap'],
  // d1's text_b is d2's text_a: in replay mode the exact tier serves d2's entry for it.
  ['d1', 'How can I sort a list in JavaScript?', 'How do I sort a list in JavaScript?', 1, 'dup'],
  ['d2', 'How do I sort a list in JavaScript?', 'How do you sort a list in JavaScript?', 1, 'dup'],
];

function total(r: EvalReport): number {
  const o = r.outcomes;
  return o.correct + o.wrongEntry + o.falseHit + o.miss;
}

describe('eval (labelled pairs through the real cache)', () => {
  let tmp: { dir: string; cleanup: () => void };
  let pairs: string;
  let config: Config;
  let embedder: Embedder;

  beforeAll(async () => {
    tmp = tempDir('dejavu-eval-test-');
    pairs = join(tmp.dir, 'pairs.tsv');
    writeFileSync(pairs, `id\ttext_a\ttext_b\tlabel\tfamily\n${ROWS.map((r) => r.join('\t')).join('\n')}\n`);
    config = testConfig(join(tmp.dir, 'unused-data'));
    embedder = await realEmbedder();
  });
  afterAll(() => tmp.cleanup());

  it('pairwise, cosine 0.9: paraphrases hit their own entry, unrelated pairs miss, the swap is a false hit', async () => {
    const r = await runEval({ pairs, mode: 'pairwise', decision: 'cosine', config, embedder });
    expect(r.decision).toMatchObject({ kind: 'cosine', threshold: 0.9 });
    expect(r.rows).toBe(12);
    expect(total(r)).toBe(12);
    expect(r.label1 + r.label0).toBe(12);
    expect(r.entries).toBe(12);
    expect(r.outcomes).toMatchObject({ correct: 7, wrongEntry: 0, falseHit: 1, miss: 4, exactHits: 0 });
    expect(r.families).toMatchObject({
      paraphrase: { rows: 5, correct: 5, miss: 0 },
      unrelated: { rows: 4, miss: 4, falseHit: 0 },
      swap: { rows: 1, falseHit: 1 },
      dup: { rows: 2, correct: 2, wrongEntry: 0 },
    });
    expect(r.metrics.recall).toBeCloseTo(7 / 7);
    expect(r.metrics.falseHitRate).toBeCloseTo(1 / 5);
    expect(r.metrics.precision).toBeCloseTo(7 / 8);
    expect(r.latencyMs.lookup.n).toBe(12);
    expect(r.latencyMs.lookup.p50).toBeGreaterThan(0);
    expect(r.sweep).toBeNull();
  });

  it('replay with --sweep: wrong-entry hits counted apart, the table agrees with the lookups, the SVG is written', async () => {
    const plot = join(tmp.dir, 'curve.svg');
    const r = await runEval({ pairs, mode: 'replay', decision: 'cosine', sweep: true, plot, config, embedder });
    expect(total(r)).toBe(12);
    expect(r.entries).toBe(12); // every text_a distinct
    const dup = r.families?.dup;
    expect(dup?.wrongEntry).toBeGreaterThanOrEqual(1); // d1 gets d2's entry from the exact tier
    expect((dup?.correct ?? 0) + (dup?.wrongEntry ?? 0)).toBe(2);
    expect(r.outcomes.exactHits).toBe(1);
    expect(r.outcomes.wrongEntry).toBe(dup?.wrongEntry);
    expect(r.families).toMatchObject({ paraphrase: { correct: 5 }, unrelated: { miss: 4 }, swap: { falseHit: 1 } });
    expect(r.outcomes.falseHitOtherEntry).toBe(0); // the swap hit its own text_a

    const sweep = r.sweep!;
    expect(sweep.mismatches).toBe(0);
    expect(sweep.plot).toBe(plot);
    const at = sweep.cosine.table.find((p) => p.threshold === 0.9);
    expect(at).toMatchObject({ correct: r.outcomes.correct, wrongEntry: r.outcomes.wrongEntry, falseHit: r.outcomes.falseHit, miss: r.outcomes.miss });
    // Lower thresholds never serve less; the exact hit is served at every threshold.
    const hits = sweep.cosine.table.map((p) => p.hits);
    expect(hits).toEqual([...hits].sort((a, b) => b - a));
    expect(Math.min(...hits)).toBeGreaterThanOrEqual(1);

    const svg = readFileSync(plot, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const curves = sweep.verifier === null ? 1 : 2;
    expect(svg.match(/<polyline /g)?.length).toBe(2 * curves); // each curve in both panels
    expect(svg).toContain('cosine only');
    expect(svg).toContain('false-hit rate');
    expect(svg).toContain('hit rate = recall');
    if (sweep.verifier !== null) expect(svg).toContain('verifier (score threshold');
  });

  it('the default decision (verifier when its weights load) with --limit and --sweep', async () => {
    const plotDir = join(tmp.dir, 'plots');
    mkdirSync(plotDir);
    const verifierConfig = testConfig(join(tmp.dir, 'unused-data'), { cache: { decision: 'verifier', verifier_path: join(MODELS_DIR, 'verifier/weights.json') } });
    const r = await runEval({ pairs, mode: 'pairwise', sweep: true, limit: 10, plotDir, config: verifierConfig, embedder });
    expect(r.rows).toBe(10);
    expect(r.fileRows).toBe(12);
    expect(total(r)).toBe(10);
    expect(r.decision.kind).toBe('verifier'); // the shipped weights load
    expect(r.sweep?.verifier).not.toBeNull();
    expect(r.sweep?.mismatches).toBe(0);
    expect(r.sweep?.plot).toBe(join(plotDir, 'eval-pairs-pairwise.svg'));
    expect(readFileSync(join(plotDir, 'eval-pairs-pairwise.svg'), 'utf8').startsWith('<svg')).toBe(true);
  });

  it('--calibrate picks a verifier threshold; the config it prints serves exactly that point; a stale one is refused', async () => {
    const plot = join(tmp.dir, 'calibrate.svg');
    const verifierConfig = testConfig(join(tmp.dir, 'unused-data'), { cache: { decision: 'verifier', verifier_path: join(MODELS_DIR, 'verifier/weights.json') } });
    // 5 label-0 rows cannot bound 1 % (268 needed even with no false hit) ...
    const strict = await runEval({ pairs, mode: 'pairwise', calibrate: 0.01, sweep: true, plot, config: verifierConfig, embedder });
    expect(strict.sweep?.calibration?.point).toBeNull();
    expect(strict.sweep?.calibration?.label0Needed).toBe(268);
    // ... but can bound 40 % (0 of 5 gives an upper bound of 35 %).
    const loose = await runEval({ pairs, mode: 'pairwise', calibrate: 0.4, sweep: true, plot, config: verifierConfig, embedder });
    const cal = loose.sweep?.calibration;
    const point = cal?.point;
    if (cal === undefined || cal === null || point === null || point === undefined) throw new Error('expected a calibration point');
    expect(point.falseHit).toBe(0);
    expect(point.recall).toBeGreaterThan(0);
    const applied = testConfig(join(tmp.dir, 'unused-data'), {
      cache: { ...verifierConfig.cache, verifier_calibration: { verifier: cal.verifier, min_score: point.threshold } },
    });
    const r = await runEval({ pairs, mode: 'pairwise', config: applied, embedder });
    expect(r.decision).toMatchObject({ kind: 'verifier', calibrated: true, minScore: point.threshold });
    expect(r.metrics.recall).toBe(point.recall);
    expect(r.metrics.falseHitRate).toBe(0);
    // An explicit --rate asks for the shipped operating point instead.
    const rated = await runEval({ pairs, mode: 'pairwise', rate: 0.01, config: applied, embedder });
    expect(rated.decision.calibrated).toBe(false);
    const stale = testConfig(join(tmp.dir, 'unused-data'), {
      cache: { ...verifierConfig.cache, verifier_calibration: { verifier: 'verifier@000000000000', min_score: 0.5 } },
    });
    await expect(runEval({ pairs, mode: 'pairwise', config: stale, embedder })).rejects.toThrow(/measured with verifier@000000000000/);
  });

  it('names the line of a malformed row', async () => {
    const bad = join(tmp.dir, 'bad.tsv');
    writeFileSync(bad, 'id\ttext_a\ttext_b\tlabel\nx1\tHello there\tHi there\t1\nx2\tone\ttwo\tyes\n');
    await expect(runEval({ pairs: bad, mode: 'pairwise', config, embedder })).rejects.toThrow(/line 3: label must be 0 or 1/);
  });

  it('npm run eval -- --pairs FILE --json exits 0 with a JSON report (child process)', async () => {
    const configFile = join(tmp.dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ embedder: { models_dir: MODELS_DIR, model: 'onnx-community/all-MiniLM-L6-v2-ONNX', dtype: 'q4', threads: 1 } }));
    const run = await runNpmScript('eval', ['--pairs', pairs, '--json', '--limit', '6'], { DEJAVU_CONFIG: configFile });
    expect(run.code, run.stderr).toBe(0);
    // Plain `npm run` prints its banner on stdout first.
    const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as EvalReport;
    expect(report.rows).toBe(6);
    expect(report.mode).toBe('pairwise');
    expect(total(report)).toBe(6);
    expect(run.stderr).toContain('[eval]');
  }, 120_000);
});
