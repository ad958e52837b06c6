/**
 * What every native kernel file shares: the shape of a kernel override, access to the CPU backend's
 * Float32Array storage, and the fallback to tfjs' own CPU kernel for cases the addon does not cover
 * (other dtypes, NCHW, PReLU, ...), so the native backend never computes less than the CPU one.
 */
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './native-addon.ts';

export interface KernelArgs {
  /** Optional inputs (bias, offset, ...) are absent at run time; kernels test them with `== null`. */
  readonly inputs: { readonly [name: string]: TensorInfo };
  readonly backend: MathBackendCPU;
  readonly attrs?: NamedAttrMap;
}

export interface NativeKernel {
  readonly kernelName: string;
  readonly kernelFunc: KernelFunc;
}

/** Builds a group of kernel overrides; `cpu(name)` is the CPU backend's kernel of that name, for fallbacks. */
export type KernelGroup = (addon: NativeAddon, cpu: (kernelName: string) => KernelFunc) => NativeKernel[];

/** The tensor's storage when it is a plain float32 tensor, else undefined (the caller then falls back). */
export function f32(backend: MathBackendCPU, t: TensorInfo | undefined | null): Float32Array | undefined {
  if (t == null || t.dtype !== 'float32') return undefined;
  const values = backend.data.get(t.dataId)?.values;
  return values instanceof Float32Array ? values : undefined;
}

export function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** An output array for a native kernel: from the native backend's pool (not zeroed), else fresh. */
export function alloc(backend: MathBackendCPU, n: number): Float32Array {
  const pool = (backend as { pool?: { take(n: number): Float32Array } }).pool;
  return pool ? pool.take(n) : new Float32Array(n);
}

export function output(backend: MathBackendCPU, shape: number[], values: Float32Array): TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

/** Wraps a kernel written against KernelArgs (tfjs types `backend` as `{}`). */
export function kernel(kernelName: string, fn: (args: KernelArgs) => TensorInfo | TensorInfo[]): NativeKernel {
  return { kernelName, kernelFunc: fn as unknown as KernelFunc };
}
