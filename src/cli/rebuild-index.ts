/**
 * npm run rebuild-index [-- --reembed] [--batch N]
 *
 * Rebuilds the HNSW index from SQLite (and with --reembed first recomputes every embedding with
 * the configured model, checkpointing each batch so an interrupted run resumes). One process owns
 * a data dir (lock file): when the service is stopped this command takes the lock and does the
 * work itself; when the service is running it asks the service to run the job
 * (POST /v1/admin/index/rebuild) and follows its progress. Either way a single writer builds the
 * new index beside the old one and swaps it in; the old index serves until then.
 */
import { loadConfig } from '../config.js';
import type { JobStatus } from '../index-jobs.js';
import { openService } from '../service.js';

interface Args {
  reembed: boolean;
  batch: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { reembed: false, batch: 64 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--reembed') args.reembed = true;
    else if (a === '--batch') args.batch = Number(argv[++i]);
    else throw new Error(`unknown argument ${a} (usage: rebuild-index [--reembed] [--batch N])`);
  }
  if (!Number.isInteger(args.batch) || args.batch < 1) throw new Error('--batch must be a positive integer');
  return args;
}

const tty = process.stderr.isTTY === true;

/** One progress line: \r-updated on a terminal, a plain line per update otherwise. */
function show(s: JobStatus): void {
  const pct = s.total > 0 ? Math.floor((s.done / s.total) * 100) : 100;
  const width = 30;
  const bar = '#'.repeat(Math.round((pct / 100) * width)).padEnd(width, '.');
  const eta = s.eta_seconds === null ? '?' : `${s.eta_seconds}s`;
  const unit = s.phase === 'reembed' ? 'entries' : 'shards';
  const line = `${s.phase.padEnd(7)} [${bar}] ${s.done}/${s.total} ${unit} ${pct}%  ${s.rate_per_s}/s  eta ${eta}${s.resumed > 0 && s.phase === 'reembed' ? `  (resumed: ${s.resumed} already done)` : ''}`;
  process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
}

function finish(s: JobStatus): never {
  if (tty) process.stderr.write('\n');
  if (s.phase === 'failed') {
    console.error(`rebuild-index: failed: ${s.error}`);
    process.exit(1);
  }
  console.error(`rebuild-index: done (${s.reembed ? 're-embedded and ' : ''}rebuilt ${s.total} shards)`);
  process.exit(0);
}

/** Service stopped: own the data dir and run the job here. */
async function runLocally(args: Args): Promise<never> {
  const config = loadConfig(process.env);
  const service = await openService(config, { log: { info: () => {}, warn: () => {}, error: (o, m) => console.error(m, o) } });
  let last = 0;
  const { done } = service.jobs.start(args.reembed, args.batch, (s) => {
    if (performance.now() - last > 200 || s.phase !== 'reembed') {
      last = performance.now();
      show(s);
    }
  });
  const result = await done;
  await service.close();
  finish(result);
}

/** Service running: drive its admin API. */
async function runRemotely(args: Args): Promise<never> {
  const config = loadConfig(process.env);
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const base = `http://${host}:${config.port}/v1/admin/index/rebuild`;
  const key = process.env.DEJAVU_ADMIN_KEY ?? config.admin_keys[0] ?? config.api_keys[0];
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) };
  const started = await fetch(base, { method: 'POST', headers, body: JSON.stringify({ reembed: args.reembed, batch: args.batch }) });
  if (started.status !== 202) throw new Error(`the running service refused the job: ${started.status} ${await started.text()}`);
  const { id } = (await started.json()) as JobStatus;
  console.error(`rebuild-index: the service at ${config.host}:${config.port} is running job ${id}`);
  for (;;) {
    await new Promise((r) => setTimeout(r, 500)); // polling a remote job, 2 updates a second
    const s = (await (await fetch(base, { headers })).json()) as JobStatus;
    show(s);
    if (s.phase === 'done' || s.phase === 'failed') finish(s);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  try {
    await runLocally(args);
  } catch (err) {
    if (!/data dir is in use/.test((err as Error).message)) throw err;
    await runRemotely(args);
  }
}

main().catch((err: Error) => {
  console.error(`rebuild-index: ${err.message}`);
  process.exit(1);
});
