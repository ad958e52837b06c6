// Segmentation end to end on synthetic shapes with known masks (issue 16): PNG images, 0/255 masks
// and circular ROI masks in sibling folders → ingest.segmentation (record store) → split by image →
// U-Net → fit on patches inside the ROI → evaluate: metrics.json, per-image.csv, mask PNGs and
// overlays; every metric recomputed by the Python reference from the written mask PNGs; a second run
// is served from cache.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeSyntheticShapes } from '../../src/data/synthetic-shapes.ts';
import type { SegmentationMetricsDocument } from '../../src/train/evaluate-segmentation.ts';
import { assertOk, cachedStages, loadMedpipe, removeDir, runCollect, tempDir, type Medpipe } from '../helpers/core.ts';
import { requires } from '../helpers/requires.ts';
import { assertMatchesReference, runSegmentationReference, segmentationToolkit } from '../helpers/segmentation-reference.ts';

interface Ctx {
  m: Medpipe;
  dir: string;
}

const E2E = suite<Ctx>('segmentation pipeline on synthetic shapes');
E2E.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.dir = await tempDir('seg');
  await writeSyntheticShapes(path.join(ctx.dir, 'data'), 16, 32, { seed: 3, roi: true });
});
E2E.after(async (ctx) => removeDir(ctx.dir));

const pipelineOf = (m: Medpipe) =>
  m
    .pipeline('shapes', { seed: 7 })
    .stage(m.ingest.segmentation({ sources: [{ images: 'data/images', masks: 'data/masks', roi: 'data/roi' }], channels: 1, classes: ['background', 'shape'] }))
    .stage(m.split.segmentation({ fractions: { train: 0.5, val: 0.25, test: 0.25 } }))
    .stage(m.build.unet({ depth: 2, baseFilters: 8, patch: 16 }))
    .stage(m.fit.segmentation({ epochs: 5, steps: 10, batchSize: 8, learningRate: 3e-3 }))
    .stage(m.evaluate.segmentation({ tolerance: 1 }));

requires(E2E, segmentationToolkit())(
  'ingest → split → U-Net → fit → evaluate writes metrics the reference recomputes from the mask PNGs',
  async ({ m, dir }) => {
    const options = { cacheDir: path.join(dir, 'cache'), outDir: path.join(dir, 'out'), baseDir: dir };
    const first = await runCollect(pipelineOf(m), options);
    assertOk(first);
    const out = path.join(dir, 'out');
    const doc = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')) as SegmentationMetricsDocument;
    assert.is(doc.images, 4);
    assert.is(doc.perImage.length, 4);
    assert.ok(doc.roi);
    assert.match(doc.thresholdRule, /validation/);
    const dice = doc.summary.shape.perImage.dice.mean!;
    assert.ok(dice > 0.8, `test Dice ${dice}`);
    assert.ok(readFileSync(path.join(out, 'per-image.csv'), 'utf8').startsWith('image,shape_dice,shape_iou'));
    // Each test image's written prediction, scored by the reference against the truth on disk.
    const cases = doc.perImage.map((im) => {
      const name = path.basename(im.id);
      assert.ok(existsSync(path.join(out, 'overlays', name)), `overlay of ${name}`);
      return {
        truth_file: path.join(dir, 'data', 'masks', name),
        pred_file: path.join(out, 'predictions', name),
        roi_file: path.join(dir, 'data', 'roi', name),
        classes: 2,
        spacing: [1, 1],
        tolerance: 1,
      };
    });
    const report = readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.is((report.match(/<img alt=/g) ?? []).length, 2, 'best and worst overlays inline');
    assert.is((report.match(/<tr>\s*<td>data\/images\//g) ?? []).length, 4, 'a row per test image');
    assert.not.match(report, /<script|https?:\/\//);
    const reference = runSegmentationReference(cases);
    doc.perImage.forEach((im, i) => assertMatchesReference(im.classes.shape as never, reference[i].classes['1'], im.id));

    const second = await runCollect(pipelineOf(m), options);
    assert.equal(cachedStages(second.events), ['ingest', 'split', 'build', 'fit', 'evaluate']);
  },
);

E2E.run();
