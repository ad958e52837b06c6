// NIfTI volumes end to end (issue 16): synthetic shape volumes (each slice across k a picture with
// known labels, voxel size 0.7 x 0.9 mm) → ingest.segmentation (slices grouped by volume) → U-Net →
// evaluate, surface distances in mm from the header; `medpipe predict` on a test volume writes a
// label volume on its geometry whose slices equal evaluate's predicted masks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderShapes } from '../../src/data/synthetic-shapes.ts';
import { decodeNifti } from '../../src/io/nifti.ts';
import { affineDifference, niftiGeometry } from '../../src/io/nifti-header.ts';
import type { SegmentationMetricsDocument } from '../../src/train/evaluate-segmentation.ts';
import { assertOk, loadMedpipe, medpipeCli, removeDir, runCollect, tempDir, type Medpipe } from '../helpers/core.ts';
import { writeNifti } from '../helpers/nifti-writer.ts';
import { requires } from '../helpers/requires.ts';
import { assertMatchesReference, runSegmentationReference, segmentationToolkit } from '../helpers/segmentation-reference.ts';
import { pngNames } from '../../src/report/segmentation-files.ts';

interface Ctx {
  m: Medpipe;
  dir: string;
}

const SIZE = 32;
const SLICES = 3;
const VOXEL = [0.9, 0.7, 2] as const; // i, j, k: dx = 0.9, dy = 0.7

/** `medpipe predict` on the test volume: a label volume on its geometry whose slices equal evaluate's masks. */
async function assertPredictRepeatsEvaluate(input: string, out: string, predicted: string): Promise<void> {
  const cli = await medpipeCli(['predict', path.join(out, 'model'), input, '--out', predicted]);
  assert.is(cli.code, 0, cli.stderr);
  const name = path.basename(input).replace(/\.nii(\.gz)?$/, '');
  const written = readFileSync(path.join(predicted, `${name}_seg.nii.gz`));
  const [source, result] = [await niftiGeometry(readFileSync(input), input), await niftiGeometry(written, 'seg')];
  assert.equal(result.dims, source.dims);
  assert.is(affineDifference(result.affine, source.affine), 0);
  const slices = await decodeNifti(written, 'seg');
  assert.is(slices.length, SLICES);
  for (const [k, slice] of slices.entries()) {
    const png = await sharp(path.join(out, 'predictions', `${name}_z${k}.png`))
      .extractChannel(0)
      .raw()
      .toBuffer();
    assert.equal(
      Array.from(slice.data),
      Array.from(png, (v) => (v === 255 ? 1 : 0)),
      `slice ${k}: predict's labels equal evaluate's mask`,
    );
  }
}

const S = suite<Ctx>('segmentation of NIfTI volumes');
S.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.dir = await tempDir('seg-volumes');
  for (let v = 0; v < 6; v++) {
    const image = new Array<number>(SIZE * SIZE * SLICES);
    const labels = new Array<number>(SIZE * SIZE * SLICES);
    for (let k = 0; k < SLICES; k++) {
      const s = renderShapes(v * SLICES + k, SIZE, { seed: 11 });
      for (let p = 0; p < SIZE * SIZE; p++) {
        image[k * SIZE * SIZE + p] = Math.round(s.pixels[p]! * 1000) - 200; // int16, CT-like offsets
        labels[k * SIZE * SIZE + p] = s.mask[p]!;
      }
    }
    const ext = v % 2 === 0 ? '.nii.gz' : '.nii';
    writeNifti(path.join(ctx.dir, 'vol', 'images', `case${v}${ext}`), {
      dims: [SIZE, SIZE, SLICES],
      voxels: image,
      type: 'int16',
      voxelSize: VOXEL,
      origin: [-10, 5, v],
    });
    writeNifti(path.join(ctx.dir, 'vol', 'labels', `case${v}${ext}`), {
      dims: [SIZE, SIZE, SLICES],
      voxels: labels,
      type: 'uint8',
      voxelSize: VOXEL,
      origin: [-10, 5, v],
    });
  }
});
S.after(async (ctx) => removeDir(ctx.dir));

requires(S, segmentationToolkit())(
  'volumes in, slices scored in mm (as the reference), predict writes a label volume on the input geometry',
  async ({ m, dir }) => {
    const p = m
      .pipeline('volumes', { seed: 3 })
      .stage(m.ingest.segmentation({ sources: [{ images: 'vol/images', masks: 'vol/labels' }], channels: 1, classes: ['background', 'shape'] }))
      .stage(m.split.segmentation({ fractions: { train: 0.66, val: 0.17, test: 0.17 } }))
      .stage(m.build.unet({ depth: 2, baseFilters: 8, patch: 16 }))
      .stage(m.fit.segmentation({ epochs: 4, steps: 10, batchSize: 8, learningRate: 3e-3 }))
      .stage(m.evaluate.segmentation({ tolerance: 1 }));
    const out = path.join(dir, 'out');
    assertOk(await runCollect(p, { cacheDir: path.join(dir, 'cache'), outDir: out, baseDir: dir }));
    const doc = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')) as SegmentationMetricsDocument;
    assert.is(doc.images, SLICES, 'the test split is one whole volume');
    const volume = doc.perImage[0]!.id.split('#')[0]!;
    assert.ok(doc.perImage.every((im) => im.id.startsWith(`${volume}#`)));
    assert.equal(doc.perImage[0]!.spacing, [Math.fround(0.7), Math.fround(0.9)]);
    assert.is(doc.unit, 'spacing units (e.g. mm)');
    assert.ok(doc.summary.shape.perImage.dice.mean! > 0.7, `Dice ${doc.summary.shape.perImage.dice.mean}`);
    // Every slice's metrics, surface distances in mm included, recomputed by the Python reference.
    const truth = await decodeNifti(readFileSync(path.join(dir, volume.replace('images', 'labels'))), 'labels');
    const cases = [];
    for (const [k, im] of doc.perImage.entries()) {
      const pred = await sharp(path.join(out, 'predictions', pngNames([im.id])[0]!))
        .extractChannel(0)
        .raw()
        .toBuffer();
      cases.push({
        height: SIZE,
        width: SIZE,
        truth: Array.from(truth[k]!.data),
        pred: Array.from(pred, (v) => (v === 255 ? 1 : 0)),
        classes: 2,
        spacing: im.spacing,
        tolerance: 1,
      });
    }
    runSegmentationReference(cases).forEach((r, k) => assertMatchesReference(doc.perImage[k]!.classes.shape as never, r.classes['1']!, doc.perImage[k]!.id));

    await assertPredictRepeatsEvaluate(path.join(dir, volume), out, path.join(dir, 'predicted'));
  },
);

S('2.5D: three adjacent slices in, the centre mask out; predict stacks the same neighbours', async ({ m, dir }) => {
  const p = m
    .pipeline('volumes-2.5d', { seed: 3 })
    .stage(m.ingest.segmentation({ sources: [{ images: 'vol/images', masks: 'vol/labels' }], channels: 1, classes: ['background', 'shape'] }))
    .stage(m.split.segmentation({ fractions: { train: 0.66, val: 0.17, test: 0.17 } }))
    .stage(m.build.unet({ depth: 2, baseFilters: 8, patch: 16, slices: 3 }))
    .stage(m.fit.segmentation({ epochs: 4, steps: 10, batchSize: 8, learningRate: 3e-3 }))
    .stage(m.evaluate.segmentation({ tolerance: 1 }));
  const out = path.join(dir, 'out-25d');
  const run = await runCollect(p, { cacheDir: path.join(dir, 'cache-25d'), outDir: out, baseDir: dir });
  assertOk(run);
  assert.ok(
    run.events.some(
      (e) => e.type === 'stage-done' && /2\.5D U-Net \(3 slices as channels\) for 16x16x3 patches/.test(String((e as { summary?: string }).summary)),
    ),
  );
  const doc = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')) as SegmentationMetricsDocument;
  assert.is(doc.images, SLICES);
  // Neighbouring slices of these volumes are unrelated pictures: the centre channel carries the mask.
  assert.ok(doc.summary.shape.perImage.dice.mean! > 0.6, `Dice ${doc.summary.shape.perImage.dice.mean}`);
  await assertPredictRepeatsEvaluate(path.join(dir, doc.perImage[0]!.id.split('#')[0]!), out, path.join(dir, 'predicted-25d'));
  await sharp(Buffer.alloc(SIZE * SIZE), { raw: { width: SIZE, height: SIZE, channels: 1 } })
    .png()
    .toFile(path.join(dir, 'some.png'));
  const flat = await medpipeCli(['predict', path.join(out, 'model'), path.join(dir, 'some.png'), '--out', path.join(dir, 'predicted-25d')]);
  assert.is(flat.code, 1);
  assert.match(flat.stderr, /2\.5D model \(3 adjacent slices as channels\); it segments NIfTI volumes/);
});

S.run();
