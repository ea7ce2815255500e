// What the hit verifier adds to a semantic hit: the same paraphrase probes looked up in-process
// with the service's verifier decision and with cosine only, alternating per probe which decision
// goes first, so background load, SQLite page cache and JIT state hit both alike. Both decisions
// pay the same embedding and HNSW search; the verifier additionally scores every candidate at or
// above the cosine floor (features + trees, reading the candidate's vector from the graph).
import type { SemanticCache } from '../core/semantic-cache.js';
import { requestKey } from '../core/request-key.js';
import type { LookupOptions } from '../core/types.js';
import { MODEL, NAMESPACE, type Probe } from './bench-measure.js';
import { summarize, timed, type Summary } from './bench-stats.js';

export interface DecisionCost {
  /** How hits were decided, for the report. */
  setting: string;
  semanticHits: number;
  /** Over every probe (hit or not), ms. */
  latencyMs: Summary;
}

export interface VerifierCost {
  probes: number;
  verifier: DecisionCost;
  cosine: DecisionCost;
  /** verifier p50 / cosine p50. */
  p50Ratio: number;
}

export interface DecisionSetup {
  setting: string;
  options: LookupOptions;
}

/** `warm` untimed rounds first, then every probe once per decision. */
export async function measureVerifierCost(cache: SemanticCache, probes: readonly Probe[], warm: number, verifier: DecisionSetup, cosine: DecisionSetup): Promise<VerifierCost> {
  const setups = [verifier, cosine];
  const samples: number[][] = [[], []];
  const hits = [0, 0];
  for (let i = 0; i < probes.length; i++) {
    const key = requestKey({ namespace: NAMESPACE, model: MODEL, prompt: (probes[i] as Probe).prompt });
    for (const j of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const { value, ms } = await timed(() => cache.lookup(key, (setups[j] as DecisionSetup).options));
      if (i < warm) continue;
      (samples[j] as number[]).push(ms);
      if (value.status === 'semantic-hit') hits[j] = (hits[j] as number) + 1;
    }
  }
  const cost = (j: number): DecisionCost => ({ setting: (setups[j] as DecisionSetup).setting, semanticHits: hits[j] as number, latencyMs: summarize(samples[j] as number[]) });
  const v = cost(0);
  const c = cost(1);
  return { probes: probes.length - warm, verifier: v, cosine: c, p50Ratio: v.latencyMs.p50 / c.latencyMs.p50 };
}

const f2 = (x: number): string => x.toFixed(2);

export function verifierCostSection(v: VerifierCost | null): string[] {
  if (v === null) return ['## Verifier cost', '', 'Not measured: the service has no verifier loaded (cache.decision is cosine or the weights are missing).'];
  const row = (name: string, d: DecisionCost): string => `| ${name} | ${d.setting} | ${d.semanticHits}/${v.probes} | ${f2(d.latencyMs.p50)} | ${f2(d.latencyMs.p99)} | ${f2(d.latencyMs.mean)} |`;
  return [
    '## Verifier cost (semantic hits, in-process)',
    '',
    `The same ${v.probes} paraphrase probes, each looked up once per decision, alternating which goes first; latency over every lookup.`,
    'Both decisions embed the prompt and search the graph; the verifier also scores each candidate at or above the cosine floor.',
    '',
    '| decision | setting | semantic hits | p50 ms | p99 ms | mean ms |',
    '|---|---|---:|---:|---:|---:|',
    row('verifier (default)', v.verifier),
    row('cosine only', v.cosine),
    '',
    `- The verifier adds ${f2(v.verifier.latencyMs.p50 - v.cosine.latencyMs.p50)} ms at p50 (x${f2(v.p50Ratio)}; target <= x1.30)`,
  ];
}
