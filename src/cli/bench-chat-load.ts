// Chat-completion hits under concurrency: the same closed loop as the REST throughput section
// (bench-throughput.ts), on POST /v1/chat/completions of the chat section's app, for exact hits
// (stored conversations sent again) and semantic hits (paraphrases that semantic-hit in a check
// pass; one that does not would be stored by its miss and turn into an exact hit later).
import { Pool } from 'undici';
import { CONCURRENCY, closedLoop, post, type LoadTarget, type ThroughputRun } from './bench-throughput.js';

/** Paraphrase bodies checked before the runs. */
const SEMANTIC_CHECK = 64;
const PATH = '/v1/chat/completions';

export interface ChatLoad {
  runs: ThroughputRun[];
  semanticProbes: { used: number; checked: number };
  /** Check requests that missed (and so reached the upstream). */
  checkMisses: number;
}

function cacheStatus(expected: string): LoadTarget['check'] {
  return (code, _body, headers) => {
    if (code !== 200) return { label: `http_${code}`, ok: false };
    const h = headers['x-cache-status'];
    const label = (Array.isArray(h) ? h.join(',') : h) ?? 'none';
    return { label, ok: label === expected };
  };
}

export async function chatThroughput(origin: string, exactBodies: readonly string[], paraphraseBodies: readonly string[], log: (msg: string) => void): Promise<ChatLoad> {
  const check = new Pool(origin, { connections: 1, pipelining: 1 });
  const hitting: string[] = [];
  let checkMisses = 0;
  const checked = paraphraseBodies.slice(0, SEMANTIC_CHECK);
  try {
    for (const body of checked) {
      const { code, headers } = await post(check, PATH, body);
      const status = headers['x-cache-status'];
      if (code === 200 && status === 'SEMANTIC-HIT') hitting.push(body);
      if (status === 'MISS') checkMisses += 1;
    }
  } finally {
    await check.close();
  }
  if (hitting.length === 0) throw new Error(`chat throughput: none of ${checked.length} paraphrases semantic-hit`);
  const targets: LoadTarget[] = [
    { name: 'chatExact', origin, path: PATH, bodies: [...exactBodies], check: cacheStatus('HIT') },
    { name: 'chatSemantic', origin, path: PATH, bodies: hitting, check: cacheStatus('SEMANTIC-HIT') },
  ];
  const runs: ThroughputRun[] = [];
  for (const target of targets) {
    for (const c of CONCURRENCY) {
      log(`  chat throughput: ${target.name} at concurrency ${c}`);
      runs.push(await closedLoop(target, c));
    }
  }
  return { runs, semanticProbes: { used: hitting.length, checked: checked.length }, checkMisses };
}
