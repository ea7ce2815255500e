import type { Lexicon } from '../lexicon.js';
import { CURATED_ANTONYMS, KNOWN_ENTITIES, NUMBER_WORDS, STOPWORDS } from '../lists.js';

/** The one-edit changes behind the synthetic pairs (synth.ts): each family's edit on one text
 * (a negative partner) and the same edit on both sides of a paraphrase pair (a mirrored positive). */

export type Family = 'direction' | 'number' | 'negation' | 'antonym' | 'entity' | 'substitute';
export const FAMILIES: readonly Family[] = ['direction', 'number', 'negation', 'antonym', 'entity', 'substitute'];

export type Rand = () => number;

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'+#.-]*[\p{L}\p{N}+#]|[\p{L}\p{N}]/gu;

function pick<T>(xs: readonly T[], r: Rand): T | undefined {
  return xs.length === 0 ? undefined : xs[Math.floor(r() * xs.length)];
}

function matchCase(template: string, word: string): string {
  if (template.length > 1 && template === template.toUpperCase()) return word.toUpperCase();
  if (template[0] !== undefined && template[0] !== template[0].toLowerCase()) return word[0]?.toUpperCase() + word.slice(1);
  return word;
}

/** Words of a text with their positions. */
function words(text: string): Array<{ w: string; at: number }> {
  return [...text.matchAll(WORD)].map((m) => ({ w: m[0], at: m.index }));
}

function replaceAt(text: string, at: number, len: number, rep: string): string {
  return text.slice(0, at) + rep + text.slice(at + len);
}

function isContent(w: string): boolean {
  const l = w.toLowerCase();
  return /^\p{L}{3,}$/u.test(w) && !STOPWORDS.has(l);
}

const KNOWN_LIST = [...KNOWN_ENTITIES].filter((w) => /^[a-z]{3,}$/.test(w)).sort();
const CURATED_MAP = new Map<string, string[]>();
for (const [a, b] of CURATED_ANTONYMS) {
  CURATED_MAP.set(a, [...(CURATED_MAP.get(a) ?? []), b]);
  CURATED_MAP.set(b, [...(CURATED_MAP.get(b) ?? []), a]);
}

export class Perturber {
  constructor(
    private readonly lex: Lexicon,
    /** Entity-like words seen in the training texts. */
    private readonly entities: readonly string[],
    /** Frequent content words of the training texts. */
    private readonly vocab: readonly string[],
  ) {}

  /** "from X to Y" -> "from Y to X", "X than Y" -> "Y than X"... */
  direction(text: string, r: Rand): string | null {
    const pats = [
      /\b(from) ([\p{L}\p{N}][\p{L}\p{N}.+#-]*) (to|into) ([\p{L}\p{N}][\p{L}\p{N}.+#-]*)/iu,
      /([\p{L}\p{N}][\p{L}\p{N}.+#-]*) (to|into|than|over|against|on) ([\p{L}\p{N}][\p{L}\p{N}.+#-]*)/giu,
    ];
    const m1 = pats[0]?.exec(text);
    if (m1 && isContent(m1[2] as string) && isContent(m1[4] as string) && (m1[2] as string).toLowerCase() !== (m1[4] as string).toLowerCase()) {
      return replaceAt(text, m1.index, m1[0].length, `${m1[1]} ${m1[4]} ${m1[3]} ${m1[2]}`);
    }
    const cands = [...text.matchAll(pats[1] as RegExp)].filter(
      (m) => isContent(m[1] as string) && (isContent(m[3] as string) || /^\d/.test(m[3] as string)) && (m[1] as string).toLowerCase() !== (m[3] as string).toLowerCase(),
    );
    const m = pick(cands, r);
    if (m === undefined) return null;
    return replaceAt(text, m.index ?? 0, m[0].length, `${m[3]} ${m[2]} ${m[1]}`);
  }

  /** A number replaced by another one. */
  number(text: string, r: Rand, forced?: { from: string; to: string }): string | null {
    const ws = words(text).filter((x) => /^\d+(\.\d+)?$/.test(x.w) || NUMBER_WORDS.has(x.w.toLowerCase()));
    if (forced) {
      const hit = ws.find((x) => x.w === forced.from);
      return hit ? replaceAt(text, hit.at, hit.w.length, forced.to) : null;
    }
    const x = pick(ws, r);
    if (x === undefined) return null;
    return replaceAt(text, x.at, x.w.length, otherNumber(x.w, r));
  }

  numberEdit(text: string, r: Rand): { from: string; to: string } | null {
    const x = pick(words(text).filter((w) => /^\d+(\.\d+)?$/.test(w.w)), r);
    return x === undefined ? null : { from: x.w, to: otherNumber(x.w, r) };
  }

  /** Inserts or removes a negation ("is" -> "is not", "with" -> "without", "not" dropped). */
  negation(text: string, r: Rand): string | null {
    const ops: Array<() => string | null> = [
      () => {
        const m = /\b(is|are|was|were|can|could|should|will|would|does|do|did|has|have|must)\b (?!not\b)/iu.exec(text);
        return m ? replaceAt(text, m.index, m[0].length, `${m[1]} not `) : null;
      },
      () => {
        const m = /\bwith\b/iu.exec(text);
        return m ? replaceAt(text, m.index, 4, matchCase(m[0], 'without')) : null;
      },
      () => {
        const m = /\bwithout\b/iu.exec(text);
        return m ? replaceAt(text, m.index, 7, matchCase(m[0], 'with')) : null;
      },
      () => {
        const m = /\b(not|never) /iu.exec(text);
        return m ? replaceAt(text, m.index, m[0].length, '') : null;
      },
      () => {
        const m = /^(how|what|why|where|when|which)\b/iu.exec(text);
        return m ? `${text.replace(/[?.!]\s*$/u, '')} without ${pick(this.vocab, r) ?? 'it'}?` : null;
      },
    ];
    const start = Math.floor(r() * ops.length);
    for (let k = 0; k < ops.length; k++) {
      const out = (ops[(start + k) % ops.length] as () => string | null)();
      if (out !== null && out !== text) return out;
    }
    return null;
  }

  antonymOf(word: string): string | undefined {
    const l = word.toLowerCase();
    const cur = CURATED_MAP.get(l);
    if (cur && cur.length > 0) return cur[0];
    const wn = this.lex.antonymsOfWord(l);
    return wn[0];
  }

  /** A word replaced by one of its antonyms. */
  antonym(text: string, r: Rand, forced?: string): string | null {
    const ws = words(text).filter((x) => this.antonymOf(x.w) !== undefined && !STOPWORDS.has(x.w.toLowerCase()) && /^\p{L}+$/u.test(x.w));
    const x = forced ? ws.find((w) => w.w.toLowerCase() === forced) : pick(ws, r);
    if (x === undefined) return null;
    return replaceAt(text, x.at, x.w.length, matchCase(x.w, this.antonymOf(x.w) as string));
  }

  antonymWords(text: string): string[] {
    return words(text)
      .filter((x) => this.antonymOf(x.w) !== undefined && !STOPWORDS.has(x.w.toLowerCase()) && /^\p{L}+$/u.test(x.w))
      .map((x) => x.w.toLowerCase());
  }

  entityWords(text: string): Array<{ w: string; at: number }> {
    return words(text).filter((x, i) => (i > 0 && /^\p{Lu}\p{L}+$/u.test(x.w) && !STOPWORDS.has(x.w.toLowerCase())) || KNOWN_ENTITIES.has(x.w.toLowerCase()));
  }

  /** A name / language / place replaced by another one seen in the data. */
  entity(text: string, r: Rand, forced?: { from: string; to: string }): string | null {
    const ws = this.entityWords(text);
    if (forced) {
      const hit = ws.find((x) => x.w === forced.from);
      return hit ? replaceAt(text, hit.at, hit.w.length, forced.to) : null;
    }
    const x = pick(ws, r);
    if (x === undefined) return null;
    const to = this.otherEntity(x.w, r);
    return to === null ? null : replaceAt(text, x.at, x.w.length, to);
  }

  otherEntity(w: string, r: Rand): string | null {
    const known = KNOWN_ENTITIES.has(w.toLowerCase());
    for (let k = 0; k < 10; k++) {
      const e = known ? pick(KNOWN_LIST, r) : pick(this.entities, r);
      if (e !== undefined && e.toLowerCase() !== w.toLowerCase()) return matchCase(w, e);
    }
    return null;
  }

  /** A content word replaced by another frequent content word ("sort" -> "reverse"). */
  substitute(text: string, r: Rand, forced?: { from: string; to: string }): string | null {
    const ws = words(text).filter((x) => isContent(x.w) && this.lex.has(x.w.toLowerCase()));
    if (forced) {
      const hit = ws.find((x) => x.w.toLowerCase() === forced.from);
      return hit ? replaceAt(text, hit.at, hit.w.length, matchCase(hit.w, forced.to)) : null;
    }
    const x = pick(ws, r);
    if (x === undefined) return null;
    for (let k = 0; k < 10; k++) {
      const v = pick(this.vocab, r);
      if (v !== undefined && v !== x.w.toLowerCase() && !this.lex.synonyms(v, x.w.toLowerCase())) return replaceAt(text, x.at, x.w.length, matchCase(x.w, v));
    }
    return null;
  }

  /** Applies one family's edit to one text (a negative partner). */
  apply(family: Family, text: string, r: Rand): string | null {
    switch (family) {
      case 'direction':
        return this.direction(text, r);
      case 'number':
        return this.number(text, r);
      case 'negation':
        return this.negation(text, r);
      case 'antonym':
        return this.antonym(text, r);
      case 'entity':
        return this.entity(text, r);
      case 'substitute':
        return this.substitute(text, r);
    }
  }

  /** The same edit on both sides of a paraphrase pair, when both contain its anchor. */
  mirror(family: Family, a: string, b: string, r: Rand): [string, string] | null {
    if (family === 'number') {
      const e = this.numberEdit(a, r);
      if (e === null) return null;
      const a2 = this.number(a, r, e);
      const b2 = this.number(b, r, e);
      return a2 !== null && b2 !== null ? [a2, b2] : null;
    }
    if (family === 'antonym') {
      const inB = new Set(this.antonymWords(b));
      const w = pick(this.antonymWords(a).filter((x) => inB.has(x)), r);
      if (w === undefined) return null;
      const a2 = this.antonym(a, r, w);
      const b2 = this.antonym(b, r, w);
      return a2 !== null && b2 !== null ? [a2, b2] : null;
    }
    if (family === 'entity') {
      const inB = new Set(this.entityWords(b).map((x) => x.w));
      const w = pick(this.entityWords(a).filter((x) => inB.has(x.w)), r);
      if (w === undefined) return null;
      const to = this.otherEntity(w.w, r);
      if (to === null) return null;
      const a2 = this.entity(a, r, { from: w.w, to });
      const b2 = this.entity(b, r, { from: w.w, to });
      return a2 !== null && b2 !== null ? [a2, b2] : null;
    }
    if (family === 'substitute') {
      const inB = new Set(words(b).map((x) => x.w.toLowerCase()));
      const w = pick(words(a).filter((x) => isContent(x.w) && this.lex.has(x.w.toLowerCase()) && inB.has(x.w.toLowerCase())), r);
      const v = pick(this.vocab, r);
      if (w === undefined || v === undefined || v === w.w.toLowerCase()) return null;
      const e = { from: w.w.toLowerCase(), to: v };
      const a2 = this.substitute(a, r, e);
      const b2 = this.substitute(b, r, e);
      return a2 !== null && b2 !== null ? [a2, b2] : null;
    }
    if (family === 'negation') {
      const m = /\bwith\b/iu;
      if (m.test(a) && m.test(b)) return [a.replace(m, 'without'), b.replace(m, 'without')];
      const aux = /\b(is|are|can|should|does|do)\b (?!not\b)/iu;
      const ma = aux.exec(a);
      const mb = aux.exec(b);
      if (ma && mb && ma[1]?.toLowerCase() === mb[1]?.toLowerCase()) {
        return [replaceAt(a, ma.index, ma[0].length, `${ma[1]} not `), replaceAt(b, mb.index, mb[0].length, `${mb[1]} not `)];
      }
      return null;
    }
    // direction: "between X and Y" / "X vs Y" read both ways mean the same.
    const sym = /\b(between) ([\p{L}\p{N}]+) (and) ([\p{L}\p{N}]+)|([\p{L}\p{N}]+) (vs\.?|versus|and) ([\p{L}\p{N}]+)/iu;
    const m = sym.exec(b);
    if (m === null) return null;
    const swapped = m[1] !== undefined ? `${m[1]} ${m[4]} ${m[3]} ${m[2]}` : `${m[7]} ${m[6]} ${m[5]}`;
    if (m[1] === undefined && !(isContent(m[5] as string) && isContent(m[7] as string))) return null;
    return [a, replaceAt(b, m.index, m[0].length, swapped)];
  }
}

function otherNumber(w: string, r: Rand): string {
  const nw = NUMBER_WORDS.get(w.toLowerCase());
  const v = Number(nw ?? w);
  if (!Number.isFinite(v)) return String(Math.floor(r() * 20) + 2);
  const choices = [v + 1, v + 2, v * 2, Math.max(0, v - 1), v + 10, Math.round(v * 1.5) + 1].filter((x) => x !== v);
  let out = choices[Math.floor(r() * choices.length)] as number;
  if (w.includes('.')) out = Number((out + 0.5).toFixed(1));
  return String(out);
}
