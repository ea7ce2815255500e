import { describe, expect, it } from 'vitest';
import { NoProviderError } from '../../../src/errors.js';
import { modelAllowed, requestPath, selectProviders, upstreamHeaders, type ProviderRuntime } from '../../../src/upstream/provider.js';

describe('modelAllowed', () => {
  it('absent list allows everything; exact names and prefix* patterns', () => {
    expect(modelAllowed(undefined, 'anything')).toBe(true);
    expect(modelAllowed(['gpt-4o'], 'gpt-4o')).toBe(true);
    expect(modelAllowed(['gpt-4o'], 'gpt-4o-mini')).toBe(false);
    expect(modelAllowed(['gpt-4o*'], 'gpt-4o-mini')).toBe(true);
    expect(modelAllowed(['gpt-4o*'], 'gpt-4')).toBe(false);
    expect(modelAllowed(['*'], 'x')).toBe(true);
    expect(modelAllowed([], 'x')).toBe(false);
  });
});

describe('selectProviders', () => {
  const p = (name: string, models?: string[]) => ({ name, models }) as unknown as ProviderRuntime;
  const all = [p('a', ['llama*']), p('b'), p('c', ['gpt-4o'])];

  it('keeps configured order, filtered by model', () => {
    expect(selectProviders(all, 'gpt-4o').map((x) => x.name)).toEqual(['b', 'c']);
    expect(selectProviders(all, 'llama-3').map((x) => x.name)).toEqual(['a', 'b']);
  });

  it('no model = only the first provider', () => {
    expect(selectProviders(all, undefined).map((x) => x.name)).toEqual(['a']);
  });

  it('throws NoProviderError when nothing matches or nothing is configured', () => {
    expect(() => selectProviders([p('a', ['llama*'])], 'gpt-4o')).toThrow(NoProviderError);
    expect(() => selectProviders([], undefined)).toThrow(NoProviderError);
  });
});

describe('upstreamHeaders / requestPath', () => {
  it('replaces authorization (any case) when the provider has a key', () => {
    expect(upstreamHeaders({ Authorization: 'Bearer client', 'x-a': '1' }, 'sk-p')).toEqual({ authorization: 'Bearer sk-p', 'x-a': '1' });
  });

  it('forwards the client authorization otherwise, and drops accept-encoding', () => {
    expect(upstreamHeaders({ authorization: 'Bearer client', 'accept-encoding': 'gzip' }, undefined)).toEqual({ authorization: 'Bearer client' });
  });

  it('joins base path and call path', () => {
    expect(requestPath('/v1', '/chat/completions?x=1')).toBe('/v1/chat/completions?x=1');
    expect(requestPath('', 'models')).toBe('/models');
  });
});
