/**
 * Finds and loads the compiled native addon (native/build/Release/medpipe_native.node), or says in one
 * line why it is not there and how to get it. The addon is built by `node native/build.mjs`, which
 * `npm install` runs and which records why a build failed in native/build/status.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The functions the C++ addon exports (native/src/*.cc). All tensors are NHWC Float32Arrays. */
export interface NativeAddon {
  info(): { onednn: string; openblas: string | null; gemm: 'onednn' | 'openblas'; threads: number };
  setThreads(n: number): number;
  setGemm(which: 'onednn' | 'openblas'): string;
  /** geom: [n,h,w,c, kh,kw,oc, oh,ow, sh,sw, dh,dw, padTop,padLeft,padBottom,padRight] */
  conv2d(x: Float32Array, filter: Float32Array, out: Float32Array, geom: number[], bias: Float32Array | null,
    act: number, alpha: number): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, out: Float32Array, geom: number[]): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, out: Float32Array, geom: number[]): void;
  convImpl(kind: 'forward' | 'data' | 'filter', geom: number[]): string;
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, batchA: number, batchB: number, m: number, n: number,
    k: number, transposeA: boolean, transposeB: boolean, bias: Float32Array | null, act: number, alpha: number): void;
  /** Applies an ACT code in place. */
  activate(x: Float32Array, act: number, alpha: number): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  binary(op: number, a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], out: Float32Array,
    outShape: number[]): void;
  batchNorm(x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null,
    scale: Float32Array | null, epsilon: number, out: Float32Array): void;
  reduce(op: number, x: Float32Array, outer: number, r: number, inner: number, out: Float32Array): void;
  tile(x: Float32Array, xShape: number[], reps: number[], out: Float32Array): void;
  /** x viewed as [batch, outer, dim, slice]; indices [batch, n], in range; out [batch, outer, n, slice]. */
  gather(x: Float32Array, indices: Int32Array, batch: number, outer: number, dim: number, slice: number,
    out: Float32Array): void;
  /** geom: [n,h,w,c, fh,fw, oh,ow, sh,sw, padTop,padLeft] */
  maxPool(x: Float32Array, out: Float32Array, geom: number[]): void;
  maxPoolGrad(dy: Float32Array, x: Float32Array, out: Float32Array, geom: number[]): void;
}

/** Activation codes of native/src/common.h. */
export const ACT = { linear: 0, relu: 1, relu6: 2, sigmoid: 3, elu: 4, leakyrelu: 5 } as const;
/** Unary op codes of native/src/elementwise.cc. */
export const UNARY = {
  Relu: 0, Relu6: 1, Step: 2, Sigmoid: 3, Tanh: 4, Square: 5, Sqrt: 6, Rsqrt: 7, Exp: 8, Log: 9, Neg: 10,
  Abs: 11, Elu: 12, LeakyRelu: 13, Reciprocal: 14, Floor: 15, Ceil: 16,
} as const;
/** Binary op codes of native/src/elementwise.cc. */
export const BINARY = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6 } as const;
/** dy * step(x) in one pass (native/src/elementwise.cc), behind the native Relu gradient. */
export const RELU_GRAD_OP = 7;
/** Reduction op codes of native/src/reduce.cc. */
export const REDUCE = { Sum: 0, Mean: 1, Max: 2, Min: 3 } as const;

export type AddonLoad =
  | { readonly ok: true; readonly addon: NativeAddon }
  | { readonly ok: false; readonly reason: string; readonly fix: string };

const nativeDir = fileURLToPath(new URL('../../native/', import.meta.url));
/** Where `node native/build.mjs` puts the compiled addon. */
export const ADDON_PATH = `${nativeDir}build/Release/medpipe_native.node`;
const addonPath = ADDON_PATH;
const statusPath = `${nativeDir}build/status.json`;

/** What to run to get the native backend; the same line the install step prints. */
export const NATIVE_FIX = `apt-get install libdnnl-dev libopenblas-dev, then run \`node native/build.mjs\` in ${
  fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '')}`;

function buildFailure(): string | undefined {
  if (!existsSync(statusPath)) return undefined;
  try {
    const status = JSON.parse(readFileSync(statusPath, 'utf8')) as { ok?: boolean; reason?: string };
    return status.ok === false ? status.reason : undefined;
  } catch {
    return undefined;
  }
}

let cached: AddonLoad | undefined;

/**
 * Loads the addon once. Threads default to the machine's cores; MEDPIPE_THREADS overrides.
 * OpenMP reads its settings when the library loads, so they are set here, before the first require.
 */
export function loadAddon(): AddonLoad {
  if (cached) return cached;
  if (process.env.MEDPIPE_NATIVE === '0') {
    return (cached = { ok: false, reason: 'disabled by MEDPIPE_NATIVE=0', fix: 'unset MEDPIPE_NATIVE' });
  }
  if (!existsSync(addonPath)) {
    const why = buildFailure() ?? 'the install step did not build it';
    return (cached = { ok: false, reason: `addon not built: ${why}`, fix: NATIVE_FIX });
  }
  const threads = Number(process.env.MEDPIPE_THREADS) || availableParallelism();
  // Idle OpenMP workers sleep soon instead of spinning, so they do not steal the core from JS between kernels.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  process.env.OMP_NUM_THREADS ??= String(threads);
  // The pthread build of OpenBLAS (Debian's) starts one thread per core when it loads unless told: a
  // one-thread worker (MEDPIPE_THREADS=1) must not keep a second core's threads.
  process.env.OPENBLAS_NUM_THREADS ??= String(threads);
  try {
    const addon = createRequire(import.meta.url)(addonPath) as NativeAddon;
    addon.setThreads(threads);
    // oneDNN's sgemm measured faster than OpenBLAS on the Dense shapes here (and shares OpenMP's threads);
    // MEDPIPE_GEMM=openblas picks OpenBLAS where the build has it.
    if (process.env.MEDPIPE_GEMM === 'openblas' && addon.info().openblas) addon.setGemm('openblas');
    return (cached = { ok: true, addon });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const missing = /lib(dnnl|openblas)[^:]*: cannot open shared object/.exec(message);
    const reason = missing ? `addon cannot load: ${missing[0]} (the runtime library is missing)` : `addon cannot load: ${message}`;
    return (cached = { ok: false, reason, fix: NATIVE_FIX });
  }
}
