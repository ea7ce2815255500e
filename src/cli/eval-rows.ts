// Per-row bookkeeping of the eval: each store and lookup through the real cache, timed (ms) and
// tallied into a Run, with the sweep's candidate traces; and the two drivers, pairwise and replay,
// that feed the rows through it.
import { requestKey } from '../core/request-key.js';
import type { SemanticCache } from '../core/semantic-cache.js';
import type { Candidate, LookupOptions, LookupStatus, RequestKey } from '../core/types.js';
import type { Service } from '../service.js';
import type { PairRow } from './eval-pairs.js';
import { classify, emptyCounts, hitAt, type Pick, type QueryTrace } from './eval-sweep.js';
import type { FamilyReport, OutcomeReport } from './eval-types.js';

const REPLAY_NAMESPACE = 'eval';

/** Throttled progress: at most one line every 2 s, plus the last one. */
function progress(log: ((msg: string) => void) | undefined, what: string, total: number): (done: number) => void {
  const t0 = performance.now();
  let last = t0;
  return (done) => {
    const now = performance.now();
    if (log === undefined || (done < total && now - last < 2000)) return;
    last = now;
    log(`${what} ${done}/${total} (${(done / ((now - t0) / 1000)).toFixed(0)}/s)`);
  };
}

/** The candidate a decision would pick: highest similarity (cosine), or highest score at or above
 * the floor, then similarity (verifier), as policy.decide ranks them. */
function pickCosine(cands: readonly Candidate[]): Pick | null {
  let best: Candidate | undefined;
  for (const c of cands) if (best === undefined || c.similarity > best.similarity) best = c;
  return best === undefined ? null : { value: best.similarity, id: String(best.entry.response) };
}

function pickVerifier(cands: readonly Candidate[], floor: number): Pick | null {
  let best: Candidate | undefined;
  for (const c of cands) {
    if (c.similarity < floor || c.score === undefined) continue;
    if (best === undefined || c.score > (best.score as number) || (c.score === best.score && c.similarity > best.similarity)) best = c;
  }
  return best === undefined ? null : { value: best.score as number, id: String(best.entry.response) };
}

export interface Run {
  service: Service;
  cache: SemanticCache;
  options: LookupOptions;
  /** Options for explain(): verifier scoring at the candidate floor when a verifier is loaded. */
  explainOptions: LookupOptions;
  floor: number;
  sweep: boolean;
  outcomes: OutcomeReport;
  families: Map<string, FamilyReport> | null;
  lookupMs: number[];
  byStatus: Record<LookupStatus, number[]>;
  storeMs: number[];
  traces: QueryTrace[];
  /** Lookups the sweep's prediction disagrees with. */
  mismatches: number;
}

/** A Run with nothing tallied yet; families only when the file has a family column. */
export function newRun(
  service: Service,
  options: LookupOptions,
  explainOptions: LookupOptions,
  floor: number,
  sweep: boolean,
  hasFamily: boolean,
): Run {
  return {
    service, cache: service.cache, options, explainOptions, floor, sweep,
    outcomes: { ...emptyCounts(), falseHitOtherEntry: 0, exactHits: 0, skipped: 0 },
    families: hasFamily ? new Map() : null,
    lookupMs: [], byStatus: { hit: [], 'semantic-hit': [], miss: [] }, storeMs: [], traces: [], mismatches: 0,
  };
}

async function storeRow(run: Run, key: RequestKey, id: string): Promise<void> {
  const t0 = performance.now();
  await run.cache.store(key, { response: id, ttlSeconds: 0, metadata: null });
  run.storeMs.push(performance.now() - t0);
}

/** One lookup of text_b through the decision in use, tallied; with sweep, its candidates too. */
async function lookupRow(run: Run, row: PairRow, namespace: string, ownId: string): Promise<void> {
  const key = requestKey({ namespace, prompt: row.textB });
  const t0 = performance.now();
  const outcome = await run.cache.lookup(key, run.options);
  const ms = performance.now() - t0;
  run.lookupMs.push(ms);
  run.byStatus[outcome.status].push(ms);
  const hitId = outcome.entry === null ? null : String(outcome.entry.response);
  const result = classify(row.label, ownId, hitId);
  const o = run.outcomes;
  o[result] += 1;
  if (result === 'falseHit' && hitId !== ownId) o.falseHitOtherEntry += 1;
  if (outcome.status === 'hit') o.exactHits += 1;
  if (outcome.status === 'miss' && outcome.skipped !== undefined) o.skipped += 1;
  if (run.families !== null) {
    const name = row.family ?? '';
    const f = run.families.get(name) ?? { rows: 0, label1: 0, label0: 0, ...emptyCounts() };
    f.rows += 1;
    if (row.label === 1) f.label1 += 1;
    else f.label0 += 1;
    f[result] += 1;
    run.families.set(name, f);
  }
  if (!run.sweep) return;
  const cands = await run.cache.explain(key, run.explainOptions);
  const exact = run.service.store.findExact(key.namespace, key.partitionKey, key.promptHash);
  const trace: QueryTrace = {
    label: row.label,
    ownId,
    exactId: exact === undefined ? null : String(exact.response),
    cosine: pickCosine(cands),
    verifier: run.explainOptions.minScore === undefined ? null : pickVerifier(cands, run.floor),
  };
  run.traces.push(trace);
  // The sweep's prediction at the configured setting must agree with the lookup itself.
  const curve = run.options.minScore === undefined ? 'cosine' : 'verifier';
  const predicted = hitAt(trace, curve, run.options.minScore ?? run.options.threshold);
  if (predicted !== hitId) run.mismatches += 1;
}

/** Pairwise: every row alone in its own namespace (dropped after the lookup, so the index stays small). */
export async function pairwise(run: Run, rows: readonly PairRow[], log?: (msg: string) => void): Promise<number> {
  const tick = progress(log, 'pairs', rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as PairRow;
    const namespace = `pair-${i}`;
    await storeRow(run, requestKey({ namespace, prompt: row.textA }), row.id);
    await lookupRow(run, row, namespace, row.id);
    run.cache.deleteNamespace(namespace);
    tick(i + 1);
  }
  return rows.length;
}

/** Replay: every distinct text_a stored once in one namespace, then every text_b looked up among them all. */
export async function replay(run: Run, rows: readonly PairRow[], log?: (msg: string) => void): Promise<number> {
  const idByHash = new Map<string, string>();
  const usedIds = new Set<string>();
  const distinct: Array<{ key: RequestKey; id: string }> = [];
  for (const row of rows) {
    const key = requestKey({ namespace: REPLAY_NAMESPACE, prompt: row.textA });
    if (idByHash.has(key.promptHash)) continue;
    // The response names the entry; keep it unique should two different texts share an id.
    const id = usedIds.has(row.id) ? `${row.id}@line${row.line}` : row.id;
    usedIds.add(id);
    idByHash.set(key.promptHash, id);
    distinct.push({ key, id });
  }
  const stored = progress(log, 'stored', distinct.length);
  for (let i = 0; i < distinct.length; i++) {
    const d = distinct[i] as (typeof distinct)[number];
    await storeRow(run, d.key, d.id);
    stored(i + 1);
  }
  const looked = progress(log, 'lookups', rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as PairRow;
    const own = idByHash.get(requestKey({ namespace: REPLAY_NAMESPACE, prompt: row.textA }).promptHash) as string;
    await lookupRow(run, row, REPLAY_NAMESPACE, own);
    looked(i + 1);
  }
  return distinct.length;
}
