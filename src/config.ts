import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './errors.js';

/** The one config schema. Keys are the same in the JSON file (DEJAVU_CONFIG) and here. */
const providerSchema = z
  .object({
    name: z.string().min(1),
    /** Base URL including the API version prefix, e.g. https://api.openai.com/v1 */
    base_url: z.string().url(),
    api_key: z.string().min(1).optional(),
    /** Name of an environment variable holding the key (read at startup). */
    api_key_env: z.string().min(1).optional(),
    /** Models this provider serves; exact names or prefixes ending in '*'. Absent = all. */
    models: z.array(z.string().min(1)).optional(),
    /** Whole-request deadline for non-streaming calls and per-read idle limit for streams, ms. */
    timeout_ms: z.number().int().min(1).default(60_000),
    connect_timeout_ms: z.number().int().min(1).default(10_000),
    /** Concurrent upstream requests (undici pool connections). */
    max_concurrency: z.number().int().min(1).max(4096).default(64),
    /** Requests per minute; absent = unlimited. */
    rpm: z.number().positive().optional(),
    /** Tokens (prompt + completion) per minute; absent = unlimited. */
    tpm: z.number().positive().optional(),
  })
  .strict();

export type ProviderConfig = z.infer<typeof providerSchema>;

const priceSchema = z.object({ input: z.number().min(0), output: z.number().min(0) }).strict();

export const configSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(8080),
    host: z.string().min(1).default('127.0.0.1'),
    data_dir: z.string().min(1).default('./data'),
    /** When non-empty, every /v1 route requires `Authorization: Bearer <key>`. */
    api_keys: z.array(z.string().min(1)).default([]),
    /** When non-empty, /v1/admin/* requires `Authorization: Bearer <admin key>` (API keys do not suffice). */
    admin_keys: z.array(z.string().min(1)).default([]),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** On SIGTERM, /readyz turns 503 and requests are still served for this long before the
     * listener closes, so load balancers can stop routing first. Seconds. */
    shutdown_delay_seconds: z.number().min(0).max(300).default(0),
    /** Largest accepted request body, bytes. */
    body_limit_bytes: z.number().int().min(1024).default(1_048_576),
    cache: z
      .object({
        /** How semantic hits are decided: 'verifier' (a trained verifier scores each candidate;
         * falls back to cosine when its weights are missing) or 'cosine' (threshold only). */
        decision: z.enum(['verifier', 'cosine']).default('verifier'),
        /** Verifier mode: the accepted rate of serving another question's answer (sets the
         * verifier's decision threshold, chosen on development data). */
        max_false_hit_rate: z.number().gt(0).max(1).default(0.01),
        /** Verifier mode: a decision threshold measured on your own labelled traffic (`npm run eval --
         * --pairs yours.tsv --calibrate RATE` prints this object). It replaces the shipped operating point
         * of max_false_hit_rate, which was set on public paraphrase data (docs/verifier-dev-false-hits.md),
         * for every lookup that asks no rate of its own. A score only means something for the verifier it
         * was measured with: another verifier id turns semantic lookups off until it is measured again. */
        verifier_calibration: z
          .object({
            /** Verifier id the score was measured with (`verifier@...`, printed by eval). */
            verifier: z.string().regex(/^verifier@\S+$/u, 'must be a verifier id such as "verifier@0617b2c96340"'),
            /** Lowest verifier score (0..1) that is served. */
            min_score: z.number().min(0).max(1),
          })
          .strict()
          .optional(),
        /** Verifier mode: candidates below this cosine similarity are not even scored. */
        candidate_floor: z.number().gt(0).max(1).default(0.7),
        /** Verifier weights (written by `npm run train-verifier`). */
        verifier_path: z.string().min(1).default('./models/verifier/weights.json'),
        /** Cosine mode (and per-request `threshold`): minimum similarity (0..1) for a semantic hit. */
        threshold: z.number().gt(0).max(1).default(0.9),
        /** TTL for stored entries when the request gives none, seconds; 0 = never expires. */
        default_ttl_seconds: z.number().int().min(0).default(0),
        /** Nearest neighbours examined per semantic lookup before the hit decision. */
        candidates: z.number().int().min(1).max(100).default(8),
        /** Longest prompt accepted, characters. */
        max_prompt_chars: z.number().int().min(1).default(32_768),
        /** Cap on stored entries; beyond it the least recently used (last hit, else creation) go. 0 = no cap. */
        max_entries: z.number().int().min(0).default(0),
        /** How often expired entries are removed and the cap enforced, seconds; 0 = never. */
        sweep_interval_seconds: z.number().int().min(0).default(60),
      })
      .strict()
      .default({
        decision: 'verifier', max_false_hit_rate: 0.01, candidate_floor: 0.7, verifier_path: './models/verifier/weights.json',
        threshold: 0.9, default_ttl_seconds: 0, candidates: 8, max_prompt_chars: 32_768, max_entries: 0, sweep_interval_seconds: 60,
      }),
    embedder: z
      .object({
        /** Root folder holding `<model>/` (the install step extracts the model here). */
        models_dir: z.string().min(1).default('./models'),
        model: z.string().min(1).default('onnx-community/all-MiniLM-L6-v2-ONNX'),
        dtype: z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16']).default('q4'),
        /** onnxruntime intra-op threads in all. With `workers` 0 the one session gets them all; with
         * workers each worker's session gets max(1, floor(threads / workers)) (e.g. 4 threads over 2
         * workers = 2 x 2). */
        threads: z.number().int().min(1).max(64).default(2),
        /** Worker threads that embed off the main thread (one model session each); 0 = embed on
         * the main thread, where each onnxruntime run blocks the event loop. Default 2 (with the
         * default threads: 2 x 1), from src/embedding/measure-pool.ts on the 2-core VM, 200
         * concurrent short prompts, medians of 9 rounds (other jobs were loading the cores):
         * 2 workers x 1 thread 211 embeds/s, event-loop delay p99 4.5 ms; 1 worker x 2 threads
         * 107/s, p99 5.4 ms; 2 x 2 105/s; main thread with 2 threads 114/s, the event loop blocked
         * for the whole burst (p99 1.75 s). Two single-threaded sessions run side by side without
         * intra-op synchronisation: on 2 cores that beats one session splitting each run over both
         * threads, and it loses least when the cores are shared. */
        workers: z.number().int().min(0).max(64).default(2),
        /** With workers: embeddings allowed to wait for a busy worker; beyond that a request is
         * refused at once with 503 + Retry-After (code "overloaded") instead of queueing without
         * limit. 256 is about a second of work at the measured rates (the Retry-After). */
        queue_limit: z.number().int().min(0).default(256),
        /** Vectors of this many recently embedded prompts kept in memory (LRU, about 2 KB each), so
         * a repeated prompt is never embedded twice; 0 = none (concurrent equal prompts still share
         * one embedding). */
        memo_size: z.number().int().min(0).default(10_000),
        /** When stored entries were embedded by another model: 'disable' semantic lookups until
         * `npm run rebuild-index -- --reembed`, or 'reembed' in the background and swap when done. */
        on_model_change: z.enum(['disable', 'reembed']).default('disable'),
      })
      .strict()
      .default({
        models_dir: './models', model: 'onnx-community/all-MiniLM-L6-v2-ONNX', dtype: 'q4', threads: 2, workers: 2, queue_limit: 256,
        memo_size: 10_000, on_model_change: 'disable',
      }),
    index: z
      .object({
        m: z.number().int().min(2).max(128).default(16),
        ef_construction: z.number().int().min(10).max(2000).default(200),
        // Query-time beam: 128 gave recall@1 0.994 against brute force on 100k real embeddings at
        // M=16 (64 gave 0.990, right on the target line), p99 0.8 ms. See BENCHMARKS.md.
        ef: z.number().int().min(1).max(5000).default(128),
        /** How often dirty index shards are written to disk, seconds; 0 = only at shutdown. */
        save_interval_seconds: z.number().int().min(0).default(300),
        /** A shard whose deleted slots exceed this fraction of its capacity is rebuilt by the sweeper. */
        compact_deleted_fraction: z.number().gt(0).max(1).default(0.3),
      })
      .strict()
      .default({ m: 16, ef_construction: 200, ef: 128, save_interval_seconds: 300, compact_deleted_fraction: 0.3 }),
    /** Ordered upstream providers for /v1/chat/completions and proxied /v1 paths. */
    providers: z.array(providerSchema).default([]),
    upstream: z
      .object({
        /** Attempts per provider (first try included) for 429/5xx/network errors. */
        max_attempts: z.number().int().min(1).max(20).default(3),
        /** Full-jitter exponential backoff: random(0, min(max, base * 2^attempt)), ms. */
        backoff_base_ms: z.number().int().min(0).default(200),
        backoff_max_ms: z.number().int().min(0).default(10_000),
        /** Longest Retry-After honoured before giving up on a provider, ms. */
        max_retry_after_ms: z.number().int().min(0).default(30_000),
        /** Consecutive failures that open a provider's circuit, and how long it stays open, ms. */
        breaker_failures: z.number().int().min(1).default(5),
        breaker_cooldown_ms: z.number().int().min(0).default(30_000),
        /** A request that would wait longer than this for rate-limit tokens gets a 429, ms. */
        max_queue_wait_ms: z.number().int().min(0).default(10_000),
      })
      .strict()
      .default({ max_attempts: 3, backoff_base_ms: 200, backoff_max_ms: 10_000, max_retry_after_ms: 30_000, breaker_failures: 5, breaker_cooldown_ms: 30_000, max_queue_wait_ms: 10_000 }),
    chat: z
      .object({
        /** Requests with a higher temperature bypass the cache (answers meant to vary). */
        max_temperature: z.number().min(0).default(1),
        /** Cache answers that end in tool calls (finish_reason "tool_calls"). */
        store_tool_calls: z.boolean().default(false),
        /** How long identical concurrent misses wait for the leader's answer, ms. */
        coalesce_wait_ms: z.number().int().min(0).default(120_000),
        /** Ask upstream streams for their usage chunk (hidden from clients that did not ask) so
         * spend and savings are measured; turn off for providers that reject stream_options. */
        stream_usage: z.boolean().default(true),
        /** Verifier mode: the sidecar's own error rate (default: cache.max_false_hit_rate). A
         * per-request X-Cache-Max-False-Hit-Rate still wins. */
        max_false_hit_rate: z.number().gt(0).max(1).optional(),
      })
      .strict()
      .default({ max_temperature: 1, store_tool_calls: false, coalesce_wait_ms: 120_000, stream_usage: true }),
    /** $ per million tokens by model (exact name or prefix ending in '*'); merged over built-in defaults. */
    pricing: z.record(z.string().min(1), priceSchema).default({}),
    store: z
      .object({
        /** SQLite synchronous mode. With WAL, 'normal' survives process crashes (kill -9);
         * 'full' also survives power loss at the cost of an fsync per write. */
        synchronous: z.enum(['normal', 'full']).default('normal'),
      })
      .strict()
      .default({ synchronous: 'normal' }),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type Env = Record<string, string | undefined>;

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('top level must be a JSON object');
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Environment variables override the file. Numbers stay strings-turned-numbers so zod names the field. */
function envOverrides(env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (env.DEJAVU_PORT !== undefined) out.port = env.DEJAVU_PORT.trim() === '' ? Number.NaN : Number(env.DEJAVU_PORT);
  if (env.DEJAVU_HOST !== undefined) out.host = env.DEJAVU_HOST;
  if (env.DEJAVU_DATA_DIR !== undefined) out.data_dir = env.DEJAVU_DATA_DIR;
  if (env.DEJAVU_LOG_LEVEL !== undefined) out.log_level = env.DEJAVU_LOG_LEVEL;
  const list = (v: string): string[] => v.split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (env.DEJAVU_API_KEYS !== undefined) out.api_keys = list(env.DEJAVU_API_KEYS);
  if (env.DEJAVU_ADMIN_KEYS !== undefined) out.admin_keys = list(env.DEJAVU_ADMIN_KEYS);
  return out;
}

/** Parses config from an object (file contents merged with env); throws ConfigError naming the bad field. */
export function parseConfig(input: unknown): Config {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ConfigError(`invalid config: ${problems.join('; ')}`);
}

export function loadConfig(env: Env, file: string | undefined = env.DEJAVU_CONFIG): Config {
  const fromFile = file !== undefined && file !== '' ? readConfigFile(file) : {};
  return parseConfig({ ...fromFile, ...envOverrides(env) });
}
