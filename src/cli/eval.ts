// Decision quality on labelled pairs, through the real cache core in a temporary data dir:
//   npm run eval -- --pairs FILE.tsv [--mode pairwise|replay] [--sweep] [--plot FILE.svg] [--json]
//                   [--limit N] [--decision verifier|cosine] [--rate R] [--threshold T] [--calibrate R]
// FILE.tsv: header `id<TAB>text_a<TAB>text_b<TAB>label[<TAB>family]`, split on TAB, no quoting.
// pairwise: each pair alone in its own namespace (store text_a, look up text_b).
// replay:   every distinct text_a stored once in one namespace, then every text_b looked up.
// Markdown on stdout (JSON with --json), progress on stderr. Settings come from DEJAVU_CONFIG
// when set (its data_dir is never touched). Exit codes: 0 done, 1 failed, 2 bad arguments.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, parseConfig, type Config } from '../config.js';
import { PairsFileError } from './eval-pairs.js';
import { markdown } from './eval-report.js';
import { runEval, type DecisionKind, type EvalMode, type EvalOptions } from './eval-run.js';

/** Repo root: this file runs as dist/cli/eval.js (or src/cli/eval.ts under tsx). */
const REPO = resolve(import.meta.dirname, '..', '..');

const USAGE = `usage: npm run eval -- --pairs FILE.tsv [--mode pairwise|replay] [--sweep] [--plot FILE.svg] [--json]
                     [--limit N] [--decision verifier|cosine] [--rate R] [--threshold T] [--calibrate R]
  --pairs FILE      TSV with header id, text_a, text_b, label (optional 5th column family)
  --mode            pairwise (default): each pair in its own namespace;
                    replay: all distinct text_a stored in one namespace, then every text_b looked up
  --limit N         only the first N rows
  --decision D      verifier or cosine (default: cache.decision of the config)
  --rate R          verifier mode: max_false_hit_rate (default: the config's)
  --threshold T     cosine similarity threshold, as a request's "threshold" (implies cosine)
  --sweep           also print recall / false-hit rate over the threshold and write an SVG plot
  --plot FILE.svg   where the sweep writes its plot (default eval-<file>-<mode>.svg here)
  --calibrate R     pick the verifier threshold whose false-hit rate on this file stays <= R at 95 %
                    confidence, and print the cache.verifier_calibration config that applies it (implies --sweep)
  --json            the report as JSON instead of Markdown
Settings come from DEJAVU_CONFIG when set; the data dir is a temporary one, removed at the end.`;

class UsageError extends Error {}

const log = (msg: string): void => {
  process.stderr.write(`[eval] ${msg}\n`);
};

/** npm runs scripts in the package root; paths the user typed are relative to where they typed them. */
const userPath = (p: string): string => resolve(process.env.INIT_CWD ?? process.cwd(), p);

function fraction(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) throw new UsageError(`--${name} must be a number in (0, 1], got "${value}"`);
  return n;
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

interface Cli extends Omit<EvalOptions, 'config' | 'log'> {
  json: boolean;
}

function parseCli(argv: string[]): Cli {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      pairs: { type: 'string' },
      mode: { type: 'string' },
      sweep: { type: 'boolean', default: false },
      plot: { type: 'string' },
      json: { type: 'boolean', default: false },
      limit: { type: 'string' },
      decision: { type: 'string' },
      rate: { type: 'string' },
      threshold: { type: 'string' },
      calibrate: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument(s): ${positionals.join(' ')}`);
  if (values.pairs === undefined) throw new UsageError('--pairs FILE.tsv is required');
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got "${values.limit}"`);
  }
  const decision = oneOf<DecisionKind>('decision', values.decision, ['verifier', 'cosine']);
  const threshold = fraction('threshold', values.threshold);
  if (decision === 'verifier' && threshold !== undefined) throw new UsageError('--threshold sets a cosine threshold; with --decision verifier use --rate');
  const calibrate = fraction('calibrate', values.calibrate);
  if (values.plot !== undefined && !values.sweep && calibrate === undefined) throw new UsageError('--plot needs --sweep');
  if (calibrate !== undefined && (decision === 'cosine' || threshold !== undefined)) throw new UsageError('--calibrate measures the verifier; drop --decision cosine / --threshold');
  return {
    pairs: userPath(values.pairs),
    mode: oneOf<EvalMode>('mode', values.mode, ['pairwise', 'replay']) ?? 'pairwise',
    sweep: values.sweep || calibrate !== undefined,
    calibrate,
    plot: values.plot === undefined ? undefined : userPath(values.plot),
    plotDir: userPath('.'),
    json: values.json,
    limit,
    decision,
    rate: fraction('rate', values.rate),
    threshold,
  };
}

/** The config file's settings when DEJAVU_CONFIG is set; else the defaults, with the model and
 * verifier weights found in this checkout whatever the current directory. */
function baseConfig(): Config {
  if (process.env.DEJAVU_CONFIG !== undefined && process.env.DEJAVU_CONFIG !== '') return loadConfig(process.env);
  return parseConfig({
    embedder: { models_dir: resolve(REPO, 'models') },
    cache: { verifier_path: resolve(REPO, 'models', 'verifier', 'weights.json') },
  });
}

async function main(): Promise<number> {
  let cli: Cli;
  let config: Config;
  try {
    cli = parseCli(process.argv.slice(2));
    config = baseConfig();
  } catch (err) {
    process.stderr.write(`[eval] ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { json, ...options } = cli;
  const report = await runEval({ ...options, config, log });
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : markdown(report));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const detail = err instanceof PairsFileError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`[eval] failed: ${detail}\n`);
    process.exitCode = 1;
  },
);
