import { readFileSync } from 'node:fs';

/** One labelled pair: `label` 1 = serving text_a's answer for text_b is correct, 0 = it would be a false hit. */
export interface PairRow {
  id: string;
  textA: string;
  textB: string;
  label: 0 | 1;
  /** Fifth column when the file has one (e.g. the kind of near-miss in test/fixtures/prompt-pairs.tsv). */
  family?: string;
  /** 1-based line in the file, for messages. */
  line: number;
}

export interface PairFile {
  rows: PairRow[];
  /** True when the header names a fifth `family` column. */
  hasFamily: boolean;
  /** Data rows in the file (before --limit). */
  totalRows: number;
}

const HEADER = ['id', 'text_a', 'text_b', 'label'];

/** A pairs file that cannot be read or does not follow the format; the message names the line. */
export class PairsFileError extends Error {}

/** Reads `id<TAB>text_a<TAB>text_b<TAB>label[<TAB>family]` (header line first, no quoting: every
 * line is split on TAB). Keeps the first `limit` rows. Throws naming the line on a malformed row. */
export function readPairs(path: string, limit?: number): PairFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PairsFileError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const lines = text.split('\n');
  const header = (lines[0] ?? '').replace(/\r$/, '').replace(/^\uFEFF/, '').split('\t');
  if (HEADER.some((h, i) => header[i] !== h)) {
    throw new PairsFileError(`${path}: the first line must be the header "${HEADER.join('\\t')}[\\tfamily]", got "${header.join('\\t')}"`);
  }
  const hasFamily = header[4] === 'family';
  const rows: PairRow[] = [];
  let totalRows = 0;
  for (let i = 1; i < lines.length; i++) {
    const raw = (lines[i] as string).replace(/\r$/, '');
    if (raw.trim() === '') continue;
    totalRows += 1;
    if (limit !== undefined && rows.length >= limit) continue;
    const line = i + 1;
    const cols = raw.split('\t');
    if (cols.length < 4) throw new PairsFileError(`${path} line ${line}: expected at least 4 TAB-separated columns, got ${cols.length}`);
    const [id, textA, textB, label] = cols as [string, string, string, string];
    if (label.trim() !== '0' && label.trim() !== '1') throw new PairsFileError(`${path} line ${line}: label must be 0 or 1, got "${label}"`);
    if (textA.trim() === '' || textB.trim() === '') throw new PairsFileError(`${path} line ${line}: text_a and text_b must not be empty`);
    const row: PairRow = { id, textA, textB, label: label.trim() === '1' ? 1 : 0, line };
    if (hasFamily) row.family = cols[4] ?? '';
    rows.push(row);
  }
  return { rows, hasFamily, totalRows };
}
