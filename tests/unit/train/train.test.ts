import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MedpipeError } from '../../../src/base/errors.ts';
import { binaryCrossEntropy, sampleWeightsFor, classWeights } from '../../../src/train/losses.ts';
import { loadModel, saveModel, tutorialCnn } from '../../../src/train/model.ts';
import { epochBatches, epochLogKeys, epochOrder, fitModel, predictScores, regularizationLoss, type FitData, type FitOptions } from '../../../src/train/fit.ts';
import { EarlyStopping, resolveMode } from '../../../src/train/early-stopping.ts';

const SHAPE = [8, 8, 1] as const;

/** Tiny synthetic set: positives carry a bright 3x3 blob at a random place. */
function makeData(count: number, seed: number, positiveRate = 0.4): FitData & { x: Float32Array } {
  let s = seed;
  const rand = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const x = new Float32Array(count * 64);
  const y = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    y[i] = rand() < positiveRate ? 1 : 0;
    for (let j = 0; j < 64; j++) x[i * 64 + j] = rand() * 0.3;
    if (y[i]) {
      const r0 = 1 + Math.floor(rand() * 5);
      const c0 = 1 + Math.floor(rand() * 5);
      for (let r = r0; r < r0 + 3 && r < 8; r++) for (let c = c0; c < c0 + 3 && c < 8; c++) x[i * 64 + r * 8 + c] += 0.7;
    }
  }
  return { x, y, count, shape: SHAPE };
}

/** accuracy at 0.5 and AUC (Mann–Whitney with half credit for ties). */
function metrics(labels: Float32Array, scores: Float32Array): Record<string, number> {
  let correct = 0;
  let pairs = 0;
  let wins = 0;
  for (let i = 0; i < labels.length; i++) {
    if ((scores[i] >= 0.5 ? 1 : 0) === labels[i]) correct++;
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return { accuracy: correct / labels.length, auc: pairs ? wins / pairs : NaN };
}

const small = (seed: number, extra: Parameters<typeof tutorialCnn>[1] = {}): tf.Sequential => tutorialCnn(SHAPE, { filters: [4, 4], ...extra }, seed);
const weightsOf = (m: tf.LayersModel): number[][] => m.getWeights().map((t) => Array.from(t.dataSync()));
const base = (over: Partial<FitOptions> = {}): FitOptions => ({ epochs: 2, batchSize: 8, seed: 1, metrics, ...over });

const Train = suite('train');
const train = makeData(40, 1);
const val = makeData(20, 2);

Train.before(async () => {
  await tf.setBackend('cpu');
});

Train('logs hold loss, train metrics, val_loss and val_ metrics for every epoch', async () => {
  const m = small(1);
  const epochs: number[] = [];
  const batches: string[] = [];
  const r = await fitModel(
    m,
    train,
    val,
    base({
      epochs: 3,
      onEpoch: (e) => epochs.push(e.epoch),
      onBatch: (e) => batches.push(`${e.epoch}:${e.batch}/${e.batches}`),
    }),
  );
  assert.is(r.epochsRun, 3);
  assert.is(r.bestEpoch, 3);
  assert.not.ok(r.stoppedEarly);
  assert.equal(epochs, [1, 2, 3]);
  assert.is(batches.length, 15);
  assert.equal(batches.slice(0, 5), ['1:1/5', '1:2/5', '1:3/5', '1:4/5', '1:5/5']);
  for (const logs of r.history) assert.equal(Object.keys(logs), ['loss', 'accuracy', 'auc', 'val_loss', 'val_accuracy', 'val_auc']);
  assert.ok(r.history.every((l) => Number.isFinite(l.loss) && Number.isFinite(l.val_loss)));
  // Train metrics come from a clean inference pass over the un-augmented training set.
  const finalTrain = metrics(train.y, await predictScores(m, train));
  assert.is(r.history[2].auc, finalTrain.auc);
  assert.is(r.history[2].accuracy, finalTrain.accuracy);
  m.dispose();
});

Train('the loss is BCE (class-weighted) plus the L2 penalty of the kernels', async () => {
  const l2 = 0.05;
  const a = small(3, { l2, dropout: 0 });
  const b = small(3, { l2, dropout: 0 });
  // L2 = l2 · Σ w² over both conv kernels (layers 0 and 1: the convolutions come first, back to back).
  const reg = regularizationLoss(a) as tf.Scalar;
  assert.equal(
    [a.layers[0], a.layers[1]].map((l) => l.getClassName()),
    ['Conv2D', 'Conv2D'],
  );
  assert.equal(
    [a.layers[0], a.layers[1]].map((l) => l.getWeights()[0].shape),
    [
      [5, 5, 1, 4],
      [3, 3, 4, 4],
    ],
  );
  const kernels = [a.layers[0], a.layers[1]].map((l) => l.getWeights()[0].dataSync() as Float32Array);
  const expectedReg = l2 * kernels.reduce((s, k) => s + k.reduce((t, v) => t + v * v, 0), 0);
  assert.ok(Math.abs(reg.dataSync()[0] - expectedReg) < 1e-6 * expectedReg, `reg ${reg.dataSync()[0]} vs ${expectedReg}`);
  reg.dispose();
  // One batch holding the whole set: its loss is computable before the step (BatchNorm uses batch stats).
  const weights = classWeights(train.y, 'balanced');
  const expected = tf.tidy(() => {
    const pred = a.apply(tf.tensor4d(train.x, [train.count, ...SHAPE]), { training: true }) as tf.Tensor;
    const sw = tf.tensor1d(sampleWeightsFor(train.y, weights));
    return binaryCrossEntropy(tf.tensor1d(train.y), pred, sw)
      .add(regularizationLoss(a) as tf.Scalar)
      .dataSync()[0];
  });
  let first = NaN;
  await fitModel(
    b,
    train,
    val,
    base({
      epochs: 1,
      batchSize: train.count,
      classWeight: 'balanced',
      onBatch: (e) => {
        first = e.loss;
      },
    }),
  );
  assert.ok(Math.abs(first - expected) < 1e-5, `batch loss ${first} vs BCE + L2 ${expected}`);
  a.dispose();
  b.dispose();
});

Train('same seed gives identical weights and history; another seed does not', async () => {
  const opts = base({ epochs: 2, augment: { rotation: 10, translate: 0.1, brightness: 0.05 }, oversample: true, classWeight: 'balanced' });
  const runs = [];
  for (const seed of [5, 5, 6]) {
    const m = small(seed);
    const r = await fitModel(m, train, val, { ...opts, seed });
    runs.push({ w: weightsOf(m), h: r.history });
    m.dispose();
  }
  assert.equal(runs[0].w, runs[1].w);
  assert.equal(runs[0].h, runs[1].h);
  assert.not.equal(runs[0].w, runs[2].w);
});

Train('training updates BatchNorm statistics, reseeds dropout every batch and restores the seed', async () => {
  const m = small(2);
  const bn = m.layers[3];
  assert.is(bn.getClassName(), 'BatchNormalization');
  const movingBefore = Array.from(bn.getWeights()[2].dataSync());
  const dropout = m.layers[5] as tf.layers.Layer & { seed?: number };
  assert.is(dropout.getClassName(), 'Dropout');
  const seedBefore = dropout.seed;
  // The seed each training call of the layer sees (onBatch would be too late: a batch's event comes after the
  // next batch has been queued).
  const seen = new Set<number | undefined>();
  type Call = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];
  const layerCall = (dropout as unknown as { call: Call }).call.bind(dropout);
  (dropout as unknown as { call: Call }).call = (inputs, kwargs) => {
    if (kwargs.training === true) seen.add(dropout.seed);
    return layerCall(inputs, kwargs);
  };
  await fitModel(m, train, val, base({ epochs: 1 }));
  assert.not.equal(Array.from(bn.getWeights()[2].dataSync()), movingBefore, 'moving mean moved');
  assert.is(seen.size, 5, 'one dropout seed per batch');
  assert.is(dropout.seed, seedBefore, 'original seed restored');
  m.dispose();
});

Train('one training step moves the BatchNorm statistics by batchNormMomentum towards the pooled batch statistics', async () => {
  const momentum = 0.9;
  const m = small(8, { batchNormMomentum: momentum });
  const bn = m.layers[3];
  // The BatchNorm sees the pooled output of both convolutions; the step's forward pass uses the initial weights.
  const [batchMean, batchVar] = tf.tidy(() => {
    let x: tf.Tensor = tf.tensor4d(train.x, [train.count, ...SHAPE]);
    for (const layer of m.layers.slice(0, 3)) x = layer.apply(x) as tf.Tensor;
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return [Array.from(mean.dataSync()), Array.from(variance.dataSync())];
  });
  assert.ok(
    batchMean.some((v) => v > 1e-3),
    'the pooled features are not all zero',
  );
  // One batch holding the whole set, so the step's batch statistics are those of the set.
  await fitModel(m, train, val, base({ epochs: 1, batchSize: train.count }));
  const [, , movingMean, movingVar] = bn.getWeights().map((t) => Array.from(t.dataSync()));
  const close = (got: number[], want: number[], what: string): void => {
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5 * Math.max(1, Math.abs(want[i])), `${what}[${i}] ${v} vs ${want[i]}`));
  };
  // Keras/tfjs rule: moving = momentum · moving + (1 − momentum) · batch, starting from mean 0, variance 1.
  close(
    movingMean,
    batchMean.map((v) => (1 - momentum) * v),
    'moving mean',
  );
  close(
    movingVar,
    batchVar.map((v) => momentum + (1 - momentum) * v),
    'moving variance',
  );
  m.dispose();
});

Train('no tensor leaks: the count is the same after every epoch and back to the start after fit', async () => {
  const m = small(4);
  const start = tf.memory().numTensors;
  const counts: number[] = [];
  await fitModel(
    m,
    train,
    val,
    base({
      epochs: 3,
      augment: { rotation: 5 },
      oversample: true,
      classWeight: 'balanced',
      loss: { focal: { gamma: 2 } },
      trainMetrics: 'running',
      earlyStopping: { monitor: 'val_auc', patience: 5, restoreBestWeights: true },
      onEpoch: () => counts.push(tf.memory().numTensors),
    }),
  );
  assert.is(counts.length, 3);
  assert.ok(
    counts.every((c) => c === counts[0]),
    `per-epoch counts ${counts.join(', ')}`,
  );
  assert.is(tf.memory().numTensors, start, 'optimizer state released');
  m.dispose();
});

Train('training batches: every sample each epoch, fresh augmentation per epoch, seeded, sources untouched', async () => {
  const size = 64;
  const policy = { rotation: 20, translate: 0.1, brightness: 0.1 };
  const opts = { batchSize: 8, seed: 4, augment: policy };
  const trainX = Float32Array.from(train.x);
  /** pixels of each sample as the epoch delivered them */
  const delivered = async (epoch: number, o: typeof opts | Omit<typeof opts, 'augment'> = opts): Promise<Map<number, Float32Array>> => {
    const batches = epochBatches(train, o, epoch);
    const out = new Map<number, Float32Array>();
    let k = 0;
    for await (const { pixels, labels } of batches.batches()) {
      for (let i = 0; i < labels.length; i++, k++) {
        const sample = batches.order[k];
        assert.is(labels[i], train.y[sample], 'label follows its image');
        out.set(sample, pixels.slice(i * size, (i + 1) * size));
      }
    }
    assert.is(k, train.count);
    return out;
  };
  const e1 = await delivered(1);
  const again = await delivered(1);
  const e2 = await delivered(2);
  const clean = await delivered(1, { batchSize: 8, seed: 4 });
  assert.is(e1.size, train.count, 'every sample once');
  let changedByEpoch = 0;
  for (let s = 0; s < train.count; s++) {
    const source = train.x.subarray(s * size, (s + 1) * size);
    assert.equal(Array.from(clean.get(s) as Float32Array), Array.from(source), `no policy: sample ${s} exact`);
    assert.equal(Array.from(again.get(s) as Float32Array), Array.from(e1.get(s) as Float32Array), `seeded: sample ${s}`);
    assert.not.equal(Array.from(e1.get(s) as Float32Array), Array.from(source), `sample ${s} augmented`);
    if (Array.from(e1.get(s) as Float32Array).some((v, i) => v !== (e2.get(s) as Float32Array)[i])) changedByEpoch++;
  }
  assert.is(changedByEpoch, train.count, 'each sample is transformed differently in epoch 2');
  assert.equal(Array.from(train.x), Array.from(trainX), 'source pixels untouched');
});

Train('validation data is never augmented: val scores in the logs equal a clean predict', async () => {
  const m = small(6);
  const valX = Float32Array.from(val.x);
  const trainX = Float32Array.from(train.x);
  let lastVal: Float32Array | undefined;
  await fitModel(
    m,
    train,
    val,
    base({
      epochs: 1,
      augment: { brightness: 0.5, contrast: 0.5, rotation: 30 },
      metrics: (labels, scores) => {
        if (labels === val.y) lastVal = Float32Array.from(scores);
        return metrics(labels, scores);
      },
    }),
  );
  assert.ok(lastVal, 'metrics saw the validation set');
  assert.equal(Array.from(lastVal as Float32Array), Array.from(await predictScores(m, val)));
  assert.equal(Array.from(val.x), Array.from(valX), 'validation pixels untouched');
  assert.equal(Array.from(train.x), Array.from(trainX), 'training pixels untouched');
  m.dispose();
});

Train("early stopping with restoreBestWeights leaves the best epoch's model, also after save/load", async () => {
  // The metric function is a parameter: script val_auc so the best epoch is known (2 of 4).
  const script = [0.6, 0.9, 0.8, 0.7, 0.95];
  const valScoresByEpoch: Float32Array[] = [];
  const scripted = (labels: Float32Array, scores: Float32Array): Record<string, number> => {
    if (labels !== val.y) return metrics(labels, scores);
    valScoresByEpoch.push(Float32Array.from(scores));
    return { ...metrics(labels, scores), auc: script[valScoresByEpoch.length - 1] };
  };
  const m = small(7);
  const bests: (number | undefined)[] = [];
  const patience: (number | undefined)[] = [];
  const r = await fitModel(
    m,
    train,
    val,
    base({
      epochs: 5,
      metrics: scripted,
      optimizer: { learningRate: 0.01 },
      earlyStopping: { monitor: 'val_auc', patience: 2, restoreBestWeights: true },
      onEpoch: (e) => {
        bests.push(e.best?.epoch);
        patience.push(e.patienceLeft);
      },
    }),
  );
  assert.is(r.epochsRun, 4);
  assert.ok(r.stoppedEarly);
  assert.is(r.bestEpoch, 2);
  assert.ok(r.restoredBest);
  assert.equal(bests, [1, 2, 2, 2]);
  assert.equal(patience, [2, 2, 1, 0]);
  assert.is(r.history[1].val_auc, 0.9);
  assert.not.equal(Array.from(valScoresByEpoch[1]), Array.from(valScoresByEpoch[3]), 'the weights did change after epoch 2');
  const now = await predictScores(m, val);
  assert.equal(Array.from(now), Array.from(valScoresByEpoch[1]), 'scores of the best epoch, not the last');
  const dir = await mkdtemp(path.join(tmpdir(), 'medpipe-train-'));
  try {
    await saveModel(m, path.join(dir, 'model'));
    const loaded = await loadModel(path.join(dir, 'model'));
    assert.equal(Array.from(await predictScores(loaded, val)), Array.from(valScoresByEpoch[1]), 'saved model = best epoch');
    loaded.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  m.dispose();

  // Without restore the model keeps the last epoch's weights.
  valScoresByEpoch.length = 0;
  const k = small(7);
  const r2 = await fitModel(
    k,
    train,
    val,
    base({ epochs: 5, metrics: scripted, optimizer: { learningRate: 0.01 }, earlyStopping: { monitor: 'val_auc', patience: 2 } }),
  );
  assert.not.ok(r2.restoredBest);
  assert.equal(Array.from(await predictScores(k, val)), Array.from(valScoresByEpoch[3]));
  k.dispose();
});

Train('early stopping follows Keras: mode auto, patience, minDelta, NaN never improves', () => {
  assert.is(resolveMode('val_auc'), 'max');
  assert.is(resolveMode('accuracy'), 'max');
  assert.is(resolveMode('val_specificity_at_sensitivity'), 'max');
  assert.is(resolveMode('val_loss'), 'min');
  assert.is(resolveMode('val_fp'), 'min');
  assert.is(resolveMode('val_fp', 'max'), 'max');
  assert.throws(
    () => resolveMode('val_widgets'),
    (e: unknown) => e instanceof MedpipeError && e.code === 'INVALID_CONFIG' && /mode/.test(e.fix ?? ''),
  );
  const fake = { weights: [] } as unknown as tf.LayersModel;
  const run = (options: ConstructorParameters<typeof EarlyStopping>[0], values: number[]): number => {
    const s = new EarlyStopping(options);
    for (let i = 0; i < values.length; i++) if (s.update(i + 1, { [options.monitor]: values[i] }, fake)) return i + 1;
    return -1;
  };
  assert.is(run({ monitor: 'val_loss' }, [1, 0.9, 0.95, 0.5]), 3, 'patience 0 stops at the first non-improvement');
  assert.is(run({ monitor: 'val_loss', patience: 2 }, [1, 0.9, 0.95, 0.91, 0.5]), 4);
  assert.is(run({ monitor: 'val_loss', patience: 2 }, [1, 0.9, 0.95, 0.8, 0.85, 0.7]), -1);
  assert.is(run({ monitor: 'val_auc', patience: 1, minDelta: 0.05 }, [0.5, 0.52, 0.6]), 2, 'a gain below minDelta does not count');
  assert.is(run({ monitor: 'val_auc', patience: 1 }, [0.5, NaN]), 2);
  assert.throws(
    () => new EarlyStopping({ monitor: 'val_loss', patience: -1 }),
    (e: unknown) => e instanceof MedpipeError && e.code === 'INVALID_CONFIG',
  );
});

Train('epochLogKeys lists the keys the logs will have', async () => {
  assert.equal(epochLogKeys(['accuracy', 'auc']), ['loss', 'accuracy', 'auc', 'val_loss', 'val_accuracy', 'val_auc']);
  assert.equal(epochLogKeys(['auc'], false), ['loss', 'auc']);
});

Train('an unknown monitor names the available keys', async () => {
  const m = small(8);
  try {
    await fitModel(m, train, val, base({ epochs: 1, earlyStopping: { monitor: 'val_recall', mode: 'max' } }));
    assert.unreachable('should throw');
  } catch (error) {
    assert.instance(error, MedpipeError);
    assert.is((error as MedpipeError).code, 'INVALID_CONFIG');
    assert.match((error as MedpipeError).message, /val_recall.*loss, accuracy, auc, val_loss, val_accuracy, val_auc/);
  }
  m.dispose();
});

Train('cancellation stops mid-epoch, promptly, without leaking tensors', async () => {
  const m = small(9);
  const start = tf.memory().numTensors;
  const controller = new AbortController();
  const seen: number[] = [];
  try {
    await fitModel(
      m,
      train,
      val,
      base({
        epochs: 3,
        signal: controller.signal,
        onBatch: (e) => {
          seen.push(e.batch);
          if (e.batch === 2) controller.abort();
        },
      }),
    );
    assert.unreachable('should be cancelled');
  } catch (error) {
    assert.instance(error, MedpipeError);
    assert.is((error as MedpipeError).code, 'CANCELLED');
  }
  assert.equal(seen, [1, 2], 'no batch ran after the abort');
  assert.is(tf.memory().numTensors, start);
  // An abort from outside (a timer) arrives between batches because the loop yields.
  const outside = new AbortController();
  let count = 0;
  setTimeout(() => outside.abort(), 30);
  try {
    await fitModel(
      m,
      train,
      val,
      base({
        epochs: 50,
        signal: outside.signal,
        onBatch: () => {
          count++;
        },
      }),
    );
    assert.unreachable('should be cancelled');
  } catch (error) {
    assert.is((error as MedpipeError).code, 'CANCELLED');
  }
  assert.ok(count < 250, `stopped after ${count} of 250 batches`);
  m.dispose();
});

Train('oversampling balances each epoch, keeps every sample, and reshuffles per epoch', () => {
  const labels = Float32Array.from([1, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
  const e1 = epochOrder(labels, true, 3, 1);
  const e2 = epochOrder(labels, true, 3, 2);
  assert.is(e1.length, 16, '8 negatives + 8 positives');
  assert.is(Array.from(e1).filter((i) => labels[i] === 1).length, 8);
  for (let i = 0; i < 10; i++) assert.ok(e1.includes(i), `sample ${i} present`);
  assert.equal(Array.from(epochOrder(labels, true, 3, 1)), Array.from(e1), 'seeded');
  assert.not.equal(Array.from(e1), Array.from(e2), 'another epoch, another order');
  const plain = epochOrder(labels, false, 3, 1);
  assert.equal(
    Array.from(plain).sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
});

Train('bad inputs are clear errors', async () => {
  const m = small(10);
  const wrong: FitData = { ...train, shape: [4, 16, 1] };
  try {
    await fitModel(m, wrong, val, base());
    assert.unreachable();
  } catch (error) {
    assert.is((error as MedpipeError).code, 'SHAPE_MISMATCH');
    assert.match((error as Error).message, /expects images of \[8, 8, 1\]/);
  }
  try {
    await fitModel(m, { ...train, count: 41 }, val, base());
    assert.unreachable();
  } catch (error) {
    assert.is((error as MedpipeError).code, 'SHAPE_MISMATCH');
  }
  try {
    await fitModel(m, train, val, base({ epochs: 0 }));
    assert.unreachable();
  } catch (error) {
    assert.is((error as MedpipeError).code, 'INVALID_CONFIG');
  }
  m.dispose();
});

Train.run();
