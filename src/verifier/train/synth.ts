import type { Pair } from './data.js';
import { FAMILIES, type Family, type Perturber, type Rand } from './perturber.js';
import { chatSurface, compoundFlip, retemplate } from './rephrase.js';

export { FAMILIES, Perturber, type Family } from './perturber.js';
export { compoundFlip, retemplate } from './rephrase.js';

/** Rule-made training pairs for the near-miss families real data has too few of:
 * - negatives: one side of a paraphrase pair (or a copy of the same text) changed by one edit
 *   that changes the meaning (swapped direction, other number, negation, antonym, other
 *   entity, other word);
 * - mirrored positives: the same edit applied to both sides of a paraphrase pair (the
 *   features must learn that a number or a negation as such is harmless, only a mismatch is not). */

export interface SynthOptions {
  /** Negatives drawn per source paraphrase pair (expected). */
  negPerPair: number;
  /** Mirrored positives per source pair (expected). */
  posPerPair: number;
  /** Share of negatives made from one text and its own edited copy (else from the pair). */
  selfShare: number;
  /** Question-template paraphrases per source pair (expected; only texts using a template). */
  templatePerPair: number;
  /** Wider chat-style framings and surface changes (greetings, thanks, no "?") for the template positives. */
  chat?: boolean;
}

/** A rephrasing of `src` that keeps its meaning, or null (see rephrase.ts). */
function rephrase(src: string, r: Rand, chat: boolean, templateShare: number): string | null {
  const t = r() < templateShare ? retemplate(src, r, chat) : compoundFlip(src);
  if (!chat) return t;
  if (t === null) return r() < 0.3 ? chatSurface(src, r) : null;
  return r() < 0.5 ? chatSurface(t, r) : t;
}

/** Makes synthetic pairs from paraphrase pairs, deterministically for a given PRNG. */
export function synthesize(base: readonly Pair[], pert: Perturber, opts: SynthOptions, r: Rand): Pair[] {
  const out: Pair[] = [];
  for (const p of base) {
    if (p.label !== 1) {
      // Any text and its own rephrasing (question template or compound flip) ask the same thing.
      if (r() < opts.templatePerPair * 0.5) {
        const src = r() < 0.5 ? p.a : p.b;
        const t = rephrase(src, r, opts.chat ?? false, 0.7);
        if (t !== null && t !== src) out.push({ id: `${p.id}~self-template`, source: 'synth-pos:template', a: src, b: t, label: 1 });
      }
      continue;
    }
    if (r() < opts.negPerPair) {
      const start = Math.floor(r() * FAMILIES.length);
      for (let k = 0; k < FAMILIES.length; k++) {
        const fam = FAMILIES[(start + k) % FAMILIES.length] as Family;
        const self = r() < opts.selfShare;
        const flip = r() < 0.5;
        const src = flip ? p.b : p.a;
        const other = self ? src : flip ? p.a : p.b;
        const edited = pert.apply(fam, src, r);
        if (edited === null || edited === src || edited === other) continue;
        out.push({ id: `${p.id}~${fam}`, source: `synth:${fam}`, a: other, b: edited, label: 0 });
        break;
      }
    }
    if (r() < opts.templatePerPair) {
      const flip = r() < 0.5;
      const src = flip ? p.b : p.a;
      const t = opts.chat === true ? rephrase(src, r, true, 1) : (retemplate(src, r) ?? compoundFlip(src));
      if (t !== null && t !== src) out.push({ id: `${p.id}~template`, source: 'synth-pos:template', a: r() < 0.5 ? src : flip ? p.a : p.b, b: t, label: 1 });
    }
    if (r() < opts.posPerPair) {
      const start = Math.floor(r() * FAMILIES.length);
      for (let k = 0; k < FAMILIES.length; k++) {
        const fam = FAMILIES[(start + k) % FAMILIES.length] as Family;
        const m = pert.mirror(fam, p.a, p.b, r);
        if (m === null || m[0] === m[1]) continue;
        out.push({ id: `${p.id}~mirror-${fam}`, source: `synth-pos:${fam}`, a: m[0], b: m[1], label: 1 });
        break;
      }
    }
  }
  return out;
}
