// 'auto' BatchNorm momentum: the moving statistics keep under 1% of their start after one epoch,
// clamped to [0.5, 0.99]; build.tutorialCnn({ batchNormMomentum: 'auto' }) puts it in the model.
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Built } from '../../../src/train/trained.ts';
import { batchNormMomentumFor } from '../../../src/train/batch-norm-momentum.ts';
import { assertOk, loadMedpipe, loadOutput, logsOf, makeClassFolders, removeDir, runCollect, tempDir } from '../../helpers/core.ts';

const M = suite('BatchNorm momentum from the number of updates');

M('momentum^(batches per epoch) = 0.01, clamped to [0.5, 0.99]', () => {
  for (const [samples, batch] of [
    [256, 32],
    [2428, 32],
    [1000, 16],
  ] as const) {
    const m = batchNormMomentumFor(samples, batch);
    assert.ok(Math.abs(m ** Math.ceil(samples / batch) - 0.01) < 1e-12, `${samples}/${batch}: ${m}`);
  }
  assert.is(batchNormMomentumFor(20, 32), 0.5, 'one batch per epoch: the lower limit');
  assert.is(batchNormMomentumFor(1_000_000, 32), 0.99, "many batches: Keras' 0.99");
  assert.ok(Math.abs(batchNormMomentumFor(256) - 0.5623) < 1e-4, 'the 400-image init case: 256 training images, 8 batches');
});

M("build.tutorialCnn({ batchNormMomentum: 'auto' }) uses it and says so", async () => {
  const dir = await tempDir('bn');
  try {
    const m = await loadMedpipe();
    await makeClassFolders(path.join(dir, 'data'), 50, { size: 8 });
    const p = m
      .pipeline('bn', { seed: 1 })
      .stage(m.ingest.folder({ root: 'data', size: [8, 8], channels: 1 }))
      .stage(m.split())
      .stage(m.build.tutorialCnn({ filters: [2, 2], batchNormMomentum: 'auto' }));
    const run = await runCollect(p, { cacheDir: path.join(dir, 'cache'), outDir: path.join(dir, 'out'), baseDir: dir });
    assertOk(run);
    const built = await loadOutput<Built>(path.join(dir, 'cache'), 'bn', 'build');
    const layers = (built.model.topology as { config: { layers: { class_name: string; config: { momentum?: number } }[] } }).config.layers;
    const momentum = layers.find((l) => l.class_name === 'BatchNormalization')!.config.momentum!;
    assert.ok(Math.abs(momentum - batchNormMomentumFor(64)) < 1e-12, `64 training images → ${batchNormMomentumFor(64)}, model has ${momentum}`);
    assert.ok(
      logsOf(run.events, 'build').some((l) => /BatchNorm momentum 0\.500 for 2 batches of 32 per epoch/.test(l)),
      logsOf(run.events, 'build').join('\n'),
    );
  } finally {
    await removeDir(dir);
  }
});

M.run();
