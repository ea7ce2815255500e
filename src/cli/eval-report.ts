import type { Summary } from './bench-stats.js';
import type { CurveReport, EvalReport } from './eval-run.js';
import type { CurvePoint } from './eval-sweep.js';
import { calibrationConfig, type Calibration } from './eval-calibrate.js';

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const frac = (x: number, a: number, b: number): string => `${pct(x)} (${a}/${b})`;
const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const th = (x: number): string => (Number.isFinite(x) ? String(Number(x.toFixed(4))) : 'exact only');

function decisionLine(r: EvalReport): string {
  const d = r.decision;
  const how =
    d.kind === 'verifier'
      ? `verifier \`${d.verifier}\`: score >= ${th(d.minScore ?? Number.NaN)} (${d.calibrated === true ? 'cache.verifier_calibration' : `max_false_hit_rate ${d.maxFalseHitRate}`}), candidates from cosine >= ${d.threshold}`
      : `cosine similarity >= ${d.threshold}`;
  const why = d.note === null ? '' : `: ${d.note}`;
  const asked = d.requested !== d.kind ? ` (asked for ${d.requested}${why})` : d.note === null ? '' : ` (verifier${why})`;
  return `- Decision: ${how}${asked}`;
}

function latencyRow(name: string, s: Summary): string {
  return `| ${name} | ${s.n} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.mean)} | ${ms(s.max)} |`;
}

function curveTable(title: string, unit: string, c: CurveReport, notes: Map<number, string>): string[] {
  const row = (p: CurvePoint): string =>
    `| ${th(p.threshold)}${notes.has(p.threshold) ? ` (${notes.get(p.threshold)})` : ''} | ${pct(p.recall)} | ${pct(p.falseHitRate)} | ${pct(p.precision)} | ${p.correct} | ${p.wrongEntry} | ${p.falseHit} |`;
  const best = c.bestUnder.map((b) =>
    b.point === null
      ? `false-hit rate <= ${pct(b.maxFalseHitRate)}: none`
      : `false-hit rate <= ${pct(b.maxFalseHitRate)}: recall ${pct(b.point.recall)} at ${th(b.point.threshold)} (false-hit rate ${pct(b.point.falseHitRate)})`,
  );
  return [
    `### ${title}`,
    '',
    `| ${unit} >= | recall | false-hit rate | precision | correct | wrong entry | false |`,
    '|---|---:|---:|---:|---:|---:|---:|',
    ...c.table.map(row),
    '',
    `Best recall (threshold picked on this file, so an upper bound): ${best.join('; ')}.`,
    '',
  ];
}

function calibrationLines(c: Calibration, label1: number): string[] {
  const head = ['## Calibration', ''];
  const p = c.point;
  if (p === null) {
    return [
      ...head,
      `No verifier threshold keeps the false-hit rate <= ${pct(c.maxFalseHitRate)} at 95 % confidence on this file's ${c.label0} label-0 rows. ` +
        `Bounding a rate of ${pct(c.maxFalseHitRate)} takes at least ${c.label0Needed} label-0 rows even with no false hit.`,
      '',
    ];
  }
  return [
    ...head,
    `Score >= ${th(p.threshold)}: recall ${frac(p.recall, p.correct, label1)}, false-hit rate ${frac(p.falseHitRate, p.falseHit, c.label0)} ` +
      `(95 % upper bound ${pct(p.falseHitUpper95)} <= ${pct(c.maxFalseHitRate)}). To serve at this threshold, add to the config file:`,
    '',
    '```json',
    JSON.stringify(calibrationConfig(c)),
    '```',
    '',
    'The recall is measured on the pairs the threshold was picked on, so it flatters; check it on other labelled pairs ' +
      '(`DEJAVU_CONFIG=that-config.json npm run eval -- --pairs other.tsv`).',
    '',
  ];
}

/** The report as Markdown. */
export function markdown(r: EvalReport): string {
  const o = r.outcomes;
  const m = r.metrics;
  const limited = r.rows < r.fileRows ? ` (first ${r.rows} of ${r.fileRows})` : '';
  const lines = [
    `# dejavu eval: ${r.name} (${r.mode})`,
    '',
    `- File: ${r.file}; ${r.rows} pairs${limited}: ${r.label1} label 1, ${r.label0} label 0`,
    `- Mode: ${r.mode === 'pairwise' ? 'pairwise (each pair alone in its own namespace)' : `replay (${r.entries} distinct text_a stored in one namespace, every text_b looked up among them)`}`,
    decisionLine(r),
    `- Model: ${r.model}; ${r.candidates} candidates per lookup; ${r.seconds.toFixed(1)} s in all`,
    '',
    '## Outcomes',
    '',
    '| outcome | rows |',
    '|---|---:|',
    `| correct hit (label 1, its own text_a) | ${o.correct} |`,
    `| wrong-entry hit (label 1, another row's entry${r.mode === 'replay' ? '; may be an unlabelled duplicate' : ''}) | ${o.wrongEntry} |`,
    `| false hit (label 0, any hit) | ${o.falseHit} |`,
    ...(r.mode === 'replay' ? [`| ... of which another row's entry | ${o.falseHitOtherEntry} |`] : []),
    `| miss | ${o.miss} |`,
    `| total | ${o.correct + o.wrongEntry + o.falseHit + o.miss} |`,
    '',
    `Exact-tier hits (same normalised text): ${o.exactHits}.${o.skipped > 0 ? ` Semantic tier skipped (prompt longer than the model window): ${o.skipped}.` : ''}`,
    '',
    '| recall | false-hit rate | precision |',
    '|---:|---:|---:|',
    `| ${frac(m.recall, o.correct, r.label1)} | ${frac(m.falseHitRate, o.falseHit, r.label0)} | ${frac(m.precision, o.correct, m.hits)} |`,
    '',
    '## Lookup latency (ms)',
    '',
    '| lookups | n | p50 | p99 | mean | max |',
    '|---|---:|---:|---:|---:|---:|',
    latencyRow('all', r.latencyMs.lookup),
    latencyRow('exact hit', r.latencyMs.byStatus.hit),
    latencyRow('semantic hit', r.latencyMs.byStatus['semantic-hit']),
    latencyRow('miss', r.latencyMs.byStatus.miss),
    latencyRow('(store)', r.latencyMs.store),
    '',
  ];
  if (r.families !== null) {
    lines.push('## Per family', '', '| family | rows | label 1 | label 0 | correct | wrong entry | false hit | miss |', '|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const [name, f] of Object.entries(r.families)) {
      lines.push(`| ${name === '' ? '(none)' : name} | ${f.rows} | ${f.label1} | ${f.label0} | ${f.correct} | ${f.wrongEntry} | ${f.falseHit} | ${f.miss} |`);
    }
    lines.push('');
  }
  const s = r.sweep;
  if (s !== null) {
    lines.push('## Sweep over the decision threshold', '');
    lines.push('Computed from each lookup\'s candidates (no re-runs); exact-text hits count at every threshold.', '');
    if (s.verifier !== null) {
      const notes = new Map<number, string>();
      for (const d of s.verifier.devThresholds) notes.set(d.threshold, `${notes.has(d.threshold) ? `${notes.get(d.threshold)}, ` : 'dev '}${pct(d.maxFalseHitRate)}`);
      lines.push(...curveTable('Verifier (score threshold; "dev X%" = shipped threshold for max_false_hit_rate X)', 'score', s.verifier, notes));
    } else {
      lines.push(`No verifier curve: ${r.decision.note ?? 'no verifier loaded'}.`, '');
    }
    lines.push(...curveTable('Cosine only (similarity threshold)', 'similarity', s.cosine, new Map()));
    if (s.mismatches > 0) lines.push(`Warning: at the configured setting the sweep disagrees with ${s.mismatches} lookup(s).`, '');
    lines.push(`Plot: ${s.plot}`, '');
    if (s.calibration !== null) lines.push(...calibrationLines(s.calibration, r.label1));
  }
  return `${lines.join('\n')}\n`;
}
