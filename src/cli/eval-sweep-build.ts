// The sweep part of the report: the verifier and cosine curves over the decision threshold from
// the Run's traces, the shipped verifier's dev thresholds, the optional calibration, and the SVG plot.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Verifier } from '../core/ports.js';
import { calibrate } from './eval-calibrate.js';
import { plotSvg, type PlotCurve, type PlotMarker } from './eval-plot.js';
import type { Run } from './eval-rows.js';
import { bestUnder, cosineGrid, curveAt, fullCurve, verifierGrid, type CurvePoint, type QueryTrace } from './eval-sweep.js';
import type { CurveReport, DecisionInfo, EvalOptions, EvalReport, SweepReport } from './eval-types.js';

/** False-hit rates (fractions) under which each curve reports its best recall. */
const SWEEP_BOUNDS = [0.005, 0.01, 0.02, 0.05];
/** False-hit rates (fractions) whose shipped verifier thresholds join the verifier table's grid. */
const DEV_RATES = [0.001, 0.005, 0.01, 0.02, 0.05, 0.1];

/** A score threshold as the plot marker and the eval's log line print it: at most 4 decimals. */
export const fmt = (x: number): string => (Number.isFinite(x) ? String(Number(x.toFixed(4))) : 'n/a');

function curveReport(traces: readonly QueryTrace[], name: 'verifier' | 'cosine', grid: number[]): { report: CurveReport; full: CurvePoint[] } {
  const full = fullCurve(traces, name);
  return {
    full,
    report: {
      table: curveAt(traces, name, grid),
      bestUnder: SWEEP_BOUNDS.map((b) => ({ maxFalseHitRate: b, point: bestUnder(full, b) })),
      points: full.length - 1,
    },
  };
}

function devThresholds(verifier: Verifier, rates: readonly number[]): Array<{ maxFalseHitRate: number; threshold: number }> {
  const out: Array<{ maxFalseHitRate: number; threshold: number }> = [];
  for (const r of [...new Set(rates)].sort((a, b) => a - b)) {
    try {
      const t = verifier.thresholdFor(r);
      if (Number.isFinite(t)) out.push({ maxFalseHitRate: r, threshold: t });
    } catch {
      // a rate the shipped calibration does not cover
    }
  }
  return out;
}

export function buildSweep(run: Run, decision: DecisionInfo, opts: EvalOptions, report: Omit<EvalReport, 'sweep' | 'seconds'>): SweepReport {
  const verifier = run.cache.verifier;
  const hasVerifier = run.explainOptions.minScore !== undefined && verifier !== undefined;
  const cosine = curveReport(run.traces, 'cosine', cosineGrid(decision.kind === 'cosine' ? decision.threshold : opts.config.cache.threshold));
  const dev = hasVerifier ? devThresholds(verifier, [...DEV_RATES, decision.maxFalseHitRate ?? opts.config.cache.max_false_hit_rate]) : [];
  const ver = hasVerifier ? curveReport(run.traces, 'verifier', verifierGrid(dev.map((d) => d.threshold))) : null;
  const plot = resolve(opts.plot ?? join(opts.plotDir ?? process.cwd(), `eval-${report.name}-${report.mode}.svg`));
  const curves: PlotCurve[] = [];
  if (ver !== null) curves.push({ label: `verifier (score threshold, floor ${run.floor})`, color: '#1f6fd1', points: ver.full.map((p) => ({ x: p.falseHitRate, y: p.recall })) });
  curves.push({ label: 'cosine only (similarity threshold)', color: '#e07b00', dashed: true, points: cosine.full.map((p) => ({ x: p.falseHitRate, y: p.recall })) });
  const setting = decision.kind === 'verifier' ? `verifier score >= ${fmt(decision.minScore ?? Number.NaN)}` : `cosine >= ${decision.threshold}`;
  const markers: PlotMarker[] = [{ label: `configured decision (${setting})`, color: '#d62728', x: report.metrics.falseHitRate, y: report.metrics.recall }];
  const svg = plotSvg({
    title: `dejavu eval: ${report.name}, ${report.mode}, ${report.rows} pairs (${report.label1} label 1, ${report.label0} label 0)`,
    subtitle: `hit rate (recall) against false-hit rate over the decision threshold; ${report.model}${ver === null ? '; no verifier loaded' : ''}`,
    curves,
    markers,
  });
  writeFileSync(plot, svg);
  return {
    plot,
    verifier: ver === null ? null : { ...ver.report, devThresholds: dev },
    cosine: cosine.report,
    calibration: ver === null || opts.calibrate === undefined ? null : calibrate(ver.full, opts.calibrate, report.label0, (verifier as Verifier).id),
    mismatches: run.mismatches,
  };
}
