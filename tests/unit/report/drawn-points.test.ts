import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DRAW_STEP, drawnPoints } from '../../../src/report/drawn-points.ts';
import { prCurveSpec, rocCurveSpec } from '../../../src/report/index.ts';
import { averagePrecision, precisionRecallCurve, rocAuc, rocCurve } from '../../../src/metrics/index.ts';
import { createRng } from '../../../src/base/rng.ts';

const test = suite('drawn points of a curve');

/** Scores of `n` samples, positives shifted up: a realistic curve with one point per distinct score. */
function scored(n: number): { y: number[]; s: number[] } {
  const rng = createRng(7);
  const y = Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
  return { y, s: y.map((v) => rng.next() + v * 0.6) };
}

test('keeps the ends, drops points within a step of the last kept one, and leaves out non-finite points', () => {
  assert.equal(drawnPoints([0, 0.0001, 0.5, 1], [0, 0.3, 0.3, 1]), [0, 1, 2, 3]);
  assert.equal(drawnPoints([0, 0.00001, 0.00002, 1], [0, 0.00001, 0.00002, 1]), [0, 3]);
  assert.equal(drawnPoints([0, 0.5, 0.50001], [0, 0.5, 0.50001]), [0, 1, 2], 'the last point is kept even when near the one before');
  assert.equal(drawnPoints([0, NaN, 1], [0, 1, 1]), [0, 2]);
});

test('every point left out lies within a step of a drawn one (both axes); a 10^5-point ROC curve draws at most 2/step points', () => {
  const { y, s } = scored(100_000);
  const roc = rocCurve(y, s);
  assert.ok(roc.fpr.length > 50_000, `${roc.fpr.length} points before`);
  const kept = drawnPoints(roc.fpr, roc.tpr);
  assert.ok(kept.length <= 2 / DRAW_STEP + 2, `${kept.length} points drawn`);
  const drawn = new Set(kept);
  let last = 0;
  for (let i = 0; i < roc.fpr.length; i++) {
    if (drawn.has(i)) {
      last = i;
      continue;
    }
    assert.ok(Math.abs(roc.fpr[i]! - roc.fpr[last]!) < DRAW_STEP && Math.abs(roc.tpr[i]! - roc.tpr[last]!) < DRAW_STEP, `point ${i}`);
  }
});

test("the ROC and PR specs draw the thinned points in the curve's order, whatever the sample count", () => {
  const sizes = [20_000, 100_000].map((n) => {
    const { y, s } = scored(n);
    const roc = rocCurveSpec([{ name: 'test', ...rocCurve(y, s), auc: rocAuc(y, s) }]) as { layer: { data: { values: { order: number }[] } }[] };
    const pr = prCurveSpec([{ name: 'test', ...precisionRecallCurve(y, s), averagePrecision: averagePrecision(y, s) }]) as {
      layer: { data: { values: { order: number }[] } }[];
    };
    const rocValues = roc.layer[1]!.data.values;
    const orders = rocValues.map((v) => v.order);
    assert.equal(
      orders,
      [...orders].sort((a, b) => a - b),
    );
    return { roc: rocValues.length, pr: pr.layer[0]!.data.values.length };
  });
  for (const size of sizes) assert.ok(size.roc <= 2 / DRAW_STEP + 2 && size.pr <= 3 / DRAW_STEP, JSON.stringify(size));
});

test.run();
