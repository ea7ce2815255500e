/** The Porter (1980) stemmer, used to match inflected and derived forms
 * ("installation" / "installing" / "install" -> "instal"). */

function isCons(w: string, i: number): boolean {
  const c = w[i];
  if (c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u') return false;
  if (c === 'y') return i === 0 ? true : !isCons(w, i - 1);
  return true;
}

/** m(): number of VC sequences in w[0..end). */
function measure(w: string, end: number): number {
  let n = 0;
  let i = 0;
  while (i < end && isCons(w, i)) i++;
  while (i < end) {
    while (i < end && !isCons(w, i)) i++;
    if (i >= end) break;
    n++;
    while (i < end && isCons(w, i)) i++;
  }
  return n;
}

function hasVowel(w: string, end: number): boolean {
  for (let i = 0; i < end; i++) if (!isCons(w, i)) return true;
  return false;
}

function endsDoubleCons(w: string): boolean {
  const n = w.length;
  return n >= 2 && w[n - 1] === w[n - 2] && isCons(w, n - 1);
}

/** cvc at the end, the last c not w, x or y. */
function endsCvc(w: string, end: number): boolean {
  if (end < 3) return false;
  if (!isCons(w, end - 1) || isCons(w, end - 2) || !isCons(w, end - 3)) return false;
  const c = w[end - 1];
  return c !== 'w' && c !== 'x' && c !== 'y';
}

function replaceIf(w: string, suffix: string, rep: string, minM: number): string | null {
  if (!w.endsWith(suffix)) return null;
  const stem = w.length - suffix.length;
  return measure(w, stem) > minM ? w.slice(0, stem) + rep : w;
}

const STEP2: ReadonlyArray<readonly [string, string]> = [
  ['ational', 'ate'], ['tional', 'tion'], ['enci', 'ence'], ['anci', 'ance'], ['izer', 'ize'],
  ['bli', 'ble'], ['alli', 'al'], ['entli', 'ent'], ['eli', 'e'], ['ousli', 'ous'],
  ['ization', 'ize'], ['ation', 'ate'], ['ator', 'ate'], ['alism', 'al'], ['iveness', 'ive'],
  ['fulness', 'ful'], ['ousness', 'ous'], ['aliti', 'al'], ['iviti', 'ive'], ['biliti', 'ble'], ['logi', 'log'],
];
const STEP3: ReadonlyArray<readonly [string, string]> = [
  ['icate', 'ic'], ['ative', ''], ['alize', 'al'], ['iciti', 'ic'], ['ical', 'ic'], ['ful', ''], ['ness', ''],
];
const STEP4 = [
  'al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ion', 'ou',
  'ism', 'ate', 'iti', 'ous', 'ive', 'ize',
];

/** Step 1a: plurals (sses -> ss, ies -> i, s -> ''). */
function step1a(w: string): string {
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('ies')) return w.slice(0, -2);
  if (!w.endsWith('ss') && w.endsWith('s')) return w.slice(0, -1);
  return w;
}

/** Step 1b: eed -> ee when m > 0; ed / ing dropped when the rest has a vowel, then tidied up
 * (at / bl / iz get an e, a double consonant other than l, s, z is undoubled, m = 1 cvc gets an e). */
function step1b(word: string): string {
  if (word.endsWith('eed')) return measure(word, word.length - 3) > 0 ? word.slice(0, -1) : word;
  let w = word;
  if (w.endsWith('ed') && hasVowel(w, w.length - 2)) w = w.slice(0, -2);
  else if (w.endsWith('ing') && hasVowel(w, w.length - 3)) w = w.slice(0, -3);
  else return w;
  if (w.endsWith('at') || w.endsWith('bl') || w.endsWith('iz')) return `${w}e`;
  if (endsDoubleCons(w) && !/[lsz]$/.test(w)) return w.slice(0, -1);
  if (measure(w, w.length) === 1 && endsCvc(w, w.length)) return `${w}e`;
  return w;
}

/** Step 1c: a final y after a vowel-bearing stem becomes i. */
function step1c(w: string): string {
  return w.endsWith('y') && hasVowel(w, w.length - 1) ? `${w.slice(0, -1)}i` : w;
}

/** Steps 2 and 3: the first suffix of `table` that `w` ends with is replaced when m > 0. */
function replaceFirstSuffix(w: string, table: ReadonlyArray<readonly [string, string]>): string {
  for (const [s, r] of table) {
    if (w.endsWith(s)) return replaceIf(w, s, r, 0) ?? w;
  }
  return w;
}

/** Step 4: the first STEP4 suffix that `w` ends with is dropped when m > 1 (ion only after s or t). */
function step4(w: string): string {
  for (const s of STEP4) {
    if (!w.endsWith(s)) continue;
    const stem = w.length - s.length;
    if (measure(w, stem) <= 1) return w;
    if (s !== 'ion') return w.slice(0, stem);
    const c = w[stem - 1];
    return c === 's' || c === 't' ? w.slice(0, stem) : w;
  }
  return w;
}

/** Step 5: a final e dropped (m > 1, or m = 1 and not cvc), then ll -> l when m > 1. */
function step5(word: string): string {
  let w = word;
  if (w.endsWith('e')) {
    const m = measure(w, w.length - 1);
    if (m > 1 || (m === 1 && !endsCvc(w, w.length - 1))) w = w.slice(0, -1);
  }
  if (measure(w, w.length) > 1 && endsDoubleCons(w) && w.endsWith('l')) w = w.slice(0, -1);
  return w;
}

export function porterStem(word: string): string {
  if (word.length <= 2 || !/^[a-z]+$/.test(word)) return word;
  const w = step1c(step1b(step1a(word)));
  return step5(step4(replaceFirstSuffix(replaceFirstSuffix(w, STEP2), STEP3)));
}
