import type { Usage } from './completion.js';

/** $ per million tokens. */
export interface Price {
  input: number;
  output: number;
}

/** List prices (USD per 1M tokens) of common models; config `pricing` overrides and extends them.
 * Keys are exact model names or prefixes ending in '*'; the longest matching prefix wins, so dated
 * snapshots ("gpt-4o-2024-08-06") price like their family. */
export const DEFAULT_PRICES: Readonly<Record<string, Price>> = {
  'gpt-4o*': { input: 2.5, output: 10 },
  'gpt-4o-mini*': { input: 0.15, output: 0.6 },
  'gpt-4.1*': { input: 2, output: 8 },
  'gpt-4.1-mini*': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano*': { input: 0.1, output: 0.4 },
  'gpt-4-turbo*': { input: 10, output: 30 },
  'gpt-3.5-turbo*': { input: 0.5, output: 1.5 },
  'o1*': { input: 15, output: 60 },
  'o1-mini*': { input: 1.1, output: 4.4 },
  'o3*': { input: 2, output: 8 },
  'o3-mini*': { input: 1.1, output: 4.4 },
  'o4-mini*': { input: 1.1, output: 4.4 },
  'claude-3-5-sonnet*': { input: 3, output: 15 },
  'claude-sonnet-4*': { input: 3, output: 15 },
  'claude-3-5-haiku*': { input: 0.8, output: 4 },
  'claude-opus-4*': { input: 15, output: 75 },
  'gemini-1.5-pro*': { input: 1.25, output: 5 },
  'gemini-1.5-flash*': { input: 0.075, output: 0.3 },
  'gemini-2.0-flash*': { input: 0.1, output: 0.4 },
};

export class PriceBook {
  private readonly exact = new Map<string, Price>();
  private readonly prefixes: Array<[string, Price]> = [];

  constructor(overrides: Record<string, Price> = {}) {
    for (const [key, price] of Object.entries({ ...DEFAULT_PRICES, ...overrides })) {
      if (key.endsWith('*')) this.prefixes.push([key.slice(0, -1), price]);
      else this.exact.set(key, price);
    }
    this.prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  price(model: string): Price | undefined {
    return this.exact.get(model) ?? this.prefixes.find(([p]) => model.startsWith(p))?.[1];
  }

  /** Dollars for the usage, or null when the model has no price. */
  cost(model: string, usage: Pick<Usage, 'prompt_tokens' | 'completion_tokens'>): number | null {
    const p = this.price(model);
    if (p === undefined) return null;
    return (usage.prompt_tokens * p.input + usage.completion_tokens * p.output) / 1_000_000;
  }
}
