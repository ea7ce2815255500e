import { existsSync, readFileSync } from 'node:fs';
import { normalizePrompt } from '../core/request-key.js';
import { seededRandom, shuffle } from './bench-stats.js';

/** Where the stored prompts came from. */
export type PromptSource = 'qqp' | 'synthetic' | 'qqp+synthetic';

export interface PromptSet {
  source: PromptSource;
  /** Distinct (after the cache's own normalisation) prompts to store. */
  stored: string[];
}

/** Unique questions of a pairs TSV (`id, text_a, text_b, label`), in file order. */
export function readQqpQuestions(path: string): string[] {
  if (!existsSync(path)) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  for (const line of lines.slice(1)) {
    const cols = line.split('\t');
    if (cols.length < 4) continue;
    for (const text of [cols[1] as string, cols[2] as string]) {
      const norm = normalizePrompt(text);
      // Dedupe on the normalised form: the exact tier would otherwise replace, not add, an entry.
      if (norm === '' || seen.has(norm)) continue;
      seen.add(norm);
      out.push(text);
    }
  }
  return out;
}

const TEMPLATES = [
  'How do I {a} {t} {q}?',
  'What is the best way to {a} {t} {q}?',
  'Can you explain how to {a} {t} {q}?',
  'Why does it take so long to {a} {t} {q}?',
  'What are common mistakes when trying to {a} {t} {q}?',
  'Is it possible to {a} {t} {q}?',
  'Give me a step-by-step guide to {a} {t} {q}.',
  'What tools do I need to {a} {t} {q}?',
  'How much does it cost to {a} {t} {q}?',
  'Write a short checklist to {a} {t} {q}.',
];
const ACTIONS = ['repair', 'clean', 'choose', 'install', 'maintain', 'replace', 'paint', 'store', 'sell', 'insure', 'upgrade', 'test'];
const TOPICS = [
  'a bicycle chain', 'a leaking kitchen tap', 'a used car', 'a laptop battery', 'a wooden fence', 'a vegetable garden',
  'a gas water heater', 'a sourdough starter', 'an aquarium filter', 'a roof gutter', 'a hiking backpack', 'a piano',
  'a home wifi router', 'a solar panel', 'a cast iron pan', 'a winter coat', 'a ceiling fan', 'a lawn mower',
  'a bathroom tile floor', 'an electric guitar', 'a camping tent', 'a dishwasher', 'a mountain bike', 'a leather sofa',
];
const QUALIFIERS = [
  'on a tight budget', 'without special tools', 'in a small apartment', 'before winter', 'for a beginner',
  'in under an hour', 'safely with kids around', 'in a humid climate', 'for the first time', 'without a professional',
  'in an old house', 'using only recycled materials', 'when living abroad', 'before selling the house', 'on weekends only',
];

/** `count` distinct template questions, deterministic for a given seed (used when the QQP file is missing). */
export function syntheticQuestions(count: number, seed = 1): string[] {
  const all: string[] = [];
  for (const tpl of TEMPLATES) {
    for (const a of ACTIONS) {
      for (const t of TOPICS) {
        for (const q of QUALIFIERS) all.push(tpl.replace('{a}', a).replace('{t}', t).replace('{q}', q));
      }
    }
  }
  // Shuffle so that a small run still spans every template and topic instead of the first few.
  shuffle(all, seededRandom(seed));
  if (count > all.length) throw new Error(`at most ${all.length} synthetic prompts are available, ${count} requested`);
  return all.slice(0, count);
}

/** Stored prompts: real QQP questions when the file exists, topped up (or replaced) by synthetic ones. */
export function storedPrompts(count: number, qqpPath: string): PromptSet {
  const real = readQqpQuestions(qqpPath).slice(0, count);
  if (real.length === count) return { source: 'qqp', stored: real };
  const seen = new Set(real.map(normalizePrompt));
  const extra = syntheticQuestions(Math.min(count * 2 + 100, 43_200)).filter((p) => !seen.has(normalizePrompt(p)));
  const stored = [...real, ...extra.slice(0, count - real.length)];
  if (stored.length < count) throw new Error(`could only build ${stored.length} distinct prompts, ${count} requested`);
  return { source: real.length === 0 ? 'synthetic' : 'qqp+synthetic', stored };
}

/** Light rewordings that keep the meaning; the exact tier misses them (different text), the
 * semantic tier should hit (measured on QQP with the shipped model: cosine >= 0.93). */
const PERTURBATIONS: ReadonlyArray<(p: string) => string> = [
  (p) => `Quick question: ${p}`,
  (p) => `${p} please`,
  (p) => `Please tell me: ${p}`,
  (p) => `${p.replace(/[?.!]+\s*$/u, '')}, please?`,
];

export function paraphrase(prompt: string, i: number): string {
  return (PERTURBATIONS[i % PERTURBATIONS.length] as (p: string) => string)(prompt);
}

const NONSENSE = (
  'zebra quantum velvet orbit marble lantern cactus symphony glacier pepper tundra violin harbor nebula ' +
  'saddle prism walrus copper meadow falcon origami thunder basil igloo kelp monsoon pixel quartz ' +
  'raccoon sapphire tambourine umbrella vortex wombat yodel zeppelin anchovy bramble cobalt dune'
).split(' ');

/** Word salad that resembles no stored question (max cosine to QQP questions measured ~0.36).
 * 8-13 words, about the length of a QQP question, so miss and hit embeddings cost about the same. */
export function missPrompts(count: number, seed = 7): string[] {
  const rand = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const len = 8 + Math.floor(rand() * 6);
    return Array.from({ length: len }, () => NONSENSE[Math.floor(rand() * NONSENSE.length)] as string).join(' ');
  });
}

/** `count` items picked at random (with a fixed seed) from `items`, repeating if needed. */
export function sample<T>(items: readonly T[], count: number, seed: number): T[] {
  const rand = seededRandom(seed);
  return Array.from({ length: count }, () => items[Math.floor(rand() * items.length)] as T);
}
