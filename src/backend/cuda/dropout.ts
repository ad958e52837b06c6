/**
 * Dropout drawn on the GPU. tfjs draws dropout's uniform noise in JavaScript, one number at a time, and
 * uploads it: for the tutorial CNN at batch 256 that is 16.8 million numbers per step, far longer than the
 * step itself on a GPU. On the cuda backend the mask comes instead from a counter-based hash of (seed,
 * element index) computed by the kernel, so no noise is drawn or moved; the gradient reapplies the same
 * mask from the same seed. The hash below is the same integer arithmetic as DropoutK in
 * native/cuda/src/kernels.cu, so the CPU fallback and the tests reproduce the device's masks exactly.
 *
 * Masks differ from tfjs' own (another generator), so a seeded run on 'cuda' is reproducible on 'cuda' but
 * does not repeat the CPU backends' numbers; every other backend keeps tfjs' dropout.
 */
import * as tf from '@tensorflow/tfjs';
import { kernel, sizeOf, type CudaKernelGroup } from './kernel.ts';

export const DROPOUT_KERNEL = 'MedpipeDropout';

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The uniform number in [0, 1) that decides element i of a mask with this seed (24 bits, like the device). */
export function dropoutUniform(seed: number, i: number): number {
  const key = mix((Math.imul(seed >>> 0, 0x9e3779b9) + 0x7f4a7c15) >>> 0);
  return (mix((i ^ key) >>> 0) >>> 8) / 16777216;
}

/** The kernel's CPU version: y = x · keep / (1 − rate). */
export function dropoutOnHost(x: Float32Array, rate: number, seed: number): Float32Array {
  const out = new Float32Array(x.length);
  const scale = Math.fround(1 / (1 - rate));
  for (let i = 0; i < x.length; i++) out[i] = dropoutUniform(seed, i) >= rate ? Math.fround(x[i] * scale) : 0;
  return out;
}

export const dropoutKernels: CudaKernelGroup = (cpu) => {
  void cpu;
  const host: tf.KernelFunc = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { rate, seed } = args.attrs as unknown as { rate: number; seed: number };
    const backend = args.backend as { readSync(id: object): unknown; makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo };
    return backend.makeTensorInfo([...x.shape], 'float32', dropoutOnHost(backend.readSync(x.dataId) as Float32Array, rate, seed));
  };
  return [kernel(DROPOUT_KERNEL, () => host, (args) => {
    const { x } = args.inputs;
    const { rate, seed } = args.attrs as unknown as { rate: number; seed: number };
    if (x.dtype !== 'float32') return undefined;
    const out = args.backend.output([...x.shape], 'float32');
    args.backend.device.dropout(args.backend.ptr(x), out.ptr, sizeOf(x.shape), rate, seed >>> 0);
    return out.info;
  })];
};

let gradientRegistered = false;

/** Dropout of x with a mask from `seed`; differentiable (the gradient is the same mask applied to dy). */
export function deviceDropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (!gradientRegistered) {
    tf.registerGradient({
      kernelName: DROPOUT_KERNEL,
      gradFunc: (dy, _saved, attrs) => ({
        x: () => tf.engine().runKernel(DROPOUT_KERNEL, { x: dy as tf.Tensor }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor,
      }),
    });
    gradientRegistered = true;
  }
  return tf.engine().runKernel(DROPOUT_KERNEL, { x }, { rate, seed } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** Seeds for calls without a layer seed: a counter, so every step draws a new mask. */
let unseeded = 0x2545f491;

type DropoutLayer = tf.layers.Layer & { rate: number; seed?: number; noiseShape?: number[] };
type Call = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/** Backends on which layers' Dropout uses the device kernel. */
const deviceDropoutOn = new Set<string>();

/**
 * Makes tfjs-layers' Dropout draw its mask on the GPU while `backendName` is the active backend (and keep
 * tfjs' own behaviour on every other backend). Dropout with a noiseShape keeps tfjs' path.
 */
export function useDeviceDropout(backendName: string): void {
  const patched = deviceDropoutOn.size > 0;
  deviceDropoutOn.add(backendName);
  if (patched) return;
  const proto = Object.getPrototypeOf(tf.layers.dropout({ rate: 0.5 })) as { call: Call };
  const original = proto.call;
  proto.call = function call(this: DropoutLayer, inputs, kwargs) {
    const training = kwargs.training === true;
    if (!deviceDropoutOn.has(tf.getBackend()) || !training || this.noiseShape != null || !(this.rate > 0 && this.rate < 1)) {
      return original.call(this, inputs, kwargs);
    }
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      unseeded = (unseeded + 0x9e3779b9) >>> 0;
      return deviceDropout(x, this.rate, this.seed ?? unseeded);
    });
  };
}
