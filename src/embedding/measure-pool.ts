// Throughput and main-thread event-loop delay of the embedding set-ups, for choosing the defaults
// of embedder.workers / embedder.threads:
//   npx tsx src/embedding/measure-pool.ts [--rounds 5] [--burst 200] [--models ./models]
// Every round fires `burst` concurrent distinct short prompts at each set-up in turn (interleaved,
// so background load hits them alike) and reports per set-up the median embeds/s and the median
// of the rounds' p99 (and max) event-loop delay (perf_hooks.monitorEventLoopDelay) during the burst,
// and how busy the main thread's event loop was (performance.eventLoopUtilization).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Embedder } from '../core/ports.js';
import { EmbedPool } from './pool.js';
import { TransformersEmbedder, type TransformersEmbedderOptions } from './transformers-embedder.js';

interface Setup {
  name: string;
  load: () => Promise<Embedder & { close(): Promise<void> }>;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

const rounds = Number(arg('rounds', '5'));
const burst = Number(arg('burst', '200'));
const base: Omit<TransformersEmbedderOptions, 'threads'> = { modelsDir: arg('models', './models'), model: 'onnx-community/all-MiniLM-L6-v2-ONNX', dtype: 'q4' };

const setups: Setup[] = [
  { name: 'in-thread 1 thread', load: () => TransformersEmbedder.load({ ...base, threads: 1 }) },
  { name: 'in-thread 2 threads', load: () => TransformersEmbedder.load({ ...base, threads: 2 }) },
  { name: 'pool 1 worker x 2 threads', load: () => EmbedPool.start({ ...base, threads: 2, workers: 1, queueLimit: 1_000_000 }) },
  { name: 'pool 2 workers x 1 thread', load: () => EmbedPool.start({ ...base, threads: 1, workers: 2, queueLimit: 1_000_000 }) },
  { name: 'pool 2 workers x 2 threads', load: () => EmbedPool.start({ ...base, threads: 2, workers: 2, queueLimit: 1_000_000 }) },
];

const subjects = ['the capital of France', 'a binary search tree', 'photosynthesis', 'the French revolution', 'compound interest', 'a TCP handshake', 'the Pythagorean theorem', 'garbage collection', 'black holes', 'a sourdough starter'];
const asks = ['What is', 'Explain', 'Give me a short summary of', 'How would you teach', 'Why does anyone care about'];
let serial = 0;
/** Distinct short prompts (never repeated over the whole run). */
function prompts(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++, serial++) {
    out.push(`${asks[serial % asks.length]} ${subjects[Math.floor(serial / asks.length) % subjects.length]} in ${serial + 3} words?`);
  }
  return out;
}

async function measure(embedder: Embedder): Promise<{ perSecond: number; p99Ms: number; maxMs: number; elu: number }> {
  const texts = prompts(burst);
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  // The first tick only starts the clock: a loop blocked before it would go unrecorded.
  await new Promise((resolve) => setTimeout(resolve, 3));
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await Promise.all(texts.map((t) => embedder.embed(t)));
  const ms = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  // A loop blocked until now has not recorded that delay yet: it does on the next timer tick.
  await new Promise((resolve) => setTimeout(resolve, 3));
  h.disable();
  return { perSecond: (burst / ms) * 1000, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6, elu };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const loaded: Array<{ setup: Setup; embedder: Embedder & { close(): Promise<void> }; rates: number[]; p99s: number[]; maxes: number[]; elus: number[] }> = [];
for (const setup of setups) {
  const embedder = await setup.load();
  for (const t of prompts(40)) await embedder.embed(t); // warm-up
  loaded.push({ setup, embedder, rates: [], p99s: [], maxes: [], elus: [] });
}
for (let r = 0; r < rounds; r++) {
  for (const l of loaded) {
    const { perSecond, p99Ms, maxMs, elu } = await measure(l.embedder);
    l.elus.push(elu * 100);
    l.rates.push(perSecond);
    l.p99s.push(p99Ms);
    l.maxes.push(maxMs);
  }
}
console.log(`${burst} concurrent distinct prompts, ${rounds} rounds, median (min-max)`);
for (const l of loaded) {
  const fmt = (xs: number[], d: number): string => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)})`;
  console.log(`${l.setup.name.padEnd(28)} ${fmt(l.rates, 0).padEnd(18)} embeds/s   event-loop p99 ${fmt(l.p99s, 1).padEnd(18)} ms   max ${fmt(l.maxes, 1).padEnd(18)} ms   main thread busy ${fmt(l.elus, 0)} %`);
  await l.embedder.close();
}
