// Memory stays bounded by the work in flight, not by the data set: 30,000 generated 96x96 grey
// PNGs through ingest → normalize (dataset z-score) → split → a small CNN → fit (1 epoch) →
// evaluate, in a process of its own, under a peak-RSS ceiling below ONE float32 copy of the pixels
// (1,055 MiB). The design before the store held a float32 copy per data stage (ingest — briefly two
// —, normalize, split: over 3 GiB here) plus a float32 decode record per file.
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ENTRY_URL, ROOT, encodePng, prng, removeDir, tempDir } from '../helpers/core.ts';

const IMAGES = 30_000;
const SIZE = 96;
const FLOAT32_COPY_MIB = (IMAGES * SIZE * SIZE * 4) / 2 ** 20;
/** Peak RSS allowed for the whole run (Node, TensorFlow.js, worker threads included): below one float32 copy. */
const CEILING_MIB = 900;

const Memory = suite<{ dir: string }>('memory: 30,000 images under an RSS ceiling below one float32 copy of the pixels');

Memory.before(async (ctx) => {
  ctx.dir = await tempDir('memory');
  const rand = prng(11);
  for (const [label, level] of [
    ['neg', 80],
    ['pos', 150],
  ] as const) {
    await mkdir(path.join(ctx.dir, 'data', label), { recursive: true });
    for (let i = 0; i < IMAGES / 2; i++) {
      const pixels = Array.from({ length: SIZE * SIZE }, () => Math.max(0, Math.min(255, Math.round(level + (rand() - 0.5) * 90))));
      await writeFile(path.join(ctx.dir, 'data', label, `${label}_${String(i).padStart(5, '0')}.png`), await encodePng(SIZE, SIZE, 1, 8, pixels));
    }
  }
  await writeFile(path.join(ctx.dir, 'package.json'), '{ "type": "module" }\n');
  await writeFile(
    path.join(ctx.dir, 'pipeline.ts'),
    `import { pipeline, ingest, normalize, split, build, fit, evaluate } from '${ENTRY_URL}';
export default pipeline('memory', { seed: 1 })
  .stage(ingest.folder({ root: 'data', size: [${SIZE}, ${SIZE}], channels: 1 }))
  .stage(normalize({ method: 'zscore' }))
  .stage(split())
  .stage(build.custom((inputShape, tf) => tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape, filters: 4, kernelSize: 3, strides: 2, activation: 'relu' }),
    tf.layers.globalAveragePooling2d({}),
    tf.layers.dense({ units: 1, activation: 'sigmoid' }),
  ] })))
  .stage(fit({ epochs: 1, batchSize: 64, earlyStopping: false }))
  .stage(evaluate({ png: false, gradCam: false }));
`,
  );
});
Memory.after(async (ctx) => removeDir(ctx.dir));

Memory(`peak RSS of the whole run stays under ${CEILING_MIB} MiB (one float32 copy of the pixels: ${FLOAT32_COPY_MIB.toFixed(0)} MiB)`, async ({ dir }) => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'tests/helpers/measure-run.ts'), path.join(dir, 'pipeline.ts'), path.join(dir, 'cache'), path.join(dir, 'out')],
    {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    },
  );
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `no result:\n${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(line!) as { ok: boolean; error?: string; decoded?: number; maxRssMiB: number };
  assert.ok(result.ok, result.error);
  assert.is(result.decoded, IMAGES, 'every image was decoded once');
  console.log(
    `    memory: ${IMAGES} images ${SIZE}x${SIZE}: peak RSS ${result.maxRssMiB.toFixed(0)} MiB (ceiling ${CEILING_MIB} MiB, one float32 copy ${FLOAT32_COPY_MIB.toFixed(0)} MiB)`,
  );
  assert.ok(result.maxRssMiB < CEILING_MIB, `peak RSS ${result.maxRssMiB.toFixed(0)} MiB ≥ ${CEILING_MIB} MiB`);
});

Memory.run();
