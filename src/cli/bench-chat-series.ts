// Measured series of the chat benchmark: what each one expects, and the interleaved loop that runs
// them; latencies in ms.
import type { Obs } from './bench-chat-requests.js';
import type { Target } from './bench-chat-setup.js';
import { summarize, type Summary } from './bench-stats.js';

/** What X-Cache-Status a series expects; 'direct' = straight to the fake (no such header). */
export type Expect = 'DIRECT' | 'MISS' | 'HIT' | 'SEMANTIC-HIT' | 'BYPASS';

export interface ChatSeries {
  target: 'fake' | 'dejavu';
  expected: Expect;
  measured: number;
  /** Requests answered 200 with the expected X-Cache-Status; percentiles are over these only. */
  matched: number;
  /** X-Cache-Status values seen (DIRECT for the fake itself; http_<code> for non-200 answers). */
  statuses: Record<string, number>;
  /** Whole request: send to the last body byte. */
  latencyMs: Summary;
  /** Streams only: send to the first body byte (first SSE chunk). */
  ttfbMs?: Summary;
}

export type SeriesName =
  | 'direct'
  | 'miss'
  | 'exact'
  | 'semantic'
  | 'directBypass'
  | 'bypass'
  | 'streamDirect'
  | 'streamMiss'
  | 'streamHit'
  | 'burstDirect'
  | 'burstMiss';

function series(t: Target, expected: Expect, obs: readonly Obs[]): ChatSeries {
  const statuses: Record<string, number> = {};
  for (const o of obs) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
  const good = obs.filter((o) => o.status === expected);
  const out: ChatSeries = { target: t.target, expected, measured: obs.length, matched: good.length, statuses, latencyMs: summarize(good.map((o) => o.ms)) };
  if (obs.some((o) => o.ttfbMs !== undefined)) out.ttfbMs = summarize(good.map((o) => o.ttfbMs ?? Number.NaN));
  return out;
}

/** A step of one measured series: which target, what to expect, how to send request i. */
export interface Step {
  name: SeriesName;
  target: Target;
  expected: Expect;
  send: (t: Target, i: number) => Promise<Obs>;
}

/** Runs the steps interleaved (request i of every step, then i + 1...), so that two series that are
 * compared (direct vs dejavu) see the same machine state; the first `warm` rounds are untimed. */
export async function interleaved(steps: readonly Step[], warm: number, n: number): Promise<Partial<Record<SeriesName, ChatSeries>>> {
  const obs = steps.map(() => [] as Obs[]);
  for (let i = 0; i < warm + n; i++) {
    for (const [s, step] of steps.entries()) {
      const o = await step.send(step.target, i);
      if (i >= warm) obs[s]?.push(o);
    }
  }
  const out: Partial<Record<SeriesName, ChatSeries>> = {};
  steps.forEach((step, s) => {
    out[step.name] = series(step.target, step.expected, obs[s] ?? []);
  });
  return out;
}
