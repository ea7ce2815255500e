import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LookupStatus } from '../core/types.js';
import type { SemanticCache } from '../core/semantic-cache.js';
import type { Ready } from '../ready.js';

/** Prometheus metrics on a registry owned by one app instance (no global state). */
export class Metrics {
  readonly registry = new Registry();
  private readonly lookups: Counter<'status'>;
  private readonly lookupSeconds: Histogram<'status'>;
  readonly stores: Counter;

  constructor(cache: Ready<SemanticCache>) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.lookups = new Counter({ name: 'dejavu_lookups_total', help: 'Cache lookups by outcome', labelNames: ['status'], registers });
    this.lookupSeconds = new Histogram({
      name: 'dejavu_lookup_duration_seconds',
      help: 'Server-side lookup latency by outcome',
      labelNames: ['status'],
      buckets: [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.5],
      registers,
    });
    this.stores = new Counter({ name: 'dejavu_stores_total', help: 'Entries stored or replaced', registers });
    new Gauge({
      name: 'dejavu_entries',
      help: 'Entries in the store',
      registers,
      collect() {
        if (cache.isReady) this.set(cache.get().stats().entries);
      },
    });
  }

  observeLookup(status: LookupStatus, seconds: number): void {
    this.lookups.inc({ status });
    this.lookupSeconds.observe({ status }, seconds);
  }
}
