/**
 * What every cuda kernel file shares: the kernel shape, the CPU fallback, and the index arithmetic that
 * turns tfjs shapes into the flat (dims, strides) form the device kernels take.
 *
 * A device kernel returns `undefined` for a case it does not cover (another dtype, NCHW, an odd
 * broadcast, ...); the wrapper then runs tfjs' own CPU kernel on the same backend, which downloads the
 * inputs it needs, and counts the fallback (CudaBackend.fallbacks) so that gaps show in tests and benches.
 */
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { CudaBackend } from './backend.ts';

export interface CudaArgs {
  /** Optional inputs (bias, offset, ...) are absent at run time; kernels test them with `== null`. */
  readonly inputs: { readonly [name: string]: TensorInfo };
  readonly backend: CudaBackend;
  readonly attrs?: NamedAttrMap;
}

export interface CudaKernel {
  readonly kernelName: string;
  readonly kernelFunc: KernelFunc;
}

/** `cpu(name)` is tfjs' CPU kernel of that name (registered for the cuda backend as the fallback). */
export type CudaKernelGroup = (cpu: (kernelName: string) => KernelFunc) => CudaKernel[];

/** Returned by a device path that leaves this case to the CPU on purpose (not counted as a fallback). */
export const HOST = Symbol('host');

type DeviceFn = (args: CudaArgs) => TensorInfo | TensorInfo[] | undefined | typeof HOST;

/**
 * A kernel with a device path and tfjs' CPU kernel behind it. With `smallOnHost`, work whose inputs are all
 * on the host and whose output has at most that many elements stays on the CPU on purpose (scalar
 * bookkeeping such as Adam's bias corrections): that costs no transfer, and is not counted as a fallback.
 */
export function kernel(kernelName: string, cpu: (name: string) => KernelFunc, fn: DeviceFn, smallOnHost = 0): CudaKernel {
  const fallback = cpu(kernelName);
  const kernelFunc = ((args: CudaArgs) => {
    if (smallOnHost > 0) {
      const inputs = Object.values(args.inputs).filter((t): t is TensorInfo => t != null);
      if (args.backend.allOnHost(inputs) && inputs.every((t) => sizeOf(t.shape) <= smallOnHost)) return fallback(args as never);
    }
    const out = fn(args);
    if (out === HOST) return fallback(args as never);
    if (out !== undefined) return out;
    args.backend.noteFallback(kernelName);
    return fallback(args as never);
  }) as unknown as KernelFunc;
  return { kernelName, kernelFunc };
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Numpy broadcasting of a and b, dims of size 1 dropped and neighbours merged where both inputs allow. */
export interface BroadcastPlan {
  readonly outShape: number[];
  readonly dims: number[];
  readonly a: number[];
  readonly b: number[];
}

export function broadcastPlan(aShape: readonly number[], bShape: readonly number[]): BroadcastPlan | undefined {
  const rank = Math.max(aShape.length, bShape.length);
  const outShape: number[] = [];
  const sa: number[] = [];
  const sb: number[] = [];
  const aStr = stridesOf(aShape);
  const bStr = stridesOf(bShape);
  for (let d = 0; d < rank; d++) {
    const ia = d - (rank - aShape.length), ib = d - (rank - bShape.length);
    const da = ia >= 0 ? aShape[ia] : 1, db = ib >= 0 ? bShape[ib] : 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    outShape.push(da === 1 ? db : da);
    sa.push(da === 1 ? 0 : aStr[ia]);
    sb.push(db === 1 ? 0 : bStr[ib]);
  }
  return { outShape, ...collapse(outShape, [sa, sb]) };
}

/** Drops unit dims and merges dim d into d+1 when every stride list is contiguous across the pair. */
function collapse(shape: readonly number[], strides: readonly number[][]): { dims: number[]; a: number[]; b: number[] } {
  const dims: number[] = [];
  const out = strides.map(() => [] as number[]);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, k) => out[k][last] === s[d] * shape[d])) {
      dims[last] *= shape[d];
      strides.forEach((s, k) => { out[k][last] = s[d]; });
    } else {
      dims.push(shape[d]);
      strides.forEach((s, k) => out[k].push(s[d]));
    }
  }
  if (dims.length === 0) return { dims: [1], a: [0], b: [0] };
  return { dims, a: out[0], b: out[1] ?? out[0].map(() => 0) };
}

/** A strided read of `shape` (strides per output dim) as at most 8 dims, unit dims dropped, runs merged. */
export function gatherPlan(shape: readonly number[], strides: readonly number[]): { dims: number[]; strides: number[] } {
  const c = collapse(shape, [[...strides]]);
  return { dims: c.dims, strides: c.a };
}

/** Bytes per element of a dtype the device holds. */
export function elemBytes(dtype: string): number {
  return dtype === 'bool' ? 1 : 4;
}
