/** Shared set-up for the client tests: recording sleep, fake clock, observer log, cleanup. */
import type { Config, ProviderConfig } from '../../../src/config.js';
import { createUpstream, type UpstreamDeps } from '../../../src/upstream/client.js';
import type { Upstream, UpstreamCall, UpstreamObserver } from '../../../src/upstream/types.js';
import { startServer, type Handler, type ScriptedServer } from './scripted-server.js';

export const OPTIONS: Config['upstream'] = {
  max_attempts: 3,
  backoff_base_ms: 200,
  backoff_max_ms: 10_000,
  max_retry_after_ms: 30_000,
  breaker_failures: 100, // out of the way unless a test is about the breaker
  breaker_cooldown_ms: 30_000,
  max_queue_wait_ms: 10_000,
};

export function chatCall(over: Partial<UpstreamCall> = {}): UpstreamCall {
  return {
    method: 'POST',
    path: '/chat/completions',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    model: 'gpt-4o',
    buffered: true,
    ...over,
  };
}

export class Harness {
  /** Every delay the client asked to sleep, ms. The sleep resolves at once: tests never really wait. */
  readonly sleeps: number[] = [];
  /** Observer calls, e.g. 'attempt a 429', 'retry a 429 2000', 'fallback a b'. */
  readonly events: string[] = [];
  time = Date.UTC(2026, 0, 1);
  readonly clock = { now: () => this.time };
  private readonly upstreams: Upstream[] = [];
  private readonly servers: ScriptedServer[] = [];

  readonly observer: UpstreamObserver = {
    attempt: (p, outcome) => this.events.push(`attempt ${p} ${outcome}`),
    retry: (p, reason, ms) => this.events.push(`retry ${p} ${reason} ${ms}`),
    fallback: (from, to) => this.events.push(`fallback ${from} ${to}`),
    rateLimitWait: (p, ms) => this.events.push(`wait ${p} ${ms}`),
    breakerOpen: (p) => this.events.push(`breakerOpen ${p}`),
  };

  async server(defaultHandler?: Handler): Promise<ScriptedServer> {
    const s = await startServer(defaultHandler);
    this.servers.push(s);
    return s;
  }

  upstream(providers: ProviderConfig[], options: Partial<Config['upstream']> = {}, deps: Partial<UpstreamDeps> = {}): Upstream {
    const up = createUpstream(providers, { ...OPTIONS, ...options }, {
      clock: this.clock,
      sleep: async (ms) => {
        this.sleeps.push(ms);
      },
      random: () => 0.5,
      observer: this.observer,
      env: {},
      ...deps,
    });
    this.upstreams.push(up);
    return up;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
    await Promise.all(this.upstreams.map((u) => u.close()));
  }
}

/** The buffered text of a response, failing the test on a stream. */
export function textOf(res: { kind: string; text?: string }): string {
  if (res.kind !== 'buffered' || res.text === undefined) throw new Error(`expected a buffered response, got ${res.kind}`);
  return res.text;
}
