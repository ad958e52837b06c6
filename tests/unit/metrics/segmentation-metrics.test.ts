/** Segmentation metrics without a reference toolkit: the distance transform against brute force, hand-worked cases, aggregation. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { distanceToFeatures } from '../../../src/metrics/distance-transform.ts';
import { aggregate, scoreImage, summarizeScores } from '../../../src/metrics/segmentation-metrics.ts';
import { maskEdges, percentile, surfaceDistances } from '../../../src/metrics/surface-distance.ts';
import { prng } from '../../helpers/prng.ts';

const S = suite('segmentation metrics');

S('the distance transform equals brute force, with anisotropic spacing and no features', () => {
  const rnd = prng(3);
  for (const [h, w, sy, sx, p] of [
    [13, 17, 1, 1, 0.05],
    [9, 21, 0.5, 1.7, 0.1],
    [30, 5, 2, 0.3, 0.02],
  ]) {
    const features = Uint8Array.from({ length: h * w }, () => (rnd() < p ? 1 : 0));
    features[0] = 1;
    const fast = distanceToFeatures(features, h, w, [sy, sx]);
    for (let i = 0; i < h * w; i++) {
      let best = Infinity;
      for (let j = 0; j < h * w; j++) {
        if (!features[j]) continue;
        best = Math.min(best, Math.hypot((Math.floor(i / w) - Math.floor(j / w)) * sy, ((i % w) - (j % w)) * sx));
      }
      assert.ok(Math.abs(fast[i] - best) < 1e-9, `pixel ${i}: ${fast[i]} vs ${best}`);
    }
  }
  assert.ok(distanceToFeatures(new Uint8Array(12), 3, 4, [1, 1]).every((d) => d === Infinity));
});

S('hand-worked: a 4x4 square against the same square moved 2 pixels right', () => {
  const h = 10;
  const w = 10;
  const square = (x0: number) =>
    Uint8Array.from({ length: h * w }, (_, i) => (Math.floor(i / w) >= 3 && Math.floor(i / w) < 7 && i % w >= x0 && i % w < x0 + 4 ? 1 : 0));
  assert.is(
    maskEdges(square(2), h, w).reduce((a, b) => a + b, 0),
    12,
  ); // 16 pixels, 4 interior
  const d = surfaceDistances(square(2), square(4), h, w, { tolerance: 1 });
  // Edge pixels of each square: the far column is 2 px away from the other's nearest edge; overlap columns 0.
  assert.is(d.hd95, 2);
  assert.is(d.emptyCase, 'none');
  const dice = scoreImage('x', { height: h, width: w, data: square(2) }, { height: h, width: w, data: square(4) }, undefined, { classNames: ['bg', 'fg'] });
  assert.is(dice.classes.fg.dice, 0.5); // 8 of 16 pixels overlap
  assert.is(dice.classes.fg.iou, 8 / 24);
});

S('empty masks: Dice undefined when both are empty, 0 when one is; distances null with the case named', () => {
  const z = { height: 4, width: 4, data: new Uint8Array(16) };
  const one = { height: 4, width: 4, data: Uint8Array.from({ length: 16 }, (_, i) => (i === 5 ? 1 : 0)) };
  const both = scoreImage('e', z, z, undefined, { classNames: ['bg', 'fg'] }).classes.fg;
  assert.is(both.dice, null);
  assert.is(both.emptyCase, 'both empty');
  const missed = scoreImage('m', one, z, undefined, { classNames: ['bg', 'fg'] }).classes.fg;
  assert.is(missed.dice, 0);
  assert.is(missed.hd95, null);
  assert.is(missed.emptyCase, 'prediction empty');
});

S('the ROI removes pixels outside it from every count', () => {
  const truth = { height: 1, width: 4, data: [1, 1, 0, 0] };
  const pred = { height: 1, width: 4, data: [1, 0, 1, 1] };
  const roi = { height: 1, width: 4, data: [1, 1, 1, 0] };
  const s = scoreImage('r', truth, pred, roi, { classNames: ['bg', 'fg'] }).classes.fg;
  assert.equal([s.tp, s.fp, s.fn, s.tn], [1, 1, 1, 0]);
});

S('percentile interpolates like numpy; aggregate leaves nulls out and gives a normal 95% CI', () => {
  assert.is(percentile(Float64Array.from([1, 2, 3, 4]), 95), 3.85);
  const a = aggregate([0.8, null, 0.6]);
  assert.is(a.n, 2);
  assert.ok(Math.abs(a.mean! - 0.7) < 1e-12);
  assert.ok(Math.abs(a.ci95![1] - (0.7 + (1.959963984540054 * Math.SQRT2 * 0.1) / Math.SQRT2)) < 1e-9);
  assert.equal(aggregate([null]), { mean: null, std: null, n: 0, ci95: null });
  const im = (tp: number) => ({
    id: 'x',
    classes: {
      fg: {
        tp,
        fp: 1,
        fn: 1,
        tn: 5,
        dice: null,
        iou: null,
        sensitivity: null,
        specificity: null,
        precision: null,
        hd95: null,
        assd: null,
        nsd: null,
        emptyCase: 'none' as const,
      },
    },
  });
  const pooled = summarizeScores([im(2), im(4)], ['bg', 'fg']).fg.pooled;
  assert.is(pooled.dice, 12 / 16);
});

S.run();
