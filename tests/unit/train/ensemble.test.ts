// An ensemble is one model whose output is the mean of its members' outputs; it survives the
// model codec (what the cache and the exported model/ hold) and its members can be found again.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { averageModels, ensembleMembers, memberSeed, prefixLayerNames } from '../../../src/train/ensemble.ts';
import { modelFromData, modelToData } from '../../../src/train/model-data.ts';

const E = suite('ensemble');
E.before(async () => {
  await tf.setBackend('cpu');
});

function member(seed: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  return m;
}

E('the output is the mean of the members; the codec round-trips it; the members are found again', async () => {
  const members = [member(1), member(2), member(3)];
  const x = tf.randomNormal([5, 6, 6, 1], 0, 1, 'float32', 7);
  const each = members.map((m) => (m.predict(x) as tf.Tensor).arraySync() as number[][]);
  const ensemble = await averageModels(members);
  const out = (ensemble.predict(x) as tf.Tensor).arraySync() as number[][];
  out.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (each[0]![i]![j]! + each[1]![i]![j]! + each[2]![i]![j]!) / 3) < 1e-6, `[${i}][${j}]`)));
  const back = await modelFromData(await modelToData(ensemble));
  const again = (back.predict(x) as tf.Tensor).arraySync() as number[][];
  again.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - out[i]![j]!) < 1e-6)));
  const found = ensembleMembers(back);
  assert.equal(
    found.map((m) => m.name),
    ['member_1', 'member_2', 'member_3'],
  );
  const first = (found[0]!.predict(x) as tf.Tensor).arraySync() as number[][];
  first.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - each[0]![i]![j]!) < 1e-6, 'member 1 is member 1')));
  assert.equal(ensembleMembers(member(4)), [], 'a plain model has no members');
});

E('member 1 trains with the run seed; the others with seeds of their own', () => {
  assert.is(memberSeed(42, 0), 42);
  const seeds = [1, 2, 3].map((m) => memberSeed(42, m));
  assert.is(new Set([42, ...seeds]).size, 4);
  assert.is(memberSeed(42, 2), memberSeed(42, 2));
});

E.run();

const P = suite('ensemble members from one built model');
P.before(async () => {
  await tf.setBackend('cpu');
});

P('members renamed apart (functional and sequential) save and load as one ensemble with the mean of their outputs', async () => {
  const input = tf.input({ shape: [6, 6, 1] });
  const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }).apply(input) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization().apply(conv) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(bn) as tf.SymbolicTensor;
  const head = tf.layers
    .dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) })
    .apply(flat) as tf.SymbolicTensor;
  for (const built of [await modelToData(tf.model({ inputs: input, outputs: head })), await modelToData(member(9))]) {
    const members = await Promise.all([1, 2].map((m) => modelFromData(prefixLayerNames(built, `m${m}_`))));
    // Train-like change: member 2's weights differ from member 1's.
    members[1]!.setWeights(members[1]!.getWeights().map((w) => w.mul(1.5)));
    assert.ok(
      members[1]!.layers.every((l) => l.name.startsWith('m2_')),
      members[1]!.layers.map((l) => l.name).join(),
    );
    const x = tf.randomNormal([4, 6, 6, 1], 0, 1, 'float32', 3);
    const each = members.map((m) => (m.predict(x) as tf.Tensor).arraySync() as number[][]);
    const back = await modelFromData(await modelToData(await averageModels(members)));
    const out = (back.predict(x) as tf.Tensor).arraySync() as number[][];
    out.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (each[0]![i]![j]! + each[1]![i]![j]!) / 2) < 1e-6)));
    assert.not.equal(each[0], each[1]);
  }
});

P.run();
