// Transfer into a U-Net's encoder (build.unet({ encoder })): the source's convolutions and
// BatchNorms arrive in order, the decoder keeps its own initialisation, a frozen encoder does not
// change during fit (weights and BatchNorm statistics), and a shape that differs is an error naming
// the layers and both shapes.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../../src/backend/select.ts';
import { syntheticShapes } from '../../../src/data/synthetic-shapes.ts';
import { buildUnet } from '../../../src/train/build-unet.ts';
import { fitSegmentation } from '../../../src/train/fit-segmentation.ts';
import { modelFromData } from '../../../src/train/model-data.ts';
import { loadModel, saveModel } from '../../../src/train/model-io.ts';
import { unet } from '../../../src/train/unet.ts';
import { encoderLayers } from '../../../src/train/unet-encoder.ts';
import { failure } from '../../helpers/expect-error.ts';

const S = suite<{ dir: string }>('U-Net encoder transfer', { dir: '' });
S.before(async (ctx) => {
  await initBackend();
  ctx.dir = mkdtempSync(path.join(tmpdir(), 'medpipe-encoder-'));
  const source = unet([16, 16, 1], 2, { depth: 2, baseFilters: 4 }, 1);
  // Distinct BatchNorm statistics, so that their transfer is visible.
  for (const layer of encoderLayers(source).filter((l) => l.getClassName() === 'BatchNormalization')) {
    layer.setWeights(layer.getWeights().map((w, i) => tf.fill(w.shape, 0.5 + i)));
  }
  await saveModel(source, path.join(ctx.dir, 'source'));
  await saveModel(unet([16, 16, 1], 2, { depth: 2, baseFilters: 8 }, 1), path.join(ctx.dir, 'wider'));
  source.dispose();
});
S.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const values = (layers: readonly tf.layers.Layer[]) => layers.map((l) => l.getWeights().map((w) => Array.from(w.dataSync())));

S('the encoder arrives, the decoder does not, and a frozen encoder stays fixed through fit', async ({ dir }) => {
  const logs: string[] = [];
  const built = await buildUnet({ depth: 2, baseFilters: 4, patch: 16, encoder: { from: 'source', freeze: true } }, [16, 16, 1], ['background', 'shape'], {
    seed: 2,
    dataHash: '',
    baseDir: dir,
    log: (m) => logs.push(m),
  });
  const model = await modelFromData(built.model);
  const source = await loadModel(path.join(dir, 'source'));
  const ours = encoderLayers(model);
  assert.is(ours.length, 12, 'depth 2: 2 levels + bottleneck, 2 convs and 2 BatchNorms each');
  assert.equal(values(ours), values(encoderLayers(source)));
  assert.ok(
    ours.every((l) => !l.trainable),
    'frozen after the round trip through the cache',
  );
  assert.match(logs[0]!, /encoder from source \(frozen\): 12 layers/);
  const decoder = model.layers.filter((l) => l.getClassName() === 'Conv2DTranspose');
  const sourceDecoder = source.layers.filter((l) => l.getClassName() === 'Conv2DTranspose');
  assert.not.equal(values(decoder), values(sourceDecoder), 'the decoder keeps its own initialisation');

  const before = values(ours);
  const decoderBefore = values(decoder);
  const samples = syntheticShapes(6, 16, { seed: 4 });
  await fitSegmentation(model, samples.slice(0, 4), samples.slice(4), { epochs: 2, steps: 3, batchSize: 4, patch: 16, classes: 2, seed: 5 });
  assert.equal(values(ours), before, 'frozen encoder: weights and BatchNorm statistics unchanged');
  assert.not.equal(values(decoder), decoderBefore, 'the decoder trained');
  model.dispose();
  source.dispose();
});

S('without freeze the transferred encoder trains', async ({ dir }) => {
  const built = await buildUnet({ depth: 2, baseFilters: 4, patch: 16, encoder: { from: 'source/model.json' } }, [16, 16, 1], ['background', 'shape'], {
    seed: 2,
    dataHash: '',
    baseDir: dir,
  });
  const model = await modelFromData(built.model);
  const ours = encoderLayers(model);
  assert.ok(ours.every((l) => l.trainable));
  const before = values(ours);
  const samples = syntheticShapes(6, 16, { seed: 4 });
  await fitSegmentation(model, samples.slice(0, 4), samples.slice(4), { epochs: 1, steps: 2, batchSize: 4, patch: 16, classes: 2, seed: 5 });
  assert.not.equal(values(ours), before);
  model.dispose();
});

S('a layer of another shape: an error naming both layers and both shapes; a missing model names its path', async ({ dir }) => {
  const wider = await failure(() =>
    buildUnet({ depth: 2, baseFilters: 4, patch: 16, encoder: { from: 'wider' } }, [16, 16, 1], ['background', 'shape'], {
      seed: 2,
      dataHash: '',
      baseDir: dir,
    }),
  );
  assert.is(wider.code, 'SHAPE_MISMATCH');
  assert.match(
    wider.message,
    /build\.unet encoder: layer \S+ \(Conv2D 1 of the encoder\) has weights \[3, 3, 1, 4\], but \S+ in .*wider\/model\.json has \[3, 3, 1, 8\]/,
  );
  const rgb = await failure(() =>
    buildUnet({ depth: 2, baseFilters: 4, patch: 16, encoder: { from: 'source' } }, [16, 16, 3], ['background', 'shape'], {
      seed: 2,
      dataHash: '',
      baseDir: dir,
    }),
  );
  assert.match(rgb.message, /has weights \[3, 3, 3, 4\], but .* has \[3, 3, 1, 4\]/);
  const missing = await failure(() =>
    buildUnet({ depth: 2, patch: 16, encoder: { from: 'nowhere' } }, [16, 16, 1], ['background', 'shape'], { seed: 2, dataHash: '', baseDir: dir }),
  );
  assert.is(missing.code, 'DATA_NOT_FOUND');
  assert.match(missing.message, /nowhere\/model\.json does not exist/);
});

S.run();
