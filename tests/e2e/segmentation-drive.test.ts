// Real data (issue 16): DRIVE retinal vessels, read in place from ../shared/data/drive. A small,
// quick configuration (288x288 green channel, a depth-3 U-Net with 8 base filters, 6 short epochs)
// must clearly beat what intensity alone gives: the best "darkest q% of the FOV" rule, with q
// chosen on the test images themselves (an optimistic baseline, ≈ 0.36 Dice). The model sees
// 288x288 images, but evaluate scores at the files' own 565x584 (probabilities resized bilinearly,
// then thresholded): every metric of the 20 test images is recomputed by the Python reference from
// the written mask PNGs against the observer's GIFs as they are, inside the FOV; so is the second
// observer's agreement with the first (the human line beside the model's).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPipelineFile } from '../../src/cli/load-pipeline.ts';
import type { SegmentationMetricsDocument } from '../../src/train/evaluate-segmentation.ts';
import { assertOk, loadMedpipe, removeDir, runCollect, tempDir, type Medpipe } from '../helpers/core.ts';
import { ROOT, SHARED_DATA } from '../helpers/paths.ts';
import { realData, requires } from '../helpers/requires.ts';
import { assertMatchesReference, runSegmentationReference, segmentationToolkit } from '../helpers/segmentation-reference.ts';

interface Ctx {
  m: Medpipe;
  dir: string;
}

const DRIVE = path.join(SHARED_DATA, 'drive');
const SIZE = 288;
const part = (name: 'training' | 'test', split: 'train' | 'test') => ({
  images: path.join(DRIVE, name, 'images'),
  masks: path.join(DRIVE, name, '1st_manual'),
  roi: path.join(DRIVE, name, 'mask'),
  match: { image: `{id}_${name}.tif`, mask: '{id}_manual1.gif', roi: `{id}_${name}_mask.gif` },
  ...(name === 'test' ? { observer: { masks: path.join(DRIVE, 'test', '2nd_manual'), match: '{id}_manual2.gif' } } : {}),
  split,
});

const S = suite<Ctx>('segmentation on DRIVE (real fundus images)');
S.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.dir = await tempDir('drive');
});
S.after(async (ctx) => removeDir(ctx.dir));

const it = requires(
  S,
  realData('drive', 'training/images/21_training.tif', 'test/1st_manual/01_manual1.gif', 'test/mask/01_test_mask.gif'),
  segmentationToolkit(),
);

it('a U-Net trained for under a minute beats the intensity baseline; every test metric equals the reference', async ({ m, dir }) => {
  const p = m
    .pipeline('drive-ci', { seed: 1 })
    .stage(
      m.ingest.segmentation({
        sources: [part('training', 'train'), part('test', 'test')],
        channels: 'green',
        size: [SIZE, SIZE],
        classes: ['background', 'vessel'],
      }),
    )
    .stage(m.split.segmentation({ valFromTrain: 0.2 }))
    .stage(m.build.unet({ depth: 3, baseFilters: 8, patch: 48 }))
    .stage(m.fit.segmentation({ epochs: 6, steps: 15, batchSize: 8, learningRate: 3e-3, overlap: 0.25 }))
    .stage(m.evaluate.segmentation({ tolerance: 2 }));
  const out = path.join(dir, 'out');
  assertOk(await runCollect(p, { cacheDir: path.join(dir, 'cache'), outDir: out, baseDir: dir }));
  const doc = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')) as SegmentationMetricsDocument;
  assert.is(doc.images, 20);
  assert.is(doc.resolution, 'original');
  assert.equal(doc.perImage[0]!.size, [584, 565]);
  const cases = doc.perImage.map((im) => {
    const id = path.basename(im.id, '_test.tif');
    return {
      truth_file: path.join(DRIVE, 'test', '1st_manual', `${id}_manual1.gif`),
      roi_file: path.join(DRIVE, 'test', 'mask', `${id}_test_mask.gif`),
      pred_file: path.join(out, 'predictions', `${id}_test.png`),
      classes: 2,
      spacing: [1, 1],
      tolerance: 2,
    };
  });
  const reference = runSegmentationReference(cases);
  doc.perImage.forEach((im, i) => assertMatchesReference(im.classes.vessel as never, reference[i].classes['1'], im.id));
  const dice = reference.map((r) => r.classes['1'].dice!).reduce((a, b) => a + b, 0) / reference.length;
  assert.ok(Math.abs(dice - doc.summary.vessel.perImage.dice.mean!) < 1e-9);
  // The intensity baseline is ≈ 0.36; a model that learned vessels is far above it.
  assert.ok(dice > 0.6, `mean test Dice ${dice.toFixed(3)} (intensity baseline ≈ 0.36)`);
  assert.ok(doc.summary.vessel.auc! > 0.9, `pixel ROC AUC ${doc.summary.vessel.auc}`);
  // The human-agreement line: the second observer scored like the model, and by the reference.
  const human = doc.humanAgreement!;
  assert.is(human.images, 20);
  const observer = runSegmentationReference(
    cases.map((c, i) => ({ ...c, pred_file: path.join(DRIVE, 'test', '2nd_manual', `${path.basename(doc.perImage[i]!.id, '_test.tif')}_manual2.gif`) })),
  );
  human.perImage.forEach((im, i) => assertMatchesReference(im.classes.vessel as never, observer[i]!.classes['1'], `second observer ${im.id}`));
  const humanDice = human.summary.vessel.perImage.dice.mean!;
  assert.ok(humanDice > 0.7 && humanDice < 0.9, `inter-observer Dice ${humanDice}`);
});

S('pipelines/drive.ts reads DRIVE where the shared data lies', async () => {
  const p = await loadPipelineFile(path.join(ROOT, 'pipelines/drive.ts'));
  assert.equal(
    p.stages.map((s) => s.kind),
    ['ingest.segmentation', 'split.segmentation', 'build.unet', 'fit.segmentation', 'evaluate.segmentation'],
  );
  const sources = (p.stages[0]!.config as { sources: { images: string }[] }).sources;
  assert.is(path.resolve(ROOT, 'pipelines', sources[0]!.images), path.join(DRIVE, 'training', 'images'));
});

S.run();
