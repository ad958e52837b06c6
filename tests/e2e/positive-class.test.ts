// evaluate's positiveClass naming the first class: every split's labels and scores are flipped
// (label 1 − y, score 1 − s) before any metric or curve — the train curves, made from score columns
// rather than per-sample predictions, included. Flipping both leaves the AUC as it was and turns the
// prevalence into its complement; flipping one of them alone would turn the AUC into 1 − AUC.
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertOk, loadMedpipe, makeClassFolders, removeDir, runCollect, tempDir } from '../helpers/core.ts';

type Curves = { roc: Record<string, { auc: number }>; pr: Record<string, { prevalence: number; averagePrecision: number }> };

test('positiveClass = the first class: train and test curves of the flipped labels and scores', async () => {
  const dir = await tempDir('positive-class');
  try {
    const m = await loadMedpipe();
    // Dark `a`, bright `b`: the AUC is far from 0.5, so a half-done flip (1 − AUC) cannot pass.
    await makeClassFolders(path.join(dir, 'data'), 40, { size: 8 });
    const evaluated = (positiveClass?: string) =>
      m
        .pipeline('positive-class', { seed: 3 })
        .stage(m.ingest.folder({ root: 'data', size: [8, 8], channels: 1 }))
        .stage(m.normalize({ method: 'zscore' }))
        .stage(m.split({}))
        .stage(m.build.tutorialCnn({ filters: [2, 2] }))
        .stage(m.fit({ epochs: 1, batchSize: 16, earlyStopping: false }))
        .stage(m.evaluate({ gradCam: false, png: false, bootstrap: { resamples: 100 }, ...(positiveClass ? { positiveClass } : {}) }));
    const curvesOf = async (positiveClass?: string): Promise<Curves> => {
      const out = path.join(dir, `out-${positiveClass ?? 'b'}`);
      assertOk(await runCollect(evaluated(positiveClass), { cacheDir: path.join(dir, 'cache'), outDir: out, baseDir: dir }));
      return JSON.parse(await readFile(path.join(out, 'curves.json'), 'utf8')) as Curves;
    };
    const b = await curvesOf();
    const a = await curvesOf('a');
    for (const split of ['train', 'test']) {
      assert.ok(b.roc[split] && a.roc[split], `${split} curves in both runs`);
      assert.ok(Math.abs(b.roc[split]!.auc - 0.5) > 0.1, `${split}: AUC ${b.roc[split]!.auc} tells the classes apart`);
      assert.ok(Math.abs(a.roc[split]!.auc - b.roc[split]!.auc) < 1e-12, `${split}: the AUC of flipped labels and scores is the AUC`);
      assert.ok(Math.abs(a.pr[split]!.prevalence - (1 - b.pr[split]!.prevalence)) < 1e-12, `${split}: prevalence of the other class`);
    }
  } finally {
    await removeDir(dir);
  }
});

test.run();
