/**
 * The `native` tfjs backend: tfjs' CPU backend with its hot kernels replaced by C++ (oneDNN convolutions,
 * sgemm, threaded elementwise/reduction/pooling loops) over the same Float32Array storage. Every kernel
 * not overridden, and every case an override does not cover, runs tfjs' own CPU code.
 *
 * @example
 *   const r = await loadNativeBackend();
 *   if (r.ok) await tf.setBackend('native'); else console.warn(`${r.reason}. Fix: ${r.fix}`);
 */
import * as tf from '@tensorflow/tfjs';
import { loadAddon, type NativeAddon } from './native-addon.ts';
import { NativeBackend } from './native-backend.ts';
import { convKernels } from './native-conv.ts';
import { elementwiseKernels } from './native-elementwise.ts';
import { gatherKernels } from './native-gather.ts';
import type { KernelGroup } from './native-kernel.ts';
import { matmulKernels } from './native-matmul.ts';
import { poolKernels } from './native-pool.ts';
import { reduceKernels } from './native-reduce.ts';
import { installBatchNormGradient } from './batch-norm-grad.ts';
import { adamKernels } from './native-adam.ts';
import { installReluGradient, reluGradKernels } from './native-relu-grad.ts';
import { splitKernels } from './native-split.ts';

export type NativeLoadResult =
  | { readonly ok: true; readonly name: 'native'; readonly info: string }
  | { readonly ok: false; readonly reason: string; readonly fix: string };

/** Backend name (tfjs forbids `_` in names). */
export const NATIVE_BACKEND = 'native';
/** Below tfjs-node's 'tensorflow' (3), above 'cpu' (1). */
const PRIORITY = 2;

const GROUPS: readonly KernelGroup[] = [
  convKernels, matmulKernels, elementwiseKernels, reduceKernels, poolKernels, gatherKernels, reluGradKernels, splitKernels, adamKernels,
];

let loading: Promise<NativeLoadResult> | undefined;

/** Loads the addon (if built) and registers the 'native' tfjs backend. Idempotent. Does not call tf.setBackend. */
export function loadNativeBackend(): Promise<NativeLoadResult> {
  loading ??= Promise.resolve().then(register);
  return loading;
}

/** Names of the kernels the native backend runs in C++ (the rest are tfjs' CPU kernels). */
export function nativeKernelNames(): string[] {
  const load = loadAddon();
  if (!load.ok) return [];
  return GROUPS.flatMap((group) => group(load.addon, () => () => [])).map((k) => k.kernelName);
}

function describe(addon: NativeAddon): string {
  const i = addon.info();
  const blas = i.openblas ? ` + OpenBLAS ${/OpenBLAS ([\d.]+)/.exec(i.openblas)?.[1] ?? ''}`.trimEnd() : '';
  return `oneDNN ${i.onednn}${blas}, gemm ${i.gemm}, ${i.threads} thread${i.threads === 1 ? '' : 's'}`;
}

function register(): NativeLoadResult {
  const load = loadAddon();
  if (!load.ok) return load;
  const { addon } = load;
  if (tf.findBackendFactory(NATIVE_BACKEND) == null) {
    tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), PRIORITY);
  }
  const cpuKernels = new Map(tf.getKernelsForBackend('cpu').map((k) => [k.kernelName, k]));
  if (cpuKernels.size === 0) {
    return { ok: false, reason: "tfjs' CPU backend registered no kernels", fix: 'reinstall @tensorflow/tfjs' };
  }
  const cpu = (name: string): tf.KernelFunc => {
    const k = cpuKernels.get(name);
    if (!k) throw new Error(`native backend: no CPU kernel '${name}' to fall back to`);
    return k.kernelFunc;
  };
  const overrides = new Map(GROUPS.flatMap((group) => group(addon, cpu)).map((k) => [k.kernelName, k]));
  const put = (config: tf.KernelConfig): void => {
    if (tf.getKernel(config.kernelName, NATIVE_BACKEND) != null) tf.unregisterKernel(config.kernelName, NATIVE_BACKEND);
    tf.registerKernel(config);
  };
  for (const k of cpuKernels.values()) {
    const native = overrides.get(k.kernelName);
    put(native ? { kernelName: k.kernelName, backendName: NATIVE_BACKEND, kernelFunc: native.kernelFunc }
      : { ...k, backendName: NATIVE_BACKEND });
  }
  // Kernels with no CPU counterpart (the fused Relu gradient) are registered too.
  for (const [name, k] of overrides) {
    if (!cpuKernels.has(name)) put({ kernelName: name, backendName: NATIVE_BACKEND, kernelFunc: k.kernelFunc });
  }
  installReluGradient(NATIVE_BACKEND);
  installBatchNormGradient(NATIVE_BACKEND);
  return { ok: true, name: NATIVE_BACKEND, info: describe(addon) };
}
