/**
 * Every kernel the native backend overrides, against tfjs' own CPU backend on random shapes: strides 1-2,
 * same/valid/explicit padding, dilation, odd sizes, broadcasting. Error measure: max |native - cpu| over
 * max |cpu| (normwise relative error), at most 1e-4. Each case also checks that the addon really ran
 * (a silent fallback to the CPU kernel would make the comparison vacuous).
 */
import * as tf from '@tensorflow/tfjs';
import { suite } from 'uvu';
import { nativeAddon, requires } from '../../helpers/requires.ts';
import * as assert from 'uvu/assert';
import { loadAddon, type NativeAddon } from '../../../src/backend/native-addon.ts';
import { oneDnnCanRun } from '../../../src/backend/native-conv.ts';
import { loadNativeBackend, nativeKernelNames } from '../../../src/backend/native.ts';
import { prng as rng } from '../../helpers/prng.ts';

const TOL = 1e-4;
const addonLoad = loadAddon();
const test = suite('native kernels');

const rand = rng(20240607);
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

interface Input {
  readonly shape: number[];
  readonly data: Float32Array | Int32Array;
  readonly dtype?: 'float32' | 'int32';
}
function uniform(shape: number[], lo = -1, hi = 1): Input {
  const n = shape.reduce((p, d) => p * d, 1);
  return { shape, data: Float32Array.from({ length: n }, () => lo + (hi - lo) * rand()) };
}

/** Largest error seen per kernel, printed at the end for the record. */
const worstByKernel = new Map<string, number>();

/** Counts addon calls, so each case can prove the native path ran. */
const calls = new Map<string, number>();
function spy(addon: NativeAddon): void {
  const target = addon as unknown as Record<string, unknown>;
  for (const [name, fn] of Object.entries(target)) {
    if (typeof fn !== 'function' || (fn as { spied?: boolean }).spied) continue;
    const wrapped = (...args: unknown[]): unknown => {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
    (wrapped as { spied?: boolean }).spied = true;
    target[name] = wrapped;
  }
}
const totalCalls = (): number => [...calls.values()].reduce((p, n) => p + n, 0);

async function runOn(backend: string, kernel: string, inputs: Record<string, Input>, attrs: object): Promise<tf.Tensor[]> {
  await tf.setBackend(backend);
  const ts: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.data.slice(), v.shape, v.dtype ?? 'float32');
  const out = tf.engine().runKernel(kernel, ts as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap);
  Object.values(ts).forEach((t) => t.dispose());
  return Array.isArray(out) ? out : [out as tf.Tensor];
}

/** Runs `kernel` on both backends and asserts agreement; returns the error for the message. */
async function compare(kernel: string, inputs: Record<string, Input>, attrs: object, opts: { native?: boolean } = {}): Promise<number> {
  const label = `${kernel} ${JSON.stringify(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.shape])))} ${JSON.stringify(attrs)}`;
  const want = await runOn('cpu', kernel, inputs, attrs);
  const before = totalCalls();
  let got: tf.Tensor[];
  try {
    got = await runOn('native', kernel, inputs, attrs);
  } catch (error) {
    throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (opts.native !== false) assert.ok(totalCalls() > before, `${label}: native addon was not called`);
  assert.is(got.length, want.length, `${label}: output count`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    assert.equal(got[i].shape, want[i].shape, `${label}: shape`);
    assert.is(got[i].dtype, want[i].dtype, `${label}: dtype`);
    const w = want[i].dataSync(),
      g = got[i].dataSync();
    let scale = 0,
      diff = 0;
    for (let j = 0; j < w.length; j++) {
      if (Number.isNaN(w[j]) !== Number.isNaN(g[j])) assert.unreachable(`${label}: NaN mismatch at ${j}: ${g[j]} vs ${w[j]}`);
      if (Number.isNaN(w[j])) continue;
      scale = Math.max(scale, Math.abs(w[j]));
      diff = Math.max(diff, Math.abs(w[j] - g[j]));
    }
    const err = scale === 0 ? diff : diff / scale;
    worst = Math.max(worst, err);
    worstByKernel.set(kernel, Math.max(worstByKernel.get(kernel) ?? 0, err));
    assert.ok(err <= TOL, `${label}: relative error ${err.toExponential(2)} > ${TOL}`);
  }
  [...want, ...got].forEach((t) => t.dispose());
  return worst;
}

const withAddon = requires(test, nativeAddon(addonLoad));
{
  const addon = addonLoad.ok ? addonLoad.addon : (undefined as never);
  if (addonLoad.ok)
    test.after(() => {
      const summary = [...worstByKernel].map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ');
      console.log(`  worst normwise relative error per kernel: ${summary}`);
    });

  if (addonLoad.ok)
    test.before(async () => {
      const r = await loadNativeBackend();
      assert.ok(r.ok, `loadNativeBackend failed: ${r.ok ? '' : r.reason}`);
      spy(addon);
    });

  withAddon('registers every CPU kernel and overrides the hot ones', async () => {
    const cpu = new Set(tf.getKernelsForBackend('cpu').map((k) => k.kernelName));
    const native = new Set(tf.getKernelsForBackend('native').map((k) => k.kernelName));
    for (const name of cpu) assert.ok(native.has(name), `native backend lacks CPU kernel ${name}`);
    for (const name of [
      'Conv2D',
      'Conv2DBackpropInput',
      'Conv2DBackpropFilter',
      'FusedConv2D',
      'BatchMatMul',
      '_FusedMatMul',
      'Sum',
      'Mean',
      'MaxPool',
      'MaxPoolGrad',
      'Add',
      'Sub',
      'Multiply',
      'RealDiv',
      'Relu',
      'Step',
      'Sigmoid',
      'FusedBatchNorm',
      'Tile',
      'GatherV2',
      'SplitV',
    ]) {
      assert.ok(nativeKernelNames().includes(name), `${name} is not overridden`);
      assert.is.not(tf.getKernel(name, 'native')!.kernelFunc, tf.getKernel(name, 'cpu')!.kernelFunc, name);
    }
  });

  withAddon('loadNativeBackend is idempotent', async () => {
    const a = await loadNativeBackend();
    const b = await loadNativeBackend();
    assert.equal(a, b);
    assert.ok(a.ok && /oneDNN \d/.test(a.info), a.ok ? a.info : a.reason);
  });

  /** A random conv geometry; dilation > 1 only with stride 1 (tfjs' rule). */
  function convCase(): { x: number[]; f: number[]; strides: [number, number]; dilations: [number, number]; pad: 'same' | 'valid' | number } {
    const k = int(1, 5),
      stride = int(1, 2),
      dil = stride === 1 ? int(1, 2) : 1;
    const ext = (k - 1) * dil + 1;
    const h = int(ext, ext + 9),
      w = int(ext, ext + 9);
    return {
      x: [int(1, 3), h, w, int(1, 7)],
      f: [k, pick([k, Math.max(1, k - 1)]), 0, int(1, 9)],
      strides: [stride, pick([1, stride])] as [number, number],
      dilations: [dil, dil],
      pad: pick(['same', 'valid', 1] as const),
    };
  }

  /** tfjs sizes a numeric-pad output with the height's stride and filter; oneDNN cannot, the CPU kernel runs. */
  const native = (c: ReturnType<typeof convCase>): boolean =>
    oneDnnCanRun(
      tf.backend_util.computeConv2DInfo(c.x as [number, number, number, number], c.f as [number, number, number, number], c.strides, c.dilations, c.pad),
    );

  withAddon('Conv2D: random shapes, strides, padding, dilation', async () => {
    for (let i = 0; i < 40; i++) {
      const c = convCase();
      if (c.dilations[0] > 1) c.strides = [1, 1];
      c.f[2] = c.x[3];
      await compare(
        'Conv2D',
        { x: uniform(c.x), filter: uniform(c.f) },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilations },
        { native: native(c) },
      );
    }
    // The tutorial's channel counts, on a smaller image (the pure-JS reference is slow).
    await compare('Conv2D', { x: uniform([2, 24, 24, 3]), filter: uniform([5, 5, 3, 128]) }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 });
    await compare(
      'Conv2D',
      { x: uniform([1, 24, 24, 128], 0, 1), filter: uniform([3, 3, 128, 64]) },
      { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 },
    );
  });

  withAddon('Conv2D: explicit padding, ceil rounding, and the numeric-pad quirk', async () => {
    await compare(
      'Conv2D',
      { x: uniform([2, 12, 7, 1]), filter: uniform([4, 3, 1, 1]) },
      { strides: [2, 1], pad: 1, dataFormat: 'NHWC', dilations: 1 },
      { native: false },
    );
    await compare(
      'Conv2D',
      { x: uniform([2, 9, 11, 3]), filter: uniform([3, 2, 3, 4]) },
      {
        strides: [2, 1],
        pad: [
          [0, 0],
          [1, 2],
          [0, 1],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: 1,
      },
    );
    await compare(
      'Conv2D',
      { x: uniform([1, 10, 10, 2]), filter: uniform([3, 3, 2, 3]) },
      { strides: 2, pad: 1, dataFormat: 'NHWC', dilations: 1, dimRoundingMode: 'ceil' },
    );
  });

  withAddon('Conv2DBackpropInput and Conv2DBackpropFilter: random shapes', async () => {
    for (let i = 0; i < 30; i++) {
      const c = convCase();
      c.f[2] = c.x[3];
      const info = tf.backend_util.computeConv2DInfo(c.x as [number, number, number, number], c.f as [number, number, number, number], c.strides, 1, c.pad);
      const dy = uniform(info.outShape);
      c.dilations = [1, 1];
      await compare(
        'Conv2DBackpropInput',
        { dy, filter: uniform(c.f) },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x, dimRoundingMode: undefined },
        { native: native(c) },
      );
      await compare(
        'Conv2DBackpropFilter',
        { x: uniform(c.x), dy },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f, dimRoundingMode: undefined },
        { native: native(c) },
      );
    }
    // The tutorial's gradients (128->64 data and filter, 3->128 filter), on a smaller image.
    await compare(
      'Conv2DBackpropInput',
      { dy: uniform([1, 24, 24, 64]), filter: uniform([3, 3, 128, 64]) },
      { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [1, 24, 24, 128] },
    );
    await compare(
      'Conv2DBackpropFilter',
      { x: uniform([1, 24, 24, 128], 0, 1), dy: uniform([1, 24, 24, 64]) },
      { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 128, 64] },
    );
    await compare(
      'Conv2DBackpropFilter',
      { x: uniform([2, 24, 24, 3], 0, 1), dy: uniform([2, 24, 24, 128]) },
      { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [5, 5, 3, 128] },
    );
  });

  withAddon('FusedConv2D: bias kinds and activations', async () => {
    const acts = ['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'leakyrelu'] as const;
    for (let i = 0; i < 18; i++) {
      const c = convCase();
      if (c.dilations[0] > 1) c.strides = [1, 1];
      c.f[2] = c.x[3];
      const oc = c.f[3];
      const info = tf.backend_util.computeConv2DInfo(
        c.x as [number, number, number, number],
        c.f as [number, number, number, number],
        c.strides,
        c.dilations,
        c.pad,
      );
      const biasShape = pick([[oc], [1], [info.outHeight, info.outWidth, oc], null] as const);
      const inputs: Record<string, Input> = { x: uniform(c.x), filter: uniform(c.f) };
      if (biasShape) inputs.bias = uniform([...biasShape]);
      await compare(
        'FusedConv2D',
        inputs,
        {
          strides: c.strides,
          pad: c.pad,
          dataFormat: 'NHWC',
          dilations: c.dilations,
          activation: acts[i % acts.length],
          leakyreluAlpha: 0.3,
        },
        { native: native(c) },
      );
    }
  });

  withAddon('BatchMatMul: transposes and batch broadcasting', async () => {
    for (let i = 0; i < 25; i++) {
      const m = int(1, 40),
        n = int(1, 40),
        k = int(1, 70);
      const ta = rand() < 0.5,
        tb = rand() < 0.5;
      const batch = int(1, 4);
      const [ba, bb] = pick([
        [[], []],
        [[batch], [batch]],
        [[1], [batch]],
        [[batch], [1]],
        [
          [2, batch],
          [2, batch],
        ],
      ] as number[][][]);
      const a = uniform([...ba, ...(ta ? [k, m] : [m, k])]);
      const b = uniform([...bb, ...(tb ? [n, k] : [k, n])]);
      if (a.shape.length < 3 || b.shape.length < 3) continue;
      await compare('BatchMatMul', { a, b }, { transposeA: ta, transposeB: tb });
    }
    // Dense layer of the tutorial: [32, 65536] x [65536, 1], and its two gradients.
    await compare('BatchMatMul', { a: uniform([1, 32, 4096]), b: uniform([1, 4096, 1]) }, { transposeA: false, transposeB: false });
    await compare('BatchMatMul', { a: uniform([1, 32, 4096]), b: uniform([1, 32, 1]) }, { transposeA: true, transposeB: false });
    await compare('BatchMatMul', { a: uniform([1, 32, 1]), b: uniform([1, 4096, 1]) }, { transposeA: false, transposeB: true });
  });

  withAddon('_FusedMatMul: bias and activations', async () => {
    const acts = ['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'leakyrelu'] as const;
    for (let i = 0; i < 12; i++) {
      const m = int(1, 20),
        n = int(1, 20),
        k = int(1, 50);
      const inputs: Record<string, Input> = { a: uniform([1, m, k]), b: uniform([1, k, n]) };
      const bias = pick([[n], [1], [m, n], null] as const);
      if (bias) inputs.bias = uniform([...bias]);
      await compare('_FusedMatMul', inputs, { transposeA: false, transposeB: false, activation: acts[i % acts.length], leakyreluAlpha: 0.1 });
    }
  });

  withAddon('binary ops with broadcasting', async () => {
    const shapes: [number[], number[]][] = [
      [
        [3, 5, 7],
        [3, 5, 7],
      ],
      [[3, 5, 7], []],
      [[], [4, 2]],
      [[2, 6, 6, 5], [5]],
      [
        [2, 6, 6, 5],
        [1, 6, 1, 5],
      ],
      [
        [2, 1, 6, 1],
        [1, 4, 1, 3],
      ],
      [[7], [3, 1]],
      [
        [1, 1],
        [1, 1],
      ],
      [
        [4, 1, 5],
        [4, 3, 5],
      ],
      [[32, 33, 33, 8], [8]],
      [[40000], [40000]],
      [[2, 200, 300], [1]],
      [[5, 3], [5, 3, 1, 1].slice(0, 2)],
      [
        [6, 1, 1, 2],
        [6, 3, 4, 1],
      ],
    ];
    for (const op of ['Add', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'SquaredDifference']) {
      for (const [sa, sb] of shapes) {
        const b = uniform(sb, op === 'RealDiv' ? 0.5 : -1, op === 'RealDiv' ? 2 : 1);
        await compare(op, { a: uniform(sa), b }, {});
      }
    }
    // int32 stays on the CPU kernel and keeps its dtype.
    await compare(
      'Add',
      { a: { shape: [3], data: Int32Array.of(1, 2, 3), dtype: 'int32' }, b: { shape: [3], data: Int32Array.of(4, 5, 6), dtype: 'int32' } },
      {},
      { native: false },
    );
  });

  withAddon('unary ops', async () => {
    const positive = new Set(['Sqrt', 'Rsqrt', 'Log', 'Reciprocal']);
    const ops = [
      'Relu',
      'Relu6',
      'Step',
      'Sigmoid',
      'Tanh',
      'Square',
      'Sqrt',
      'Rsqrt',
      'Exp',
      'Log',
      'Neg',
      'Abs',
      'Elu',
      'LeakyRelu',
      'Reciprocal',
      'Floor',
      'Ceil',
    ];
    for (const op of ops) {
      for (const shape of [[5], [3, 7, 9], [70000]]) {
        const x = positive.has(op) ? uniform(shape, 0.1, 4) : uniform(shape, -8, 8);
        await compare(op, { x }, op === 'Step' ? { alpha: 0.25 } : op === 'LeakyRelu' ? { alpha: 0.2 } : {});
      }
    }
    await compare('Step', { x: { shape: [4], data: Float32Array.of(0, -0, Number.NaN, 2) } }, { alpha: 0 });
    await compare('Relu', { x: { shape: [3], data: Float32Array.of(Number.NaN, -1, 1) } }, {});
  });

  withAddon('reductions over contiguous axes', async () => {
    const cases: [number[], number | number[], boolean][] = [
      [[4, 5, 6], 1, false],
      [[4, 5, 6], [0, 1], true],
      [[4, 5, 6], [1, 2], false],
      [[4, 5, 6], [0, 1, 2], false],
      [[32, 16, 16, 64], [0, 1, 2], false],
      [[7], 0, true],
      [[3, 1, 4], [0, 2], false],
      [[200000], 0, false],
      [[2, 70000], 1, false],
      [[3, 5], -1, true],
      [[8, 9], [0, 1], true],
    ];
    for (const op of ['Sum', 'Mean', 'Max', 'Min']) {
      for (const [shape, axis, keepDims] of cases) {
        await compare(op, { x: uniform(shape) }, op === 'Max' ? { reductionIndices: axis, keepDims } : { axis, keepDims });
      }
    }
    // Non-contiguous axes fall back to the CPU kernel and still agree.
    await compare('Sum', { x: uniform([3, 4, 5]) }, { axis: [0, 2], keepDims: false }, { native: false });
  });

  withAddon('MaxPool and MaxPoolGrad', async () => {
    for (let i = 0; i < 25; i++) {
      const f = int(1, 3),
        s = int(1, 3),
        fw = pick([f, 2]);
      const x = [int(1, 3), int(f, f + 8), int(fw, fw + 8), int(1, 9)];
      const pad = pick(['same', 'valid'] as const);
      const attrs = { filterSize: [f, fw], strides: [s, pick([s, 1])], pad };
      const xIn = uniform(x);
      await compare('MaxPool', { x: xIn }, attrs);
      const info = tf.backend_util.computePool2DInfo(
        x as [number, number, number, number],
        attrs.filterSize as [number, number],
        attrs.strides as [number, number],
        1,
        pad,
      );
      await tf.setBackend('cpu');
      const y = tf.engine().runKernel('MaxPool', { x: tf.tensor(xIn.data, x) }, attrs) as tf.Tensor;
      await compare('MaxPoolGrad', { dy: uniform(info.outShape), input: xIn, output: { shape: y.shape, data: y.dataSync() as Float32Array } }, attrs);
      y.dispose();
    }
    // The tutorial's pooling: 2x2/2 over 64x64x64.
    const x = uniform([2, 64, 64, 64]);
    await compare('MaxPool', { x }, { filterSize: 2, strides: 2, pad: 'valid' });
    await tf.setBackend('cpu');
    const y = tf.engine().runKernel('MaxPool', { x: tf.tensor(x.data, x.shape) }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor;
    await compare(
      'MaxPoolGrad',
      { dy: uniform([2, 32, 32, 64]), input: x, output: { shape: y.shape, data: y.dataSync() as Float32Array } },
      { filterSize: 2, strides: 2, pad: 'valid' },
    );
    y.dispose();
  });

  withAddon('Relu gradient: the fused native kernel equals dy * step(x), NaN and zeros included', async () => {
    const n = 70000;
    const xs = uniform([n], -3, 3).data as Float32Array;
    xs[0] = 0;
    xs[1] = -0;
    xs[2] = Number.NaN;
    xs[3] = 1e-30;
    const ws = uniform([n]).data as Float32Array;
    const kernelsRun: string[] = [];
    const gradOn = async (backend: string): Promise<Float32Array> => {
      await tf.setBackend(backend);
      const x = tf.tensor1d(xs.slice()),
        w = tf.tensor1d(ws.slice());
      let values: Float32Array = new Float32Array(0);
      const info = await tf.profile(() => {
        const g = tf.grad((t: tf.Tensor) => tf.relu(t).mul(w).sum())(x);
        values = g.dataSync() as Float32Array;
        g.dispose();
      });
      kernelsRun.push(...info.kernels.map((k) => `${backend}:${k.name}`));
      tf.dispose([x, w]);
      return values;
    };
    const want = await gradOn('cpu');
    const got = await gradOn('native');
    assert.ok(kernelsRun.includes('cpu:Step'), "the CPU backend keeps tfjs' own formula");
    assert.ok(kernelsRun.includes('native:MedpipeReluGrad'), 'the fused kernel did not run');
    assert.not.ok(kernelsRun.includes('native:Step'), 'native still ran Step');
    for (let i = 0; i < n; i++) {
      if (!Object.is(got[i], want[i]) && !(got[i] === want[i])) assert.unreachable(`element ${i}: ${got[i]} vs ${want[i]} (x=${xs[i]})`);
    }
  });

  withAddon(
    "BatchNorm gradient (batch statistics, as a BatchNormalization layer trains): the lean native formula equals tfjs' on the CPU backend",
    async () => {
      const shape = [3, 7, 5, 6];
      const xs = uniform(shape, -2, 3).data as Float32Array;
      const ws = uniform(shape).data as Float32Array;
      const gs = uniform([6], 0.5, 1.5).data as Float32Array;
      const bs = uniform([6], -1, 1).data as Float32Array;
      const kernelsRun: string[] = [];
      const gradsOn = async (backend: string): Promise<Float32Array[]> => {
        await tf.setBackend(backend);
        const [x, w, gamma, beta] = [
          tf.tensor4d(xs.slice(), shape as never),
          tf.tensor4d(ws.slice(), shape as never),
          tf.tensor1d(gs.slice()),
          tf.tensor1d(bs.slice()),
        ];
        let values: Float32Array[] = [];
        const info = await tf.profile(() => {
          const loss = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
            const { mean, variance } = tf.moments(a, [0, 1, 2]);
            return tf.batchNorm(a, mean, variance, b, g, 1e-3).mul(w).square().sum();
          };
          const grads = tf.grads(loss)([x, gamma, beta]);
          values = grads.map((t) => t.dataSync() as Float32Array);
          tf.dispose(grads);
        });
        kernelsRun.push(...info.kernels.map((k) => `${backend}:${k.name}`));
        tf.dispose([x, w, gamma, beta]);
        return values;
      };
      const want = await gradsOn('cpu');
      const got = await gradsOn('native');
      assert.ok(
        kernelsRun.includes('cpu:Tile') && !kernelsRun.includes('native:Tile'),
        "tfjs' formula tiles rsqrt(var) on the CPU backend; the lean one does not",
      );
      for (const [i, name] of ['x', 'scale', 'offset'].entries()) {
        const scale = Math.max(...want[i]!.map(Math.abs));
        const err = Math.max(...got[i]!.map((v, j) => Math.abs(v - want[i]![j]!))) / scale;
        assert.ok(err < 1e-4, `d${name}: normwise relative error ${err}`);
      }
    },
  );

  withAddon("Adam: the fused update (one JavaScript loop on native) follows tfjs' Adam on the CPU backend over 5 steps", async () => {
    const { adam } = await import('../../../src/backend/fused-adam.ts');
    const init = uniform([300], -1, 1).data as Float32Array;
    const target = uniform([300], -1, 1).data as Float32Array;
    const kernelsRun: string[] = [];
    const trainOn = async (backend: string): Promise<Float32Array> => {
      await tf.setBackend(backend);
      const w = tf.variable(tf.tensor1d(init.slice()));
      const t = tf.tensor1d(target.slice());
      const optimizer = adam(0.05, 0.9, 0.999, 1e-7);
      const info = await tf.profile(() => {
        for (let i = 0; i < 5; i++) tf.dispose(optimizer.minimize(() => tf.sum(tf.square(tf.sub(w, t))).mul(tf.scalar(i + 1)) as tf.Scalar, true)!);
      });
      kernelsRun.push(...info.kernels.map((k) => `${backend}:${k.name}`));
      const values = w.dataSync() as Float32Array;
      tf.dispose([w, t]);
      optimizer.dispose();
      return values;
    };
    const want = await trainOn('cpu');
    const got = await trainOn('native');
    assert.ok(kernelsRun.includes('native:MedpipeAdam') && !kernelsRun.includes('cpu:MedpipeAdam'), 'fused on native only');
    const moved = Math.max(...want.map((v, i) => Math.abs(v - init[i]!)));
    assert.ok(moved > 0.1, `training moved the weights (${moved})`);
    const err = Math.max(...got.map((v, i) => Math.abs(v - want[i]!)));
    assert.ok(err < 1e-6, `max |native − cpu| ${err}`);
  });

  withAddon('Tile', async () => {
    for (const [shape, reps] of [
      [[3], [4]],
      [
        [2, 3],
        [1, 2],
      ],
      [
        [1, 1, 1, 8],
        [4, 5, 6, 1],
      ],
      [
        [2, 1, 3],
        [2, 3, 1],
      ],
      [
        [4, 5],
        [1, 1],
      ],
      [
        [1, 1, 1, 64],
        [32, 32, 32, 1],
      ],
    ] as [number[], number[]][]) {
      await compare('Tile', { x: uniform(shape) }, { reps });
    }
  });

  withAddon('SplitV (the U-Net concat gradient): block copies equal to the CPU kernel on every axis', async () => {
    for (const [shape, numOrSizeSplits, axis] of [
      [[2, 4, 4, 24], [8, 16], -1],
      [[2, 4, 4, 24], [8, -1, 4], 3],
      [[6, 5], 3, 0],
      [[3, 6, 2], [1, 5], 1],
      [[16, 12, 12, 64], [32, 32], 3],
    ] as [number[], number | number[], number][]) {
      const worst = await compare('SplitV', { x: uniform(shape) }, { numOrSizeSplits, axis }, { native: false });
      assert.is(worst, 0, `SplitV ${JSON.stringify(shape)} ${JSON.stringify(numOrSizeSplits)} axis ${axis}`);
    }
  });

  withAddon('GatherV2: axes, batch dims, and the out-of-range error', async () => {
    const idx = (shape: number[], dim: number): Input => ({
      shape,
      dtype: 'int32',
      data: Int32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => int(0, dim - 1)),
    });
    await compare('GatherV2', { x: uniform([10, 4, 4, 3]), indices: idx([6], 10) }, { axis: 0, batchDims: 0 });
    await compare('GatherV2', { x: uniform([5, 7, 3]), indices: idx([2, 4], 7) }, { axis: 1, batchDims: 0 });
    await compare('GatherV2', { x: uniform([5, 7]), indices: idx([9], 7) }, { axis: -1, batchDims: 0 });
    await compare('GatherV2', { x: uniform([3, 6, 2]), indices: idx([3, 4], 6) }, { axis: 1, batchDims: 1 });
    await tf.setBackend('native');
    assert.throws(() => tf.gather(tf.ones([3, 2]), tf.tensor1d([0, 3], 'int32')), /index value 3 is not in \[0, 2\]/);
  });

  withAddon('FusedBatchNorm', async () => {
    for (const [shape, param, withOffset, withScale] of [
      [[2, 5, 5, 8], [8], true, true],
      [[2, 5, 5, 8], [8], false, false],
      [[3, 4], [1], true, false],
      [[32, 32, 32, 64], [64], true, true],
      [[2, 3, 6], [6], false, true],
    ] as [number[], number[], boolean, boolean][]) {
      const inputs: Record<string, Input> = { x: uniform(shape), mean: uniform(param), variance: uniform(param, 0.1, 2) };
      if (withOffset) inputs.offset = uniform(param);
      if (withScale) inputs.scale = uniform(param);
      await compare('FusedBatchNorm', inputs, { varianceEpsilon: 1e-3 });
    }
  });
}

test.run();
