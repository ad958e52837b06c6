// Grad-CAM in the evaluate stage: a small synthetic data set (class b has a bright square in its
// top-left corner), a tiny CNN, 1 epoch. evaluate writes plots/gradcam/ (PNGs + index.csv) with
// names free of sample ids; a cached rerun redraws the same pictures from the cached result; with
// gradCam: false the folder goes away.
import { suite } from 'uvu';
import { requires, sklearn } from '../helpers/requires.ts';
import { assertEvaluationMatchesSklearn } from '../helpers/sklearn-evaluation.ts';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertOk, cachedStages, loadMedpipe, prng, removeDir, runCollect, startedStages, tempDir, type Medpipe } from '../helpers/core.ts';

interface Ctx {
  dir: string;
  m: Medpipe;
}

const Pipeline = suite<Ctx>('grad-cam in the evaluate stage');
const SIZE = 16;

/** Noise around 70; class b also has a bright 5×5 square near the top-left corner. */
async function writeImages(root: string, perClass: number): Promise<void> {
  const sharp = (await import('sharp')).default;
  for (const [c, name] of ['a', 'b'].entries()) {
    await mkdir(path.join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const rand = prng(1000 * c + i + 1);
      const px = Buffer.alloc(SIZE * SIZE);
      for (let p = 0; p < px.length; p++) px[p] = Math.round(70 + (rand() - 0.5) * 60);
      if (c === 1) {
        const [oy, ox] = [1 + (i % 2), 1 + ((i >> 1) % 2)];
        for (let y = oy; y < oy + 5; y++) for (let x = ox; x < ox + 5; x++) px[y * SIZE + x] = 230;
      }
      const file = path.join(root, name, `${name}_sample_${String(i).padStart(3, '0')}.png`);
      await writeFile(
        file,
        await sharp(px, { raw: { width: SIZE, height: SIZE, channels: 1 } })
          .png()
          .toBuffer(),
      );
    }
  }
}

Pipeline.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.dir = await tempDir('gradcam');
  await writeImages(path.join(ctx.dir, 'data'), 20);
});
Pipeline.after(async (ctx) => {
  await removeDir(ctx.dir);
});

function pipelineWith(m: Medpipe, gradCam: number | false | undefined, gradCamMethod?: 'gradcam' | 'hirescam') {
  return m
    .pipeline('gradcam', { seed: 3 })
    .stage(m.ingest.folder({ root: 'data', size: [SIZE, SIZE], channels: 1 }))
    .stage(m.normalize({ method: 'rescale' }))
    .stage(m.split())
    .stage(m.build.tutorialCnn({ filters: [4, 4] }))
    .stage(m.fit({ epochs: 1, batchSize: 8, earlyStopping: false }))
    .stage(m.evaluate({ png: false, ...(gradCam === undefined ? {} : { gradCam }), ...(gradCamMethod ? { gradCamMethod } : {}) }));
}

Pipeline('evaluate writes Grad-CAM pictures of chosen test images; cached rerun redraws them; false removes them', async ({ m, dir }) => {
  const options = { cacheDir: path.join(dir, 'cache'), outDir: path.join(dir, 'out'), baseDir: dir };
  const first = await runCollect(pipelineWith(m, undefined), options);
  assertOk(first);
  const out = path.join(dir, 'out');
  const gradcam = path.join(out, 'plots', 'gradcam');
  const predictions = (await readFile(path.join(out, 'predictions.csv'), 'utf8'))
    .trim()
    .split('\n')
    .slice(1)
    .map((row) => row.split(','));
  const testCount = predictions.length;
  assert.ok(testCount >= 8, `enough test images (${testCount})`);

  const names = (await readdir(gradcam)).sort();
  const pngs = names.filter((n) => n.endsWith('.png'));
  assert.is(pngs.length, 8, 'the default is 8 pictures');
  assert.ok(names.includes('index.csv'));
  for (const name of pngs) {
    assert.match(name, /^(TP|FP|TN|FN)_\d{4}_[ab]_\d\.\d{3}\.png$/);
    assert.not.match(name, /sample/, 'no sample id or file name in picture names');
  }
  const index = (await readFile(path.join(gradcam, 'index.csv'), 'utf8')).trim().split('\n');
  assert.is(index[0], 'file,index,id,label,score,predicted,outcome,strength');
  assert.is(index.length, 9);
  for (const row of index.slice(1)) {
    const [file, i, id, label, score, , outcome, strength] = row.split(',');
    const p = predictions[Number(i)]!;
    assert.is(id, p[0], 'index.csv row i is predictions.csv row i');
    assert.is(label, p[2]);
    assert.is(Number(score), Number(p[3]), 'the score shown is the score in predictions.csv');
    assert.ok(file!.startsWith(`${outcome}_${String(i).padStart(4, '0')}_`), file);
    assert.ok(Number(strength) >= 0 && Number(strength) <= 1, `strength ${strength} in [0, 1]`);
  }
  // Every outcome the test split has at evaluate's threshold (predictions.csv's `predicted`) is represented (round-robin over TP, FN, FP, TN).
  const present = new Set(predictions.map((p) => (p[2] === '1' ? (p[4] === '1' ? 'TP' : 'FN') : p[4] === '1' ? 'FP' : 'TN')));
  const shown = new Set(index.slice(1).map((row) => row.split(',')[6]));
  for (const outcome of present) assert.ok(shown.has(outcome), `${outcome} shown`);
  assert.ok(
    index.slice(1).some((row) => Number(row.split(',')[7]) === 1),
    'the strongest map has strength 1',
  );

  const sharp = (await import('sharp')).default;
  const meta = await sharp(path.join(gradcam, pngs[0]!)).metadata();
  assert.is(meta.width, 2 * 256 + 8, 'two 256-pixel panels (16 px images enlarged 16×) and a gap');
  assert.is(meta.height, 256 + 24, 'panel plus caption');
  const before = await Promise.all(pngs.map((n) => readFile(path.join(gradcam, n))));

  // A cached rerun decodes the stored heatmaps and draws the same pictures.
  const second = await runCollect(pipelineWith(m, undefined), options);
  assertOk(second);
  assert.ok(cachedStages(second.events).includes('evaluate'));
  assert.equal((await readdir(gradcam)).sort(), names);
  const after = await Promise.all(pngs.map((n) => readFile(path.join(gradcam, n))));
  after.forEach((bytes, i) => assert.ok(bytes.equals(before[i]!), `${pngs[i]} redrawn identically from the cache`));

  // Off: only evaluate reruns, and the folder is gone.
  const off = await runCollect(pipelineWith(m, false), options);
  assertOk(off);
  assert.equal(startedStages(off.events), ['evaluate']);
  assert.not.ok(existsSync(gradcam), 'plots/gradcam removed when gradCam is false');
  assert.ok(existsSync(path.join(out, 'metrics.json')));
});

Pipeline('gradCam must be a whole number or false; gradCamMethod hirescam or gradcam', async ({ m, dir }) => {
  const options = { cacheDir: path.join(dir, 'cache'), outDir: path.join(dir, 'out-bad'), baseDir: dir };
  const run = await runCollect(pipelineWith(m, 2.5), options);
  assert.not.ok(run.done.ok);
  assert.match(JSON.stringify(run.done.error), /evaluate\.gradCam: must be a whole number or false, got 2\.5/);
  const method = await runCollect(pipelineWith(m, 2, 'cam' as never), options);
  assert.not.ok(method.done.ok);
  assert.match(JSON.stringify(method.done.error), /evaluate\.gradCamMethod: must be one of 'gradcam', 'hirescam', got 'cam'/);
});

requires(Pipeline, sklearn())(
  'grad-cam pipeline: metrics.json and validation-metrics.json recomputed by scikit-learn from the predictions',
  async ({ dir }) => {
    for (const out of ['out']) assertEvaluationMatchesSklearn(path.join(dir, out));
  },
);

Pipeline.run();
