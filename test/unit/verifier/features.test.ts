import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_NAMES, FeatureExtractor, Idf, areAntonyms, countDocumentFrequencies, pairFeatures, vetoOf, type FeatureName } from '../../../src/verifier/features.js';
import { Lexicon } from '../../../src/verifier/lexicon.js';
import { porterStem } from '../../../src/verifier/stem.js';
import { analyze } from '../../../src/verifier/text.js';

const LEXICON = join(import.meta.dirname, '..', '..', '..', 'models', 'verifier', 'lexicon.txt');

let lex: Lexicon;
let fx: FeatureExtractor;
beforeAll(() => {
  lex = Lexicon.load(LEXICON);
  fx = new FeatureExtractor(lex);
});

function feats(a: string, b: string, cos = 0.95): Record<FeatureName, number> {
  const f = fx.features(a, b, cos);
  return Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, f[i] as number])) as Record<FeatureName, number>;
}

describe('lexicon', () => {
  it('knows WordNet synonyms and antonyms', () => {
    expect(lex.synonyms('buy', 'purchase')).toBe(true);
    expect(lex.synonyms('big', 'large')).toBe(true);
    expect(lex.synonyms('sort', 'reverse')).toBe(false);
    expect(lex.antonyms('soft', 'hard')).toBe(true);
    expect(lex.antonyms('hard', 'soft')).toBe(true);
    expect(lex.antonyms('increase', 'decrease')).toBe(true);
    expect(lex.antonyms('buy', 'purchase')).toBe(false);
  });

  it('parses the compact format', () => {
    const l = Lexicon.parse('# c\nS car auto automobile\nS fast quick\nA hot cold\n');
    expect(l.synonyms('auto', 'car')).toBe(true);
    expect(l.synonyms('car', 'fast')).toBe(false);
    expect(l.antonyms('cold', 'hot')).toBe(true);
    expect(l.stats).toEqual({ words: 7, synsets: 2, antonymPairs: 1 });
  });
});

describe('text analysis', () => {
  it('stems inflected and derived forms alike', () => {
    expect(porterStem('installation')).toBe(porterStem('installing'));
    expect(porterStem('caresses')).toBe('caress');
    expect(porterStem('ponies')).toBe('poni');
  });

  it('tokenises contractions, numbers, versions and names', () => {
    const a = analyze("Why can't I install Python 3.11 in Austria's schools? It's 1,000 or ten", lex);
    const by = (w: string) => a.tokens.find((t) => t.lower === w);
    expect(a.negCount).toBe(1);
    expect(by('not')?.neg).toBe(true);
    expect(by('3.11')?.num).toBe('3.11');
    expect(by('1,000')?.num).toBe('1000');
    expect(by('ten')?.num).toBe('10');
    expect(by('python')?.proper).toBe(true);
    expect(by('austria')?.proper).toBe(true);
    expect(by('schools')?.content).toBe(true);
    expect(by('why')?.content).toBe(false);
    expect(a.wh.has('why')).toBe(true);
  });

  it('lemmatises irregular and regular inflections', () => {
    const a = analyze('The children went running to the biggest cities', lex);
    const lemmas = a.tokens.map((t) => t.lemma);
    expect(lemmas).toEqual(expect.arrayContaining(['child', 'go', 'big', 'city']));
  });
});

describe('pair features', () => {
  it('are symmetric', () => {
    const pairs: Array<[string, string]> = [
      ['convert USD to EUR', 'convert EUR to USD'],
      ['How do I reverse a list in Python?', "What's the way to reverse a Python list?"],
      ['recipes with gluten', 'recipes without gluten for kids'],
    ];
    for (const [a, b] of pairs) expect(Array.from(fx.features(a, b, 0.9))).toEqual(Array.from(fx.features(b, a, 0.9)));
  });

  it('see a direction swap', () => {
    const f = feats('convert USD to EUR', 'convert EUR to USD');
    expect(f.role_swaps).toBeGreaterThan(0);
    expect(f.order_discordant).toBeGreaterThan(0);
    expect(f.unmatched_max).toBe(0);
    const same = feats('convert USD to EUR', 'convert USD into EUR');
    expect(same.role_swaps).toBe(0);
    expect(same.order_discordant).toBe(0);
  });

  it('refuse a direction swap across "to" and "into", and through modifiers, by rule only', () => {
    const refused = (a: string, b: string): [string | null, number] => {
      const rules = { directionSwaps: 0 };
      const x = fx.features(a, b, 0.95, 0, 0, rules);
      return [vetoOf(x, rules), x[FEATURE_NAMES.indexOf('direction_swaps')] as number];
    };
    // The model's feature keeps the narrower reading it was trained on; the rule sees the swap.
    expect(refused('copy a file from the container to the host', 'copy a file from the host into the container')).toEqual(['direction_swap', 0]);
    expect(refused('copy a file from a container to the host', 'copy a file from the host into a running Docker container')[0]).toBe('direction_swap');
    expect(refused('convert USD to EUR', 'convert EUR to USD')).toEqual(['direction_swap', 1]);
    expect(refused('move files from the host into the container', 'move files from the host to the container')[0]).toBeNull();
  });

  it('refuse the same number given in another unit, by rule, but not the same unit written another way', () => {
    const veto = (a: string, b: string): string | null => {
      const rules = { directionSwaps: 0 };
      return vetoOf(fx.features(a, b, 0.95, 0, 0, rules), rules);
    };
    expect(veto('How much should a 10 lb puppy eat per day?', 'How much should a 10 kg puppy eat per day?')).toBe('unit_change');
    expect(veto('Convert 5 kilograms to pounds', 'How many kilograms is 5 pounds?')).toBe('unit_change');
    expect(veto('boil an egg for six minutes', 'boil an egg for 6 hours')).toBe('unit_change');
    expect(veto('How many MB are in 1 GB?', 'How many MB are in 1TB?')).toBe('unit_change');
    expect(veto('Convert 5 miles to kilometers', 'Convert 5 mi to km')).toBeNull();
    expect(veto('a 10 lbs puppy', 'a 10 pound puppy')).toBeNull();
    expect(veto('Send 20 pounds to Alice', 'Send 20 GBP to Alice')).toBeNull(); // "pounds" may be money
    expect(veto('It travelled 4.6 billion kilometres', 'It travelled 2.8 billion miles')).toBeNull(); // a changed number, left to the model
  });

  it('refuse the same payload under an instruction asking for something else, by rule', () => {
    const veto = (a: string, b: string): string | null => {
      const rules = { directionSwaps: 0 };
      return vetoOf(fx.features(a, b, 0.97, 0, 0, rules), rules);
    };
    const text = 'The city council voted on Tuesday to expand the bike lane network across downtown.';
    const code = 'func add(a, b int) int { return a + b } // adds two numbers and returns the sum';
    expect(veto(`Summarize this paragraph: ${text}`, `Translate this paragraph into French: ${text}`)).toBe('instruction_change');
    expect(veto(`Explain this Go function: ${code}`, `Write unit tests for this Go function: ${code}`)).toBe('instruction_change');
    expect(veto(`Can you proofread this sentence: "${text}"`, `Pls proofread this sentence: "${text}"`)).toBeNull();
    expect(veto(`Summarize this paragraph: ${text}`, `Give me a summary of this paragraph:\n${text}`)).toBeNull();
    // No task verb before the colon: a topic tag or half a sentence, left to the model.
    expect(veto('Humor: What are some of the greatest examples of presence of mind?', 'Psychology: What are some of the greatest examples of presence of mind?')).toBeNull();
    expect(veto(`Explain this paragraph: ${text}`, `Explain this paragraph: ${text} And a second sentence.`)).toBeNull(); // payloads differ
  });

  it('see changed numbers', () => {
    const f = feats('boil an egg for 6 minutes', 'boil an egg for 10 minutes');
    expect(f.numbers_unmatched_min).toBe(1);
    expect(feats('boil an egg for 6 minutes', 'boil an egg for six minutes').numbers_unmatched_max).toBe(0);
    // "a pound" is one pound; two pounds is not.
    expect(feats('How many ounces are in a pound?', 'How many ounces are there in one pound?').numbers_unmatched_max).toBe(0);
    expect(feats('How many ounces are in two pounds?', 'How many ounces are in one pound?').numbers_unmatched_max).toBe(1);
    expect(feats('How many ounces are in pounds?', 'How many ounces are in one pound?').numbers_unmatched_max).toBe(1);
  });

  it('see negation', () => {
    const f = feats('recipes with gluten', 'recipes without gluten');
    expect(f.negation_parity).toBe(1);
    expect(f.antonym_pairs).toBe(1);
    expect(feats('Why can not I sleep?', "Why can't I sleep?").negation_diff).toBe(0);
  });

  it('see antonyms, also through prefixes and the curated list', () => {
    expect(feats('how to make a soft yolk', 'how to make a hard yolk').antonym_pairs).toBe(1);
    expect(feats('how to install docker', 'how to uninstall docker').antonym_pairs).toBe(1);
    expect(feats('sort in ascending order', 'sort in descending order').antonym_pairs).toBe(1);
    expect(feats('is it safe', 'is it unsafe').antonym_pairs).toBe(1);
    const [x, y] = analyze('encrypt decrypt', lex).tokens;
    expect(areAntonyms(x!, y!)).toBe(true);
  });

  it('see another entity', () => {
    const f = feats('What is the capital of Austria?', 'What is the capital of Australia?');
    expect(f.unmatched_proper_min).toBe(1);
    expect(f.unmatched_min).toBe(1);
  });

  it('match synonyms and morphology', () => {
    const f = feats('How can I buy a big car?', 'How can I purchase a large car?');
    expect(f.unmatched_max).toBe(0);
    expect(f.synonym_matches).toBe(2);
    expect(feats('installing python packages', 'installation of a python package').unmatched_max).toBe(0);
  });

  it('weigh unmatched words by IDF', () => {
    const idf = new Idf(countDocumentFrequencies(['the big dog', 'the big cat', 'a big house', 'the old dog'].map((t) => analyze(t, lex)), 1));
    expect(idf.of('old')).toBeCloseTo(Math.log(4), 9);
    expect(idf.of('big')).toBeCloseTo(Math.log(4 / 3), 9);
    expect(idf.of('never-seen')).toBeCloseTo(Math.log(4), 9);
    const f = pairFeatures(analyze('the big dog', lex), analyze('the old dog', lex), 0.9, lex, idf);
    expect(f[FEATURE_NAMES.indexOf('idf_unmatched_min')]).toBeCloseTo(Math.log(4 / 3), 9);
    expect(f[FEATURE_NAMES.indexOf('idf_unmatched_max')]).toBeCloseTo(Math.log(4), 9);
  });
});
