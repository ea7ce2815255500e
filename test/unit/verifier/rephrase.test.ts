import { describe, expect, it } from 'vitest';
import { chatSurface, compoundFlip, retemplate } from '../../../src/verifier/train/rephrase.js';
import { seededRandom } from '../../../src/util/random.js';

describe('rephrase', () => {
  it('keeps the request while changing its framing', () => {
    const r = seededRandom(1);
    for (let i = 0; i < 50; i++) {
      const t = retemplate('How do I sort a list?', r) as string;
      expect(t).not.toBe('How do I sort a list?');
      expect(t.toLowerCase()).toContain('sort a list');
    }
    expect(retemplate('Sorting lists is hard', r)).toBeNull();
  });

  it('uses the wider chat groups only when asked, and drops "?" after a command', () => {
    const r = seededRandom(2);
    expect(retemplate('Tell me about black holes?', r)).toBeNull();
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(retemplate('Tell me about black holes?', r, true) as string);
    expect(seen).toContain('Describe black holes');
    expect(seen).toContain('What can you tell me about black holes?');
  });

  it('makes surface changes that leave the words in place', () => {
    const r = seededRandom(3);
    for (let i = 0; i < 50; i++) {
      const t = chatSurface('Explain recursion in Python?', r);
      expect(t.toLowerCase()).toContain('xplain recursion in python');
    }
    expect(compoundFlip('Sort a list in Python')).toBe('Sort a Python list');
  });
});
