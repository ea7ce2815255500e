import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LookupOutcome, LookupStatus, RejectReason } from '../core/types.js';
import type { SemanticCache } from '../core/semantic-cache.js';
import type { Ready } from '../ready.js';
import type { UpstreamObserver } from '../upstream/types.js';

/** Outcome labels of /v1/chat/completions, also the X-Cache-Status header (upper-cased). */
export type ChatStatus = 'hit' | 'semantic-hit' | 'miss' | 'bypass' | 'refresh';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.5, 2];

/** Prometheus metrics on a registry owned by one app instance (no global state). */
export class Metrics implements UpstreamObserver {
  readonly registry = new Registry();
  private readonly reg = [this.registry];
  private readonly lookups = new Counter({ name: 'dejavu_lookups_total', help: 'Cache lookups by outcome', labelNames: ['status'], registers: this.reg });
  private readonly lookupSeconds = new Histogram({ name: 'dejavu_lookup_duration_seconds', help: 'Server-side lookup latency by outcome', labelNames: ['status'], buckets: LATENCY_BUCKETS, registers: this.reg });
  private readonly embedSeconds = new Histogram({ name: 'dejavu_embedding_duration_seconds', help: 'Time to embed one prompt', buckets: LATENCY_BUCKETS, registers: this.reg });
  private readonly similarity = new Histogram({ name: 'dejavu_best_candidate_similarity', help: 'Cosine similarity of the best candidate of each semantic lookup', buckets: [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.99, 1], registers: this.reg });
  private readonly rejections = new Counter({ name: 'dejavu_semantic_rejections_total', help: 'Semantic misses by why the best candidate was refused', labelNames: ['reason'], registers: this.reg });
  private readonly verifierScores = new Histogram({ name: 'dejavu_verifier_score', help: 'Hit verifier probability of the best candidate of each verified lookup (served or refused)', buckets: [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 1], registers: this.reg });
  readonly stores = new Counter({ name: 'dejavu_stores_total', help: 'Entries stored or replaced', registers: this.reg });
  readonly chat = new Counter({ name: 'dejavu_chat_requests_total', help: 'Chat completions by cache status', labelNames: ['status'], registers: this.reg });
  readonly cacheErrors = new Counter({ name: 'dejavu_cache_errors_total', help: 'Cache failures that were bypassed (fail open)', labelNames: ['op'], registers: this.reg });
  readonly coalesced = new Counter({ name: 'dejavu_coalesced_requests_total', help: 'Misses answered by waiting for an identical in-flight request', registers: this.reg });
  readonly tokensSaved = new Counter({ name: 'dejavu_tokens_saved_total', help: 'Upstream tokens not spent thanks to hits', labelNames: ['namespace'], registers: this.reg });
  readonly dollarsSaved = new Counter({ name: 'dejavu_dollars_saved_total', help: 'Upstream dollars not spent thanks to hits', labelNames: ['namespace'], registers: this.reg });
  readonly dollarsSpent = new Counter({ name: 'dejavu_upstream_dollars_total', help: 'Dollars spent upstream', labelNames: ['namespace'], registers: this.reg });
  private readonly upstreamRequests = new Counter({ name: 'dejavu_upstream_requests_total', help: 'Upstream attempts by provider and outcome', labelNames: ['provider', 'status'], registers: this.reg });
  private readonly upstreamSeconds = new Histogram({ name: 'dejavu_upstream_duration_seconds', help: 'Upstream attempt latency to headers (stream) or full body', labelNames: ['provider'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60], registers: this.reg });
  private readonly retries = new Counter({ name: 'dejavu_upstream_retries_total', help: 'Upstream retries', labelNames: ['provider', 'reason'], registers: this.reg });
  private readonly fallbacks = new Counter({ name: 'dejavu_upstream_fallbacks_total', help: 'Fallbacks to the next provider', labelNames: ['from', 'to'], registers: this.reg });
  private readonly rateWaits = new Histogram({ name: 'dejavu_rate_limit_wait_seconds', help: 'Time requests waited for rate-limit tokens', labelNames: ['provider'], buckets: [0.01, 0.1, 0.5, 1, 2, 5, 10, 30], registers: this.reg });
  private readonly breakers = new Counter({ name: 'dejavu_circuit_breaker_open_total', help: 'Times a provider circuit opened', labelNames: ['provider'], registers: this.reg });

  constructor(cache: Ready<SemanticCache>) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'dejavu_entries',
      help: 'Entries in the store',
      registers: this.reg,
      collect() {
        if (cache.isReady) this.set(cache.get().stats().entries);
      },
    });
  }

  /** Labelled children per lookup status, made on first use (so /metrics lists only seen statuses). */
  private readonly byStatus = new Map<LookupStatus, { count: { inc(): void }; seconds: { observe(v: number): void } }>();

  private readonly byReason = new Map<RejectReason, { inc(): void }>();

  observeLookup(out: LookupOutcome, seconds: number): void {
    let m = this.byStatus.get(out.status);
    if (m === undefined) {
      m = { count: this.lookups.labels(out.status), seconds: this.lookupSeconds.labels(out.status) };
      this.byStatus.set(out.status, m);
    }
    m.count.inc();
    m.seconds.observe(seconds);
    // What the decision saw: the served entry, or the best candidate it refused.
    const best = out.status === 'miss' ? out.candidate : out.status === 'semantic-hit' ? out : null;
    if (best === null) return;
    this.similarity.observe(best.similarity);
    if (best.score !== undefined) this.verifierScores.observe(best.score);
    if (out.candidate !== null) {
      const reason = out.candidate.reason;
      let r = this.byReason.get(reason);
      if (r === undefined) this.byReason.set(reason, (r = this.rejections.labels(reason)));
      r.inc();
    }
  }

  observeEmbedding(seconds: number): void {
    this.embedSeconds.observe(seconds);
  }

  attempt(provider: string, outcome: number | 'network_error' | 'timeout', ms: number): void {
    this.upstreamRequests.inc({ provider, status: String(outcome) });
    this.upstreamSeconds.observe({ provider }, ms / 1000);
  }

  retry(provider: string, reason: string): void {
    this.retries.inc({ provider, reason });
  }

  fallback(from: string, to: string): void {
    this.fallbacks.inc({ from, to });
  }

  rateLimitWait(provider: string, ms: number): void {
    this.rateWaits.observe({ provider }, ms / 1000);
  }

  breakerOpen(provider: string): void {
    this.breakers.inc({ provider });
  }
}
