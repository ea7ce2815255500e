import type { Analysis } from './text.js';

/** Document frequencies of content-word stems in the training texts: rare words carry the
 * topic, so a rare word without counterpart matters more than a common one. */
export interface IdfTable {
  docs: number;
  /** stem -> number of training texts containing it (only stems seen in >= 2 texts). */
  df: Record<string, number>;
}

export class Idf {
  private readonly df: Map<string, number>;
  private readonly docs: number;
  constructor(table: IdfTable | undefined) {
    this.df = new Map(Object.entries(table?.df ?? {}));
    this.docs = table?.docs ?? 1;
  }
  /** ln(docs / df); unseen stems count as seen once. */
  of(stem: string): number {
    return Math.log(this.docs / (this.df.get(stem) ?? 1));
  }
}

/** Counts the texts containing each content stem (for building an IdfTable). */
export function countDocumentFrequencies(analyses: Iterable<Analysis>, minDf = 2): IdfTable {
  const df = new Map<string, number>();
  let docs = 0;
  for (const a of analyses) {
    docs++;
    const seen = new Set<string>();
    for (const t of a.tokens) if (t.content) seen.add(t.stem);
    for (const st of seen) df.set(st, (df.get(st) ?? 0) + 1);
  }
  const out: Record<string, number> = {};
  for (const [k, v] of [...df].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) if (v >= minDf) out[k] = v;
  return { docs, df: out };
}
