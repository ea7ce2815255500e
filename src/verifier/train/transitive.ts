import type { Pair } from './data.js';
import { seededRandom, shuffle } from '../../util/random.js';

/** A pair implied by two labelled pairs that share a text, with the ids of both (for folds). */
export interface ImpliedPair extends Pair {
  from: [string, string];
}

export interface TransitiveOptions {
  /** At most this many implied pairs through one shared text (big QQP clusters would dominate). */
  perHub: number;
  seed: number;
}

const keyOf = (a: string, b: string): string => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

/** Pairs implied by one step of transitivity over labelled pairs (QQP shares many texts):
 * A~B and B~C (both label 1) imply A~C; A~B (1) and B!~C (0) imply A!~C. One step only, since
 * label noise compounds along longer chains. Skipped: pairs of one text with itself, pairs that
 * are already labelled, pairs in `exclude` (keys from `pairKey`: the dev and test pairs, so
 * nothing held out is re-created), and A!~C when A and C are linked by a positive chain. */
export function impliedPairs(pairs: readonly Pair[], exclude: ReadonlySet<string>, opts: TransitiveOptions): ImpliedPair[] {
  const pos = new Map<string, Array<{ other: string; id: string }>>();
  const neg = new Map<string, Array<{ other: string; id: string }>>();
  const labelled = new Set<string>();
  const add = (m: typeof pos, t: string, other: string, id: string): void => {
    const list = m.get(t) ?? [];
    list.push({ other, id });
    m.set(t, list);
  };
  for (const p of pairs) {
    labelled.add(keyOf(p.a, p.b));
    const m = p.label === 1 ? pos : neg;
    add(m, p.a, p.b, p.id);
    add(m, p.b, p.a, p.id);
  }
  const cluster = positiveClusters(pairs);
  const rand = seededRandom(opts.seed);
  const out: ImpliedPair[] = [];
  const seen = new Set<string>();
  for (const [hub, friends] of [...pos].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const made: ImpliedPair[] = [];
    const consider = (x: { other: string; id: string }, y: { other: string; id: string }, label: 0 | 1): void => {
      if (x.other === y.other) return;
      const k = keyOf(x.other, y.other);
      if (labelled.has(k) || exclude.has(k) || seen.has(k)) return;
      if (label === 0 && cluster(x.other) === cluster(y.other)) return;
      seen.add(k);
      made.push({ id: `${x.id}+${y.id}`, source: label === 1 ? 'implied:pos' : 'implied:neg', a: x.other, b: y.other, label, from: [x.id, y.id] });
    };
    for (let i = 0; i < friends.length; i++) for (let j = i + 1; j < friends.length; j++) consider(friends[i]!, friends[j]!, 1);
    for (const f of friends) for (const n of neg.get(hub) ?? []) consider(f, n, 0);
    out.push(...shuffle(made, rand).slice(0, opts.perHub));
  }
  return out;
}

/** Key of an unordered text pair, as `impliedPairs` compares them. */
export const pairKey = (p: Pick<Pair, 'a' | 'b'>): string => keyOf(p.a, p.b);

/** Union-find over the label-1 pairs: text -> representative of its positive cluster. */
function positiveClusters(pairs: readonly Pair[]): (t: string) => string {
  const parent = new Map<string, string>();
  const find = (t: string): string => {
    let r = t;
    while ((parent.get(r) ?? r) !== r) r = parent.get(r) as string;
    parent.set(t, r);
    return r;
  };
  for (const p of pairs) if (p.label === 1) parent.set(find(p.a), find(p.b));
  return find;
}
