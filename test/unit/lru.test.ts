import { describe, expect, it } from 'vitest';
import { Lru } from '../../src/util/lru.js';

describe('Lru', () => {
  it('evicts the least recently used entry and returns it; get refreshes, peek does not', () => {
    const lru = new Lru<string, number>(2);
    expect(lru.set('a', 1)).toBeUndefined();
    expect(lru.set('b', 2)).toBeUndefined();
    expect(lru.get('a')).toBe(1); // a is now the most recent
    expect(lru.set('c', 3)).toBe(2); // b goes
    expect(lru.peek('a')).toBe(1);
    expect(lru.set('d', 4)).toBe(1); // peek left a the oldest
    expect(lru.size).toBe(2);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.set('c', 30)).toBeUndefined(); // replacing keeps the size
    expect(lru.delete('c')).toBe(true);
    lru.clear();
    expect(lru.size).toBe(0);
  });
});
