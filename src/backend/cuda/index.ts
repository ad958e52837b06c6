/**
 * The `cuda` tfjs backend: tfjs' CPU backend whose tensors can also live on an NVIDIA GPU, with the kernels
 * of training and inference (convolutions, matrix products, pooling, batch norm, elementwise maps,
 * reductions, data movement, dropout, Adam) run there by cuDNN, cuBLAS and the addon's own CUDA kernels.
 * Every other kernel is tfjs' CPU kernel, so the backend never computes less than the CPU one.
 *
 * @example
 *   const r = loadCudaBackend();
 *   if (r.ok) await tf.setBackend('cuda'); else console.warn(`${r.reason}. Fix: ${r.fix}`);
 */
import * as tf from '@tensorflow/tfjs';
import { installReluGradient } from '../native-relu-grad.ts';
import { CudaBackend } from './backend.ts';
import { convKernels } from './conv.ts';
import { loadCudaDevice, type CudaDevice, type DeviceInfo } from './device.ts';
import { dropoutKernels, useDeviceDropout } from './dropout.ts';
import { elementwiseKernels } from './elementwise.ts';
import { useDeviceGradients } from './gradients.ts';
import type { CudaKernelGroup } from './kernel.ts';
import { matmulKernels } from './matmul.ts';
import { adamKernels, normKernels } from './norm.ts';
import { poolKernels } from './pool.ts';
import { reduceKernels } from './reduce.ts';
import { shapeKernels } from './shape.ts';

export const CUDA_BACKEND = 'cuda';
/** Above tfjs-node's 'tensorflow' (3): a GPU beats any CPU backend. */
const PRIORITY = 4;

const GROUPS: readonly CudaKernelGroup[] = [
  elementwiseKernels, reduceKernels, shapeKernels, convKernels, matmulKernels, poolKernels, normKernels, adamKernels,
  dropoutKernels,
];

export type CudaLoadResult =
  | { readonly ok: true; readonly name: string; readonly info: string }
  | { readonly ok: false; readonly reason: string; readonly fix: string };

/** One line about the GPU and libraries, for the backend line. */
export function describeDevice(i: DeviceInfo): string {
  return `${i.device} (sm_${i.computeCapability.replace('.', '')}, ${Math.round(i.memoryMiB / 1024)} GiB), CUDA ${i.runtime}, ${i.libraries}`;
}

/**
 * Registers a backend named `name` over `device` (the addon, or a stand-in in tests): every CPU kernel, the
 * device kernels over them, the fused Relu gradient, device-side dropout and the Mean/Sum gradients that
 * need no host-filled ones. Idempotent per name.
 */
export function registerCudaBackend(device: CudaDevice, name: string = CUDA_BACKEND, priority = PRIORITY): void {
  if (tf.findBackendFactory(name) != null) return;
  tf.registerBackend(name, () => new CudaBackend(device), priority);
  const cpuKernels = new Map(tf.getKernelsForBackend('cpu').map((k) => [k.kernelName, k]));
  if (cpuKernels.size === 0) throw new Error("cuda backend: tfjs' CPU backend registered no kernels");
  const cpu = (kernelName: string): tf.KernelFunc => {
    const k = cpuKernels.get(kernelName);
    if (k) return k.kernelFunc;
    return () => {
      throw new Error(`cuda backend: no CPU kernel '${kernelName}' to fall back to`);
    };
  };
  const overrides = new Map(GROUPS.flatMap((group) => group(cpu)).map((k) => [k.kernelName, k]));
  for (const k of cpuKernels.values()) {
    const own = overrides.get(k.kernelName);
    tf.registerKernel(own ? { kernelName: k.kernelName, backendName: name, kernelFunc: own.kernelFunc } : { ...k, backendName: name });
  }
  for (const [kernelName, k] of overrides) {
    if (!cpuKernels.has(kernelName)) tf.registerKernel({ kernelName, backendName: name, kernelFunc: k.kernelFunc });
  }
  installReluGradient(name);
  useDeviceDropout(name);
  useDeviceGradients(name);
}

let loaded: CudaLoadResult | undefined;

/** Loads the addon (if built and a GPU answers) and registers the 'cuda' backend. Does not call tf.setBackend. */
export function loadCudaBackend(): CudaLoadResult {
  if (loaded) return loaded;
  const load = loadCudaDevice();
  if (!load.ok) return (loaded = load);
  registerCudaBackend(load.device);
  return (loaded = { ok: true, name: CUDA_BACKEND, info: describeDevice(load.info) });
}
