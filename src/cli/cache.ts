// Offline cache maintenance on the data dir of a stopped service (DEJAVU_CONFIG / DEJAVU_DATA_DIR):
//   npm run --silent cache -- export [--namespace N] > file.jsonl
//   npm run cache -- import FILE [--in-flight N] [--batch N]        (FILE '-' = stdin)
// Export writes JSONL on stdout; everything else (progress, bad lines, summary) goes to stderr.
// Exit codes: 0 done (bad lines are reported, not fatal), 1 fatal error (unreadable file, data dir
// in use...), 2 bad arguments or config, 130 interrupted.
import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { openService, type Service } from '../service.js';
import { countEntries, exportEntries } from './cache-export.js';
import { countLines, importFile, summary } from './cache-import.js';
import { Progress } from './cache-progress.js';

const USAGE = `usage:
  npm run --silent cache -- export [--namespace N] > file.jsonl
  npm run cache -- import FILE [--in-flight N] [--batch N]     (FILE "-" reads stdin)
The service must be stopped (the data dir is locked while it runs), or point DEJAVU_DATA_DIR elsewhere.`;

class UsageError extends Error {}

const say = (msg: string): void => {
  process.stderr.write(`dejavu cache: ${msg}\n`);
};

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

/** Opens the service, turning a held lock into advice. */
async function open(config: Config): Promise<Service> {
  try {
    return await openService(config);
  } catch (err) {
    const msg = (err as Error).message;
    const owner = /in use by process (\d+)/.exec(msg);
    if (owner !== null) {
      throw new Error(
        `the data dir ${resolve(config.data_dir)} is in use by process ${owner[1]} (probably the running dejavu service). ` +
          'Stop the service first, or point DEJAVU_DATA_DIR at another data dir.',
      );
    }
    throw err;
  }
}

async function runExport(config: Config, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { namespace: { type: 'string', short: 'n' } }, allowPositionals: true, strict: true });
  if (positionals.length > 0) throw new UsageError(`export takes no file argument (redirect stdout instead): ${positionals.join(' ')}`);
  const service = await open(config);
  // A reader that goes away (| head) ends the export; later EPIPE errors must not crash the process.
  process.stdout.on('error', () => {});
  try {
    const total = countEntries(service.store, values.namespace);
    if (total === 0) say(`no entries${values.namespace === undefined ? '' : ` in namespace "${values.namespace}"`} in the data dir ${resolve(config.data_dir)}`);
    const progress = new Progress({ label: 'export', total, unit: 'entries' });
    const report = await exportEntries(service.store, process.stdout, { namespace: values.namespace, onProgress: (n) => progress.update(n) });
    progress.finish(report.exported + report.expired);
    const expired = report.expired > 0 ? ` (${report.expired} expired entries left out)` : '';
    say(`exported ${report.exported.toLocaleString('en-US')} entries${expired} in ${report.seconds.toFixed(1)}s, ${Math.round(report.perSecond).toLocaleString('en-US')} entries/s`);
  } finally {
    await service.close();
  }
  return 0;
}

async function runImport(config: Config, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'in-flight': { type: 'string' }, batch: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('import takes exactly one file (or "-" for stdin)');
  const file = positionals[0] as string;
  const inFlight = positiveInt('in-flight', values['in-flight']);
  const batch = positiveInt('batch', values.batch);
  if (file !== '-') {
    // Before loading the model: a wrong path should fail at once.
    let isFile: boolean;
    try {
      isFile = statSync(file).isFile();
      accessSync(file, constants.R_OK);
    } catch (err) {
      throw new Error(`cannot read ${file}: ${(err as Error).message}`);
    }
    if (!isFile) throw new Error(`cannot read ${file}: not a file`);
  }
  const total = file === '-' ? null : await countLines(file);
  say(`loading the model and the data dir ${resolve(config.data_dir)}`);
  const service = await open(config);
  const abort = new AbortController();
  const onSigint = (): void => {
    if (abort.signal.aborted) process.exit(130); // second ^C: give up at once
    say('interrupted: writing what was read, then stopping (^C again to quit now)');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const progress = new Progress({ label: 'import', total, unit: 'lines' });
    const report = await importFile(service, file, config, {
      inFlight,
      batch,
      signal: abort.signal,
      onBad: (b) => progress.message(`line ${b.line}: ${b.reason}`),
      onProgress: (done, r) => progress.update(done, r.badCount > 0 ? `${r.badCount} bad` : ''),
    });
    progress.finish(report.lines, report.badCount > 0 ? `${report.badCount} bad` : '');
    if (report.banner > 0) say(`skipped ${report.banner} "npm run" banner lines at the top (use "npm run --silent cache -- export" to keep them out)`);
    say(summary(report));
    const cap = config.cache.max_entries;
    const count = service.store.count();
    if (cap > 0 && count > cap) say(`note: ${count} entries exceed cache.max_entries (${cap}): the service evicts the least recently used at its next sweep`);
    if (service.semanticDisabled !== null) say(`note: ${service.semanticDisabled}`);
    return report.interrupted ? 130 : 0;
  } finally {
    await service.close(); // saves the index
    process.off('SIGINT', onSigint);
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stderr.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    say((err as Error).message);
    return 2;
  }
  try {
    if (command === 'export') return await runExport(config, rest);
    if (command === 'import') return await runImport(config, rest);
    throw new UsageError(`unknown command "${command}"`);
  } catch (err) {
    if (err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') === true) {
      say(`${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    say(`failed: ${(err as Error).message}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    say(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  },
);
