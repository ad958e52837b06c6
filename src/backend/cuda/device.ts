/**
 * The device layer under the `cuda` backend: what native/cuda/src/addon.cc exports, the op codes it shares
 * with native/cuda/src/kernels.cu, and the loader of the compiled addon. Pointers are JS numbers (device
 * addresses stay below 2^48). Every call is queued on one CUDA stream and returns at once, except
 * `download` and `sync`, which wait for the stream; `downloadAsync` waits on a worker thread.
 *
 * The same interface is implemented in plain JavaScript by tests/helpers/mock-device.ts, which lets the
 * backend's TypeScript (shapes, strides, fallbacks, residency) be tested on machines without a GPU.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export type Ptr = number;

/** Element types on the device: float32, int32, bool (one byte). */
export const DTYPE = { float32: 0, int32: 1, bool: 2 } as const;
export type DeviceDtype = keyof typeof DTYPE;

export const UNARY = {
  Relu: 0, Relu6: 1, Step: 2, Sigmoid: 3, Tanh: 4, Square: 5, Sqrt: 6, Rsqrt: 7, Exp: 8, Log: 9, Log1p: 10, Neg: 11,
  Abs: 12, Elu: 13, LeakyRelu: 14, Reciprocal: 15, Floor: 16, Ceil: 17, Round: 18, Sign: 19, Softplus: 20, Expm1: 21,
  ClipByValue: 22, Sin: 23, Cos: 24, Erf: 25, Selu: 26, Linear: 27,
} as const;

export const BINARY = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6, Pow: 7, ReluGrad: 8,
  EluGrad: 9, Prelu: 10, DivNoNan: 11, FloorDiv: 12,
} as const;

export const COMPARE = { Equal: 0, NotEqual: 1, Less: 2, LessEqual: 3, Greater: 4, GreaterEqual: 5 } as const;
export const LOGICAL = { LogicalAnd: 0, LogicalOr: 1 } as const;
export const REDUCE = { Sum: 0, Mean: 1, Max: 2, Min: 3, Prod: 4 } as const;

export interface DeviceInfo {
  readonly device: string;
  readonly computeCapability: string;
  readonly multiprocessors: number;
  readonly memoryMiB: number;
  readonly driver: string;
  readonly runtime: string;
  readonly libraries: string;
}

export interface DeviceMemory {
  readonly inUse: number;
  readonly cached: number;
  readonly peak: number;
  readonly pinned: number;
}

/**
 * Conv geometry (15 numbers): n, h, w, c, fh, fw, k, oh, ow, sh, sw, dh, dw, padTop, padLeft (pads symmetric).
 * Pool geometry (14 numbers): n, h, w, c, fh, fw, oh, ow, sh, sw, dh, dw, padTop, padLeft.
 */
export interface CudaDevice {
  info(): DeviceInfo;
  alloc(bytes: number): Ptr;
  free(p: Ptr): void;
  upload(p: Ptr, src: ArrayBufferView): void;
  download(p: Ptr, dst: ArrayBufferView): void;
  downloadAsync(p: Ptr, bytes: number): Promise<ArrayBuffer>;
  sync(): void;
  memory(): DeviceMemory;
  releaseCached(): void;

  unary(op: number, x: Ptr, y: Ptr, n: number, alpha: number, beta: number): void;
  /** y (contiguous, dims) = op(a[i·aStrides], b[i·bStrides]); a stride of 0 broadcasts. */
  binary(op: number, a: Ptr, b: Ptr, y: Ptr, dims: number[], aStrides: number[], bStrides: number[]): void;
  binaryScalar(op: number, a: Ptr, s: number, y: Ptr, n: number, scalarFirst: boolean): void;
  compare(op: number, a: Ptr, b: Ptr, y: Ptr, dims: number[], aStrides: number[], bStrides: number[]): void;
  logical(op: number, a: Ptr, b: Ptr, y: Ptr, dims: number[], aStrides: number[], bStrides: number[]): void;
  logicalNot(x: Ptr, y: Ptr, n: number): void;
  select(cond: Ptr, a: Ptr, b: Ptr, y: Ptr, n: number): void;
  cast(x: Ptr, from: number, y: Ptr, to: number, n: number): void;
  fill(y: Ptr, dtype: number, value: number, n: number): void;
  /** Reduces the middle axis of x viewed as [outer, r, inner]. */
  reduce(op: number, x: Ptr, y: Ptr, outer: number, r: number, inner: number): void;
  /** y (contiguous, dims) = x[offset + Σ (i_d mod mods_d)·strides_d]. */
  gather(x: Ptr, y: Ptr, elemBytes: number, dims: number[], mods: number[], strides: number[], offset: number): void;
  /** y[offset + Σ i_d·strides_d] = x (contiguous, dims). */
  place(x: Ptr, y: Ptr, elemBytes: number, dims: number[], strides: number[], offset: number): void;
  maxPool(x: Ptr, y: Ptr, geom: number[]): void;
  maxPoolGrad(dy: Ptr, x: Ptr, dx: Ptr, geom: number[]): void;
  avgPool(x: Ptr, y: Ptr, geom: number[]): void;
  avgPoolGrad(dy: Ptr, dx: Ptr, geom: number[]): void;
  batchNorm(x: Ptr, mean: Ptr, meanN: number, variance: Ptr, varianceN: number, offset: Ptr, offsetN: number,
    scale: Ptr, scaleN: number, y: Ptr, n: number, epsilon: number): void;
  dropout(x: Ptr, y: Ptr, n: number, rate: number, seed: number): void;
  adam(value: Ptr, m: Ptr, v: Ptr, grad: Ptr, valueOut: Ptr, mOut: Ptr, vOut: Ptr, n: number, lr: number,
    beta1: number, beta2: number, epsilon: number, correction1: number, correction2: number): void;
  conv2d(x: Ptr, w: Ptr, y: Ptr, geom: number[]): void;
  conv2dBackpropInput(dy: Ptr, w: Ptr, dx: Ptr, geom: number[]): void;
  conv2dBackpropFilter(x: Ptr, dy: Ptr, dw: Ptr, geom: number[]): void;
  matMul(a: Ptr, b: Ptr, c: Ptr, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean,
    strideA: number, strideB: number): void;
}

export type DeviceLoad =
  | { readonly ok: true; readonly device: CudaDevice; readonly info: DeviceInfo }
  | { readonly ok: false; readonly reason: string; readonly fix: string };

const cudaDir = fileURLToPath(new URL('../../../native/cuda/', import.meta.url));
/** Where `node native/cuda/build.mjs` puts the compiled addon (MEDPIPE_CUDA_ADDON overrides, e.g. for a bundle). */
export const CUDA_ADDON_PATH = process.env.MEDPIPE_CUDA_ADDON ?? `${cudaDir}build/medpipe_cuda.node`;
const statusPath = CUDA_ADDON_PATH.replace(/[^/]*$/, 'status.json');

export const CUDA_FIX = 'on a machine with an NVIDIA GPU, install the CUDA toolkit (nvcc, cuBLAS) and cuDNN 9, then run `node native/cuda/build.mjs`';

/** Whether this machine looks able to run the cuda backend, judged without loading anything. */
export function cudaLikely(): boolean {
  return existsSync(CUDA_ADDON_PATH) && existsSync('/proc/driver/nvidia/version');
}

function buildFailure(): string | undefined {
  try {
    const status = JSON.parse(readFileSync(statusPath, 'utf8')) as { ok?: boolean; reason?: string };
    return status.ok === false ? status.reason : undefined;
  } catch {
    return undefined;
  }
}

let cached: DeviceLoad | undefined;

/** Loads the addon once and asks it for the GPU (a machine without one gets ok: false with the reason). */
export function loadCudaDevice(): DeviceLoad {
  if (cached) return cached;
  if (process.env.MEDPIPE_CUDA === '0') return (cached = { ok: false, reason: 'disabled by MEDPIPE_CUDA=0', fix: 'unset MEDPIPE_CUDA' });
  if (!existsSync(CUDA_ADDON_PATH)) {
    return (cached = { ok: false, reason: `not built: ${buildFailure() ?? 'the install step did not build it'}`, fix: CUDA_FIX });
  }
  try {
    const device = createRequire(import.meta.url)(CUDA_ADDON_PATH) as CudaDevice;
    return (cached = { ok: true, device, info: device.info() });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return (cached = { ok: false, reason: `cannot load: ${message}`, fix: CUDA_FIX });
  }
}
