import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { restoreStockCpuKernels, useFastCpuKernels } from '../../../src/backend/cpu-kernels.ts';

const Kernels = suite('cpu-kernels');

Kernels.before(async () => {
  await tf.setBackend('cpu');
});
Kernels.after(() => {
  restoreStockCpuKernels();
});

/** d(sum(conv2d(x, f) · dy)) / df, i.e. Conv2DBackpropFilter(x, dy). */
function filterGrad(x: tf.Tensor4D, filterShape: [number, number, number, number], strides: number, pad: 'same' | 'valid', seed: number): Float32Array {
  return tf.tidy(() => {
    const f = tf.randomNormal(filterShape, 0, 1, 'float32', seed) as tf.Tensor4D;
    const out = tf.conv2d(x, f, strides, pad);
    const dy = tf.randomNormal(out.shape, 0, 1, 'float32', seed + 1);
    const g = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, strides, pad), dy)))(f);
    return g.dataSync() as Float32Array;
  });
}

Kernels('the fast Conv2DBackpropFilter equals the stock kernel (to float32 rounding)', () => {
  const cases: { x: [number, number, number, number]; f: [number, number, number, number]; s: number; p: 'same' | 'valid' }[] = [
    { x: [2, 7, 9, 1], f: [5, 5, 1, 6], s: 1, p: 'same' },
    { x: [3, 8, 8, 3], f: [3, 3, 3, 4], s: 1, p: 'valid' },
    { x: [2, 9, 7, 2], f: [3, 2, 2, 5], s: 2, p: 'same' },
    { x: [1, 10, 10, 4], f: [4, 4, 4, 3], s: 3, p: 'valid' },
  ];
  for (const [i, c] of cases.entries()) {
    // Half the inputs exactly zero, as after a ReLU (the fast path skips them).
    const x = tf.tidy(() => tf.relu(tf.randomNormal(c.x, 0, 1, 'float32', 10 + i)) as tf.Tensor4D);
    restoreStockCpuKernels();
    const stock = filterGrad(x, c.f, c.s, c.p, 20 + i);
    assert.ok(useFastCpuKernels());
    const fast = filterGrad(x, c.f, c.s, c.p, 20 + i);
    assert.is(fast.length, stock.length);
    for (let k = 0; k < stock.length; k++) {
      const tol = 1e-6 * Math.max(1, Math.abs(stock[k]));
      assert.ok(Math.abs(fast[k] - stock[k]) <= tol, `case ${i} [${k}]: ${fast[k]} vs ${stock[k]}`);
    }
    x.dispose();
  }
});

Kernels('useFastCpuKernels is idempotent and reversible: it swaps the registered kernel in and out', () => {
  // How much faster it is belongs to the benchmark (npm run bench), not to a unit test's clock.
  const registered = () => tf.getKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc;
  restoreStockCpuKernels();
  const stock = registered();
  assert.ok(useFastCpuKernels());
  const fast = registered();
  assert.ok(useFastCpuKernels());
  assert.is(registered(), fast, 'a second call changes nothing');
  assert.is.not(fast, stock, 'the fast kernel is registered');
  const x = tf.tidy(() => tf.relu(tf.randomNormal([2, 8, 8, 4], 0, 1, 'float32', 1)) as tf.Tensor4D);
  const withFast = filterGrad(x, [3, 3, 4, 6], 1, 'same', 2);
  restoreStockCpuKernels();
  assert.is(registered(), stock, 'restored');
  const withStock = filterGrad(x, [3, 3, 4, 6], 1, 'same', 2);
  for (let k = 0; k < withStock.length; k++) assert.ok(Math.abs(withFast[k]! - withStock[k]!) <= 1e-6 * Math.max(1, Math.abs(withStock[k]!)), `[${k}]`);
  x.dispose();
});

Kernels.run();
