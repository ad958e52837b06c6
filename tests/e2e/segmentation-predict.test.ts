// Segmentation at the files' own size (issue 16): images of 48x48 ingested at 32x32 are scored at
// 48x48 — the probabilities resized bilinearly, then thresholded, against the masks on disk (the
// Python reference recomputes every metric from the written 48x48 PNGs without resizing anything);
// `medpipe predict` on the exported model writes the same masks evaluate wrote, and probability maps.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeSyntheticShapes } from '../../src/data/synthetic-shapes.ts';
import type { SegmentationMetricsDocument } from '../../src/train/evaluate-segmentation.ts';
import { assertOk, loadMedpipe, medpipeCli, removeDir, runCollect, tempDir, type Medpipe } from '../helpers/core.ts';
import { requires } from '../helpers/requires.ts';
import { assertMatchesReference, runSegmentationReference, segmentationToolkit } from '../helpers/segmentation-reference.ts';

interface Ctx {
  m: Medpipe;
  dir: string;
}

const S = suite<Ctx>('segmentation at the original size, and medpipe predict');
S.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.dir = await tempDir('seg-predict');
  await writeSyntheticShapes(path.join(ctx.dir, 'data'), 12, 48, { seed: 5, roi: true });
});
S.after(async (ctx) => removeDir(ctx.dir));

const raw = async (file: string) => {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
};

requires(S, segmentationToolkit())('resized on ingest, scored and predicted at 48x48; predict repeats evaluate', async ({ m, dir }) => {
  const p = m
    .pipeline('shapes-resized', { seed: 7 })
    .stage(
      m.ingest.segmentation({ sources: [{ images: 'data/images', masks: 'data/masks', roi: 'data/roi' }], channels: 1, size: [32, 32], spacing: [0.5, 0.5] }),
    )
    .stage(m.split.segmentation({ fractions: { train: 0.5, val: 0.25, test: 0.25 }, enhance: { clahe: { tiles: [2, 2] }, gamma: 1.2 } }))
    .stage(m.build.unet({ depth: 2, baseFilters: 8, patch: 16 }))
    .stage(m.fit.segmentation({ epochs: 4, steps: 10, batchSize: 8, learningRate: 3e-3 }))
    .stage(m.evaluate.segmentation({ tolerance: 1 }));
  const out = path.join(dir, 'out');
  assertOk(await runCollect(p, { cacheDir: path.join(dir, 'cache'), outDir: out, baseDir: dir }));
  const doc = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')) as SegmentationMetricsDocument;
  assert.is(doc.resolution, 'original');
  assert.is(doc.images, 3);
  // 0.5 per stored pixel at 32 → 0.5·32/48 per original pixel.
  assert.equal(doc.spacing, [1 / 3, 1 / 3]);
  const report = readFileSync(path.join(out, 'report.html'), 'utf8');
  assert.ok(report.includes('Scored at each file&#39;s own size (48×48 px); one pixel spans 0.3333 × 0.3333'), 'report.html states the scored size and spacing');
  const cases = [];
  for (const im of doc.perImage) {
    assert.equal(im.size, [48, 48]);
    const name = path.basename(im.id);
    const written = await raw(path.join(out, 'predictions', name));
    assert.equal([written.width, written.height], [48, 48], `${name} predicted at its own size`);
    cases.push({
      truth_file: path.join(dir, 'data', 'masks', name),
      pred_file: path.join(out, 'predictions', name),
      roi_file: path.join(dir, 'data', 'roi', name),
      classes: 2,
      spacing: [1 / 3, 1 / 3],
      tolerance: 1,
    });
  }
  const reference = runSegmentationReference(cases);
  doc.perImage.forEach((im, i) => assertMatchesReference(im.classes.foreground as never, reference[i]!.classes['1']!, im.id));
  assert.ok(doc.summary.foreground.perImage.dice.mean! > 0.7, `Dice at 48x48: ${doc.summary.foreground.perImage.dice.mean}`);

  // predict: the exported model on every image (ROI masks from the same folder, by name), masks at 48x48.
  const predictions = path.join(dir, 'predicted');
  const cli = await medpipeCli([
    'predict',
    path.join(out, 'model'),
    path.join(dir, 'data', 'images'),
    '--out',
    predictions,
    '--roi',
    path.join(dir, 'data', 'roi'),
    '--probabilities',
  ]);
  assert.is(cli.code, 0, cli.stderr);
  const lines = cli.stdout.trim().split('\n');
  assert.equal(lines[0]!.split('\t'), ['file', 'mask', 'fraction_foreground']);
  assert.is(lines.length, 13);
  for (const im of doc.perImage) {
    const name = path.basename(im.id);
    const [ours, theirs] = [await raw(path.join(predictions, name)), await raw(path.join(out, 'predictions', name))];
    assert.ok(Buffer.from(ours.data).equals(Buffer.from(theirs.data)), `${name}: predict's mask equals evaluate's`);
    const probs = await raw(path.join(predictions, name.replace('.png', '_p_foreground.png')));
    assert.equal([probs.width, probs.height], [48, 48]);
    // The mask is the probability map at the threshold (8-bit rounding aside: only pixels within 1/255 of it may differ).
    let disagree = 0;
    for (let q = 0; q < probs.data.length; q++)
      if (probs.data[q]! / 255 >= doc.threshold !== (ours.data[q] === 255) && Math.abs(probs.data[q]! / 255 - doc.threshold) > 1 / 255) disagree++;
    assert.is(disagree, 0, `${name}: mask and probability map agree`);
  }
  assert.is(readdirSync(predictions).length, 24);
});

S.run();
