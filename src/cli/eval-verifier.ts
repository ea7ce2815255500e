import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Verifier } from '../core/ports.js';

export interface OptionalVerifier {
  verifier: Verifier | undefined;
  /** Why there is none (missing weights, module not built...), else null. */
  note: string | null;
}

function isVerifier(v: unknown): v is Verifier {
  const o = v as Partial<Verifier> | null | undefined;
  return typeof o === 'object' && o !== null && typeof o.score === 'function' && typeof o.thresholdFor === 'function';
}

/** Loads the hit verifier from `path` through src/verifier (`loadVerifier`) when both exist; the
 * eval then runs in cosine mode without one. Resolved at run time, so this file compiles (and the
 * eval runs) before the verifier module is written. */
export async function loadOptionalVerifier(path: string): Promise<OptionalVerifier> {
  const weights = resolve(path);
  if (!existsSync(weights)) return { verifier: undefined, note: `no verifier weights at ${weights}` };
  let mod: { loadVerifier?: (path: string) => unknown };
  try {
    mod = (await import(new URL('../verifier/index.js', import.meta.url).href)) as typeof mod;
  } catch (err) {
    return { verifier: undefined, note: `the verifier module could not be loaded: ${(err as Error).message.split('\n')[0]}` };
  }
  if (typeof mod.loadVerifier !== 'function') return { verifier: undefined, note: 'src/verifier/index has no loadVerifier()' };
  try {
    const v = await mod.loadVerifier(weights);
    if (isVerifier(v)) return { verifier: v, note: null };
    return { verifier: undefined, note: `loadVerifier(${weights}) returned no verifier` };
  } catch (err) {
    return { verifier: undefined, note: `loading the verifier from ${weights} failed: ${(err as Error).message.split('\n')[0]}` };
  }
}
