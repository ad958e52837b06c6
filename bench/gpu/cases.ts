/**
 * Kernel cases for the cuda backend, run on two backends and compared (max over outputs of the normwise
 * relative error ‖a − b‖ / ‖b‖). The same cases check the CUDA code on a GPU (bench/gpu/check.ts) and the
 * backend's TypeScript against the mock device in CI (tests/unit/backend/cuda-backend.test.ts).
 * Inputs come from a seeded generator, so both backends see the same numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { FusedAdam } from '../../src/backend/fused-adam.ts';

export interface KernelCase {
  readonly name: string;
  /** Kernels the case is there to exercise (the device path, not a fallback, should run them). */
  readonly kernels: readonly string[];
  /** Whether the GPU may compute it in TF32 (convolutions), which loosens the tolerance. */
  readonly tf32?: boolean;
  readonly run: () => tf.Tensor | tf.Tensor[];
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let seedCounter = 1;
/** A tensor of uniform numbers in [lo, hi) from a per-call seed (the same on every backend for a given case order). */
function rand(shape: number[], lo = -1, hi = 1, seed = seedCounter++): tf.Tensor {
  const next = rng(seed * 7919);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * next();
  return tf.tensor(v, shape);
}

const unary = (name: string, fn: (x: tf.Tensor) => tf.Tensor, lo = -3, hi = 3): KernelCase => ({
  name, kernels: [name], run: () => fn(rand([2, 3, 50], lo, hi, 11)),
});

/** Gradients of sum(f(inputs) · r) with respect to every input, plus f itself. */
function withGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: () => tf.Tensor[]): () => tf.Tensor[] {
  return () => {
    const xs = inputs();
    const y = f(...xs);
    const r = rand(y.shape, -1, 1, 999);
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), r)))(xs);
    return [y, ...grads];
  };
}

export const KERNEL_CASES: readonly KernelCase[] = [
  unary('Relu', tf.relu), unary('Relu6', tf.relu6), unary('Sigmoid', tf.sigmoid), unary('Tanh', tf.tanh),
  unary('Square', tf.square), unary('Sqrt', tf.sqrt, 0.01, 4), unary('Rsqrt', tf.rsqrt, 0.01, 4), unary('Exp', tf.exp),
  unary('Log', tf.log, 0.01, 4), unary('Log1p', tf.log1p, -0.9, 4), unary('Neg', tf.neg), unary('Abs', tf.abs),
  unary('Elu', tf.elu), unary('LeakyRelu', (x) => tf.leakyRelu(x, 0.3)), unary('Reciprocal', tf.reciprocal, 0.1, 3),
  unary('Floor', tf.floor), unary('Ceil', tf.ceil), unary('Round', tf.round), unary('Sign', tf.sign),
  unary('Softplus', tf.softplus), unary('Expm1', tf.expm1), unary('ClipByValue', (x) => tf.clipByValue(x, -0.5, 0.7)),
  unary('Sin', tf.sin), unary('Cos', tf.cos), unary('Erf', tf.erf), unary('Selu', tf.selu), unary('Step', (x) => tf.step(x, 0.25)),
  { name: 'Add same shape', kernels: ['Add'], run: () => tf.add(rand([3, 70]), rand([3, 70])) },
  { name: 'Add broadcast', kernels: ['Add'], run: () => tf.add(rand([4, 1, 3]), rand([5, 1])) },
  { name: 'Sub host scalar', kernels: ['Sub'], run: () => tf.sub(rand([40, 9]), tf.scalar(1.5)) },
  { name: 'Sub scalar first', kernels: ['Sub'], run: () => tf.sub(tf.scalar(2), rand([40, 9])) },
  { name: 'Multiply row broadcast', kernels: ['Multiply'], run: () => tf.mul(rand([2, 3, 4, 8]), rand([8])) },
  { name: 'RealDiv', kernels: ['RealDiv'], run: () => tf.div(rand([5, 6]), rand([5, 6], 0.5, 2)) },
  { name: 'Maximum', kernels: ['Maximum'], run: () => tf.maximum(rand([5, 6]), rand([6])) },
  { name: 'Minimum', kernels: ['Minimum'], run: () => tf.minimum(rand([5, 6]), rand([5, 1])) },
  { name: 'SquaredDifference', kernels: ['SquaredDifference'], run: () => tf.squaredDifference(rand([7, 6]), rand([7, 6])) },
  { name: 'Pow', kernels: ['Pow'], run: () => tf.pow(rand([7, 6], 0.1, 3), rand([7, 6], -2, 2)) },
  { name: 'DivNoNan', kernels: ['DivNoNan'], run: () => tf.divNoNan(rand([4, 5]), tf.relu(rand([4, 5]))) },
  { name: 'FloorDiv', kernels: ['FloorDiv'], run: () => tf.floorDiv(rand([4, 5], -9, 9), rand([4, 5], 1, 3)) },
  { name: 'Prelu', kernels: ['Prelu'], run: () => tf.prelu(rand([3, 4, 5]), rand([5], 0, 0.5)) },
  { name: 'Relu gradient (fused)', kernels: ['MedpipeReluGrad'], run: withGrads((x) => tf.relu(x), () => [rand([6, 7, 8])]) },
  { name: 'Elu gradient', kernels: ['EluGrad'], run: withGrads((x) => tf.elu(x), () => [rand([6, 7])]) },
  { name: 'Comparisons', kernels: ['Greater', 'LessEqual', 'Equal', 'NotEqual', 'Less', 'GreaterEqual'],
    run: () => {
      const a = tf.round(rand([4, 6], -2, 2)), b = tf.round(rand([6], -2, 2));
      return [tf.greater(a, b), tf.lessEqual(a, b), tf.equal(a, b), tf.notEqual(a, b), tf.less(a, b), tf.greaterEqual(a, b)].map((t) => tf.cast(t, 'float32'));
    } },
  { name: 'Logic and Select', kernels: ['LogicalAnd', 'LogicalOr', 'LogicalNot', 'Select'],
    run: () => {
      const a = tf.greater(rand([5, 8]), 0), b = tf.greater(rand([8]), 0);
      const c = tf.logicalAnd(a, b), d = tf.logicalOr(a, b);
      return [tf.cast(c, 'float32'), tf.cast(tf.logicalNot(d), 'float32'), tf.where(c, rand([5, 8]), rand([5, 8]))];
    } },
  { name: 'Cast', kernels: ['Cast'], run: () => {
    const x = rand([30], -5, 5);
    return [tf.cast(tf.cast(x, 'int32'), 'float32'), tf.cast(tf.cast(x, 'bool'), 'float32')];
  } },
  { name: 'Fills', kernels: ['ZerosLike', 'OnesLike', 'Fill', 'AddN'], run: () => {
    const x = rand([20, 5]);
    return [tf.add(tf.zerosLike(x), x), tf.onesLike(x), tf.fill([30, 30], 3.5), tf.addN([x, x, tf.onesLike(x)])];
  } },
  { name: 'Sum columns', kernels: ['Sum'], run: () => tf.sum(rand([3000, 70]), 0) },
  { name: 'Mean over batch and space (BN statistics)', kernels: ['Mean'], run: () => tf.mean(rand([4, 9, 9, 16]), [0, 1, 2], true) },
  { name: 'Sum all (chunked)', kernels: ['Sum'], run: () => tf.sum(rand([100000])) },
  { name: 'Max last axis', kernels: ['Max'], run: () => tf.max(rand([30, 17]), -1) },
  { name: 'Min and Prod', kernels: ['Min', 'Prod'], run: () => [tf.min(rand([30, 17]), 0), tf.prod(rand([6, 5], 0.5, 1.5), 1)] },
  { name: 'Sum non-contiguous axes', kernels: ['Sum', 'Transpose'], run: () => tf.sum(rand([3, 4, 5, 6]), [0, 2]) },
  { name: 'Transpose', kernels: ['Transpose'], run: () => tf.transpose(rand([2, 3, 4, 5]), [3, 0, 2, 1]) },
  { name: 'Slice', kernels: ['Slice'], run: () => tf.slice(rand([6, 7, 8]), [1, 2, 3], [4, 3, -1]) },
  { name: 'Tile', kernels: ['Tile'], run: () => tf.tile(rand([2, 3, 1]), [2, 1, 4]) },
  { name: 'Concat', kernels: ['Concat'], run: () => tf.concat([rand([2, 3, 4]), rand([2, 5, 4]), rand([2, 1, 4])], 1) },
  { name: 'Pad', kernels: ['PadV2'], run: () => tf.pad(rand([3, 4, 2]), [[1, 2], [0, 1], [2, 0]], 0.5) },
  { name: 'Conv2D same 5x5 and gradients', kernels: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'], tf32: true,
    run: withGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), () => [rand([2, 12, 12, 3]), rand([5, 5, 3, 8])]) },
  { name: 'Conv2D valid stride 2 and gradients', kernels: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'], tf32: true,
    run: withGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid'), () => [rand([2, 11, 11, 4]), rand([3, 3, 4, 6])]) },
  { name: 'Conv2D same stride 2, asymmetric pads, gradients', kernels: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'], tf32: true,
    run: withGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'), () => [rand([2, 10, 10, 4]), rand([3, 3, 4, 5])]) },
  { name: 'Conv2D dilated', kernels: ['Conv2D'], tf32: true,
    run: () => tf.conv2d(rand([1, 13, 13, 2]) as tf.Tensor4D, rand([3, 3, 2, 4]) as tf.Tensor4D, 1, 'same', 'NHWC', 2) },
  { name: 'FusedConv2D bias + relu', kernels: ['FusedConv2D'], tf32: true,
    run: () => tf.fused.conv2d({ x: rand([2, 9, 9, 3]) as tf.Tensor4D, filter: rand([3, 3, 3, 6]) as tf.Tensor4D, strides: 1, pad: 'same', bias: rand([6]), activation: 'relu' }) },
  { name: 'MatMul and transposes', kernels: ['BatchMatMul'], run: () => {
    const a = rand([7, 5]), b = rand([5, 9]);
    return [tf.matMul(a, b), tf.matMul(tf.transpose(a), b, true, false), tf.matMul(a, tf.transpose(b), false, true)];
  } },
  { name: 'Batched and broadcast MatMul', kernels: ['BatchMatMul'], run: () => [tf.matMul(rand([3, 4, 5]), rand([3, 5, 2])), tf.matMul(rand([1, 4, 5]), rand([3, 5, 2]))] },
  { name: 'Fused MatMul bias + sigmoid, gradients', kernels: ['_FusedMatMul', 'BatchMatMul'],
    run: withGrads((a, b, bias) => tf.fused.matMul({ a, b, bias, activation: 'sigmoid' }), () => [rand([6, 20]), rand([20, 3]), rand([3])]) },
  { name: 'MaxPool 2x2 and gradient', kernels: ['MaxPool', 'MaxPoolGrad'],
    run: withGrads((x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), () => [rand([2, 8, 8, 5])]) },
  { name: 'MaxPool 3x3 same and gradient', kernels: ['MaxPool', 'MaxPoolGrad'],
    run: withGrads((x) => tf.maxPool(x as tf.Tensor4D, 3, 1, 'same'), () => [rand([1, 7, 7, 3])]) },
  { name: 'AvgPool and gradient', kernels: ['AvgPool', 'AvgPoolGrad'],
    run: withGrads((x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'same'), () => [rand([2, 9, 9, 4])]) },
  { name: 'BatchNorm and gradients', kernels: ['FusedBatchNorm'],
    run: withGrads((x, m, v, o, s) => tf.batchNorm(x, m, v, o, s, 1e-3), () => [rand([3, 5, 5, 6]), rand([6]), rand([6], 0.5, 2), rand([6]), rand([6], 0.5, 1.5)]) },
  { name: 'Depthwise conv (CPU fallback)', kernels: [],
    run: () => tf.depthwiseConv2d(rand([1, 6, 6, 2]) as tf.Tensor4D, rand([3, 3, 2, 2]) as tf.Tensor4D, 1, 'same') },
];

/** ‖a − b‖ / max(‖b‖, tiny); NaN anywhere counts as Infinity. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    if (Number.isNaN(d)) {
      if (!(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return Infinity;
      continue;
    }
    if (!Number.isFinite(d)) {
      if (a[i] !== b[i]) return Infinity;
      continue;
    }
    num += d * d;
    den += b[i] * b[i];
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

export interface CaseResult {
  readonly name: string;
  readonly error: number;
  readonly tf32: boolean;
  /** Kernels of the case that ran as CPU fallbacks on the backend under test. */
  readonly fellBack: string[];
}

/** Outputs of one case on the active backend, as plain arrays. */
function outputs(c: KernelCase): Float32Array[] {
  seedCounter = 1; // the same inputs on every backend
  const out = tf.tidy(() => {
    const r = c.run();
    return Array.isArray(r) ? r : [r];
  });
  const values = out.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(out);
  return values;
}

/** Runs every case on `test` and on `reference` and returns the errors. */
export async function compareKernels(test: string, reference: string, cases: readonly KernelCase[] = KERNEL_CASES): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    await tf.setBackend(reference);
    const want = outputs(c);
    await tf.setBackend(test);
    const backend = tf.backend() as { fallbacks?: Map<string, number> };
    const before = new Map(backend.fallbacks ?? []);
    const got = outputs(c);
    const fellBack = c.kernels.filter((k) => (backend.fallbacks?.get(k) ?? 0) > (before.get(k) ?? 0));
    const error = want.length === got.length ? Math.max(...want.map((w, i) => relativeError(got[i], w))) : Infinity;
    results.push({ name: c.name, error, tf32: c.tf32 ?? false, fellBack });
  }
  return results;
}

/**
 * A small tutorial-shaped CNN (no dropout: the two backends draw different masks). The second convolution has
 * no bias: BatchNorm right after it cancels a bias, so that bias's gradient is rounding noise (~1e-7), which
 * Adam scales up to full-size steps of either sign on either backend.
 */
export function smallCnn(seed = 3): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 8, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', useBias: false, kernelRegularizer: tf.regularizers.l2({ l2: 1e-3 }), kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.batchNormalization({ momentum: 0.9 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 2 }) }),
    ],
  });
}

/**
 * Trains smallCnn for `steps` Adam steps on each backend (fused Adam where the backend has it) and returns the
 * per-step losses and the final weights' relative error between the two.
 */
export async function compareTraining(test: string, reference: string, steps = 4): Promise<{ losses: [number[], number[]]; weightError: number; lossError: number }> {
  const run = async (backend: string): Promise<{ losses: number[]; weights: Float32Array[] }> => {
    await tf.setBackend(backend);
    const model = smallCnn();
    const optimizer = new FusedAdam(1e-3, 0.92, 0.999, 1e-7);
    const losses: number[] = [];
    for (let s = 0; s < steps; s++) {
      const cost = tf.tidy(() => {
        const x = rand([8, 16, 16, 3], 0, 1, 500 + s), y = tf.cast(tf.greater(rand([8, 1], 0, 1, 600 + s), 0.5), 'float32');
        return optimizer.minimize(() => {
          const pred = model.apply(x, { training: true }) as tf.Tensor;
          const bce = tf.mean(tf.metrics.binaryCrossentropy(y, pred)) as tf.Scalar;
          return model.losses.reduce((sum: tf.Scalar, l) => tf.add(sum, l()) as tf.Scalar, bce);
        }, true)!;
      });
      losses.push((await cost.data())[0]);
      cost.dispose();
    }
    const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
    model.dispose();
    optimizer.dispose();
    return { losses, weights };
  };
  const a = await run(test), b = await run(reference);
  return {
    losses: [a.losses, b.losses],
    lossError: relativeError(a.losses, b.losses),
    weightError: Math.max(...a.weights.map((w, i) => relativeError(w, b.weights[i]))),
  };
}
