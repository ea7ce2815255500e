import type { Analysis, Token } from './text.js';
import { synonymTokens } from './word-relations.js';

/** Words that make a request polite or chatty, and light verbs that carry no task of their own
 * ("give me a summary" = "summarize"), so they never tell two instructions apart. */
const FRAMING = new Set(
  ('pls plz please kindly thanks thank hey hi hello quick quickly just help me want need like ' +
    'give get show tell provide make do write produce create').split(' '),
);
/** A payload must be at least this many words, and an instruction at most this many, for the rule
 * to read a text as instruction + payload. */
const MIN_PAYLOAD_WORDS = 8;
const MAX_INSTRUCTION_WORDS = 12;
/** Verbs that ask for a task on a payload. Without one the text before the colon is a topic tag
 * ("Humor: What are ...?") or the first half of a sentence, not an instruction. */
const TASK_VERBS = new Set(
  ('summarize summarise translate explain write rewrite fix proofread review refactor optimize optimise convert describe ' +
    'list outline shorten expand paraphrase correct debug test document comment format analyze analyse classify extract ' +
    'generate create simplify improve edit critique grade answer solve continue complete compare check count sort reverse ' +
    'parse validate evaluate respond reply draft compose rate tag categorize categorise name title').split(' '),
);

const wordCount = (t: string): number => (t.match(/[\p{L}\p{N}]+/gu) ?? []).length;

/** "Summarize this paragraph: <text>" -> "Summarize this paragraph" and where the payload starts,
 * or null when the text has no colon or line break after an instruction of MAX_INSTRUCTION_WORDS
 * words at most. Cheap: the payload is only read once both instructions qualify. */
function instructionOf(text: string): { instruction: string; payloadAt: number } | null {
  const m = /(?<!\d):(?!\d)|\n/u.exec(text); // not the colon of a time ("06:45")
  if (m === null || m.index === 0) return null;
  const instruction = text.slice(0, m.index);
  return wordCount(instruction) > MAX_INSTRUCTION_WORDS ? null : { instruction, payloadAt: m.index + 1 };
}

/** The payload with case, spacing, outer quotes and final punctuation normalised. */
function payloadOf(text: string, at: number): string {
  return text
    .slice(at)
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .replace(/^[\s"'`]+|[\s"'`.?!]+$/gu, '');
}

/** Same stem, a WordNet synonym, or the same first 6 letters ("summarize" / "summary"). */
function covered(x: Token, other: readonly Token[]): boolean {
  return other.some(
    (y) =>
      y.stem === x.stem ||
      (x.lower.length >= 6 && y.lower.startsWith(x.lower.slice(0, 6))) ||
      synonymTokens(x, y),
  );
}

/** 1 when both texts carry the same payload under instructions that ask for different things
 * ("Explain this function: <code>" / "Write unit tests for this function: <code>", "Summarize:" /
 * "Translate into French:"), else 0. The shared payload makes the embeddings nearly identical, so
 * only the few instruction words tell the requests apart. Instructions match when every content
 * word of each (framing words aside) has the same stem or a WordNet synonym in the other. */
export function instructionChange(a: string, b: string, analyze: (text: string) => Analysis): number {
  const sa = instructionOf(a);
  if (sa === null) return 0;
  const sb = instructionOf(b);
  if (sb === null) return 0;
  const asks = (t: string): boolean => analyze(t).tokens.some((x) => TASK_VERBS.has(x.lemma) || TASK_VERBS.has(x.lower));
  if (!asks(sa.instruction) && !asks(sb.instruction)) return 0;
  const payload = payloadOf(a, sa.payloadAt);
  if (payload !== payloadOf(b, sb.payloadAt) || wordCount(payload) < MIN_PAYLOAD_WORDS) return 0;
  const words = (t: string): Token[] => analyze(t).tokens.filter((x) => (x.content || x.num !== null) && !FRAMING.has(x.lower));
  const wa = words(sa.instruction);
  const wb = words(sb.instruction);
  return wa.every((x) => covered(x, wb)) && wb.every((y) => covered(y, wa)) ? 0 : 1;
}
