import { STOPWORDS } from '../lists.js';

/** Rule-made rephrasings that keep the meaning (the verifier's synth-pos:template positives).
 * Generic chat idioms, written from the way people phrase requests, not from any evaluation file. */

type Rand = () => number;

function pick<T>(xs: readonly T[], r: Rand): T | undefined {
  return xs.length === 0 ? undefined : xs[Math.floor(r() * xs.length)];
}

/** Request framings that ask the same thing: "How do I X?" = "What's the best way to X?",
 * "Explain X" = "Can you explain X?", "Write X" = "Could you write X?". */
const BASE_GROUPS: readonly (readonly string[])[] = [
  [
    'How do I', 'How can I', 'How to', 'How should I', 'What is the best way to', "What's the best way to",
    'What is the way to', "What's the way to", 'What is the easiest way to', 'How would I', 'How do you', 'How can one',
  ],
  ['Explain', 'Can you explain', 'Please explain', 'Could you explain', 'Help me understand', 'I need an explanation of'],
  ['What is', "What's", 'Can you tell me what is', 'Tell me what is'],
  ['Write', 'Can you write', 'Please write', 'Help me write', 'Could you write', 'I need you to write'],
  ['Give me', 'Can you give me', 'Please give me', 'I need', 'Could you give me'],
  ['Can you', 'Could you', 'Please', 'Would you', 'I want you to'],
];

/** More framings (chat style, `--chat`): the base groups widened, plus groups of their own. Measured
 * 2026-11-26: worse on dev (recall at rate 0.01 0.220 vs 0.252 without), so off by default. */
const CHAT_GROUPS: readonly (readonly string[])[] = [
  [...(BASE_GROUPS[0] as string[]), 'Show me how to', 'Tell me how to', 'Can you show me how to', 'Can you tell me how to', 'What are the steps to', "What's the easiest way to"],
  [...(BASE_GROUPS[1] as string[]), 'Can you help me understand', 'Explain to me', 'Walk me through'],
  [...(BASE_GROUPS[2] as string[]), 'What exactly is', 'Could you tell me what is'],
  [...(BASE_GROUPS[3] as string[]), 'Compose', 'Draft', 'Can you draft', 'Please draft', 'Generate'],
  [...(BASE_GROUPS[4] as string[]), 'Provide', 'Can you provide', 'Please provide', 'I would like'],
  [...(BASE_GROUPS[5] as string[]), 'Can you please', 'Could you please', 'I need you to'],
  ['Tell me about', 'What can you tell me about', 'Give me an overview of', 'Describe', 'Can you describe', 'I want to know about', 'What do you know about'],
  ['Is it possible to', 'Can I', 'Is there a way to', 'Am I able to'],
  ['What is the difference between', "What's the difference between", 'What are the differences between', 'Explain the difference between'],
  ['What is a good', "What's a good", 'Can you recommend a', 'Recommend a', 'Suggest a'],
];

const escape = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const groupRes = (groups: readonly (readonly string[])[]): RegExp[] =>
  groups.map((g) => new RegExp(`^(${[...g].sort((a, b) => b.length - a.length).map(escape).join('|')}) (.+)$`, 'iu'));
const BASE_RES = groupRes(BASE_GROUPS);
const CHAT_RES = groupRes(CHAT_GROUPS);
/** "What is X?" asks for an explanation of X when X is a short noun phrase ("What is a closure?"). */
const SHORT_CONCEPT = /^(an? |the )?[\p{L}\p{N}'+#.-]+( [\p{L}\p{N}'+#.-]+){0,3}\??$/u;
/** Framings that are commands, not questions: a trailing "?" after them reads oddly. */
const IMPERATIVE = /^(explain|write|give|please|describe|compose|draft|generate|provide|recommend|suggest|tell|show|walk|help|i )/iu;

/** The same request in another framing of its group, or null when the text uses none. With
 * `chat`, the wider chat groups are used and a command framing drops the question mark. */
export function retemplate(text: string, r: Rand, chat = false): string | null {
  const groups = chat ? CHAT_GROUPS : BASE_GROUPS;
  const res = chat ? CHAT_RES : BASE_RES;
  for (let g = 0; g < groups.length; g++) {
    const m = (res[g] as RegExp).exec(text);
    if (m === null) continue;
    const rest = m[2] as string;
    const cur = (m[1] as string).toLowerCase();
    if (g === 0 && r() < 0.15) return `${rest[0]?.toUpperCase() ?? ''}${rest.slice(1)}`; // imperative: "Boil an egg?"
    if (g === 2 && SHORT_CONCEPT.test(rest) && r() < 0.5) return `${pick(groups[1] as string[], r) as string} ${rest.replace(/\?$/u, '.')}`;
    const next = pick((groups[g] as string[]).filter((t) => t.toLowerCase() !== cur), r) as string;
    return chat && IMPERATIVE.test(next) ? `${next} ${rest.replace(/\?$/u, '')}` : `${next} ${rest}`;
  }
  return null;
}

/** "a list in Python" -> "a Python list" (a modifier moved before its noun), or null. */
export function compoundFlip(text: string): string | null {
  const m = /\b(a|an|the|my) ([a-z]{3,}) (in|for) ([A-Za-z][\w+#]*)\b/u.exec(text);
  if (m === null || STOPWORDS.has((m[2] as string).toLowerCase()) || STOPWORDS.has((m[4] as string).toLowerCase())) return null;
  return `${text.slice(0, m.index)}${m[1]} ${m[4]} ${m[2]}${text.slice(m.index + m[0].length)}`;
}

const GREETINGS = ['Hi, ', 'Hey, ', 'Hello, ', 'Quick question: ', 'Question: ', 'I was wondering, '];
const THANKS = [' Thanks!', ' Thank you.', ' Thanks in advance.', ' Please.'];

/** One surface change that chat users make without changing the request: a greeting or thanks
 * added, the question mark or the capital dropped. */
export function chatSurface(text: string, r: Rand): string {
  const k = Math.floor(r() * 4);
  const lowerFirst = (t: string): string => (/^\p{Lu}\p{Ll}/u.test(t) ? `${t[0]?.toLowerCase() ?? ''}${t.slice(1)}` : t);
  if (k === 0) return `${pick(GREETINGS, r) as string}${lowerFirst(text)}`;
  if (k === 1) return `${text}${pick(THANKS, r) as string}`;
  if (k === 2) return text.replace(/[?.!]+$/u, '');
  return lowerFirst(text);
}
