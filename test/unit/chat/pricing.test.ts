import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, PriceBook } from '../../../src/chat/pricing.js';
import { parseConfig } from '../../../src/config.js';

describe('PriceBook', () => {
  const book = new PriceBook();

  it('every default key is a prefix ending in *', () => {
    for (const key of Object.keys(DEFAULT_PRICES)) expect(key.endsWith('*')).toBe(true);
  });

  it('a prefix key matches the bare family name and dated snapshots', () => {
    expect(book.price('gpt-4o')).toEqual({ input: 2.5, output: 10 });
    expect(book.price('gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10 });
    expect(book.price('claude-sonnet-4-20250514')).toEqual({ input: 3, output: 15 });
  });

  it('the longest matching prefix wins', () => {
    expect(book.price('gpt-4o-mini')).toEqual({ input: 0.15, output: 0.6 });
    expect(book.price('gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6 });
    expect(book.price('gpt-4.1-nano-2025-04-14')).toEqual({ input: 0.1, output: 0.4 });
    expect(book.price('gpt-4.1-2025-04-14')).toEqual({ input: 2, output: 8 });
    expect(book.price('o1-mini-2024-09-12')).toEqual({ input: 1.1, output: 4.4 });
    expect(book.price('o1-preview')).toEqual({ input: 15, output: 60 });
    expect(book.price('o3-mini')).toEqual({ input: 1.1, output: 4.4 });
  });

  it('the result does not depend on the order keys are given in', () => {
    const reversed = new PriceBook(Object.fromEntries(Object.entries(DEFAULT_PRICES).reverse()));
    for (const m of ['gpt-4o-mini-x', 'gpt-4o-x', 'o1-mini', 'o1', 'gpt-4.1-mini-y']) expect(reversed.price(m)).toEqual(book.price(m));
  });

  it('an exact key beats any prefix and matches only that name', () => {
    const b = new PriceBook({ 'gpt-4o-mini-special': { input: 9, output: 99 } });
    expect(b.price('gpt-4o-mini-special')).toEqual({ input: 9, output: 99 });
    expect(b.price('gpt-4o-mini-special-2')).toEqual({ input: 0.15, output: 0.6 });
    expect(b.price('gpt-4o-mini')).toEqual({ input: 0.15, output: 0.6 });
  });

  it('overrides from config replace defaults and add new models', () => {
    const config = parseConfig({
      pricing: { 'gpt-4o*': { input: 1, output: 2 }, 'my-local-model': { input: 0, output: 0 }, 'mistral-*': { input: 0.25, output: 0.75 } },
    });
    const b = new PriceBook(config.pricing);
    expect(b.price('gpt-4o-2024-08-06')).toEqual({ input: 1, output: 2 });
    expect(b.price('gpt-4o-mini')).toEqual({ input: 0.15, output: 0.6 });
    expect(b.price('my-local-model')).toEqual({ input: 0, output: 0 });
    expect(b.price('mistral-large-latest')).toEqual({ input: 0.25, output: 0.75 });
    expect(b.cost('my-local-model', { prompt_tokens: 1000, completion_tokens: 1000 })).toBe(0);
    expect(new PriceBook().price('mistral-large-latest')).toBeUndefined();
  });

  it('overrides do not leak into DEFAULT_PRICES or other books', () => {
    new PriceBook({ 'gpt-4o*': { input: 100, output: 100 } });
    expect(DEFAULT_PRICES['gpt-4o*']).toEqual({ input: 2.5, output: 10 });
    expect(new PriceBook().price('gpt-4o')).toEqual({ input: 2.5, output: 10 });
  });

  it('unknown models have no price and cost null', () => {
    expect(book.price('llama-3-70b')).toBeUndefined();
    expect(book.price('')).toBeUndefined();
    expect(book.price('gpt-4')).toBeUndefined();
    expect(book.cost('llama-3-70b', { prompt_tokens: 10, completion_tokens: 10 })).toBeNull();
  });

  it('cost is dollars per million tokens', () => {
    expect(book.cost('gpt-4o', { prompt_tokens: 1_000_000, completion_tokens: 0 })).toBeCloseTo(2.5, 12);
    expect(book.cost('gpt-4o', { prompt_tokens: 0, completion_tokens: 1_000_000 })).toBeCloseTo(10, 12);
    expect(book.cost('gpt-4o', { prompt_tokens: 1000, completion_tokens: 500 })).toBeCloseTo((1000 * 2.5 + 500 * 10) / 1e6, 12);
    expect(book.cost('gpt-4o-mini-2024-07-18', { prompt_tokens: 2_000_000, completion_tokens: 3_000_000 })).toBeCloseTo(0.3 + 1.8, 12);
    expect(book.cost('gpt-4o', { prompt_tokens: 0, completion_tokens: 0 })).toBe(0);
  });
});
