import { describe, expect, it } from 'vitest';
import { calibrate, calibrationConfig, wilsonUpper } from '../../../src/cli/eval-calibrate.js';
import { fullCurve, type QueryTrace } from '../../../src/cli/eval-sweep.js';

/** A label-1 or label-0 lookup whose best verifier candidate scored `value`. */
function trace(label: 0 | 1, value: number, n: number): QueryTrace {
  const own = `own-${n}`;
  return { label, ownId: own, exactId: null, cosine: null, verifier: { value, id: label === 1 ? own : `other-${n}` } };
}

describe('eval --calibrate (a verifier threshold from an operator’s own pairs)', () => {
  it('bounds the false-hit rate with a one-sided 95 % Wilson bound: 268 clean label-0 rows bound 1 %, 267 do not', () => {
    expect(wilsonUpper(0, 268)).toBeLessThanOrEqual(0.01);
    expect(wilsonUpper(0, 267)).toBeGreaterThan(0.01);
    expect(wilsonUpper(0, 0)).toBe(1);
    // 10 in 1000 observed: the bound sits above the observed 1 %, below 2 %.
    expect(wilsonUpper(10, 1000)).toBeGreaterThan(0.01);
    expect(wilsonUpper(10, 1000)).toBeLessThan(0.02);
  });

  it('picks the lowest threshold whose bound stays under the target, not the one whose observed rate does', () => {
    // 400 label-0 rows: 395 score 0.1, then one each at 0.6, 0.7, 0.8, 0.9, 0.95; label 1 spread from 0.5 to 0.99.
    const traces: QueryTrace[] = [];
    let n = 0;
    for (let i = 0; i < 395; i++) traces.push(trace(0, 0.1, n++));
    for (const s of [0.6, 0.7, 0.8, 0.9, 0.95]) traces.push(trace(0, s, n++));
    for (let i = 0; i < 50; i++) traces.push(trace(1, 0.5 + (0.49 * i) / 49, n++));
    const cal = calibrate(fullCurve(traces, 'verifier'), 0.02, 400, 'verifier@test');
    // Observed 2 % would allow 8 false hits (down to 0.1); the bound allows 3 of 400 (upper 1.9 %), not 4
    // (2.2 %): the threshold comes down to the last label-1 score above the fourth false hit (0.7).
    const t = cal.point?.threshold as number;
    expect(t).toBeGreaterThan(0.7);
    expect(t).toBeLessThan(0.72);
    expect(cal.point?.falseHit).toBe(3);
    expect(cal.point?.correct).toBe(29); // label-1 scores 0.71 .. 0.99
    expect(cal.point?.falseHitUpper95).toBeLessThanOrEqual(0.02);
    expect(wilsonUpper(4, 400)).toBeGreaterThan(0.02);
    expect(calibrationConfig(cal)).toEqual({ cache: { verifier_calibration: { verifier: 'verifier@test', min_score: t } } });
  });

  it('says how many label-0 rows a rate needs when the file cannot bound it', () => {
    const traces = [trace(0, 0.2, 0), trace(1, 0.9, 1)];
    const cal = calibrate(fullCurve(traces, 'verifier'), 0.01, 1, 'verifier@test');
    expect(cal.point).toBeNull();
    expect(cal.label0Needed).toBe(268);
    expect(calibrationConfig(cal)).toBeNull();
  });
});
