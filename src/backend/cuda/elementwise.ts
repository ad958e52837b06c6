/**
 * Elementwise kernels on the GPU: unary maps, binary maps with numpy broadcasting (a scalar that is still on
 * the host is passed by value, never uploaded), comparisons and logic to bool, Select, Cast, fills and AddN.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import { BINARY, COMPARE, DTYPE, LOGICAL, UNARY } from './device.ts';
import { HOST, broadcastPlan, kernel, sizeOf, type CudaArgs, type CudaKernel, type CudaKernelGroup } from './kernel.ts';

/** Scalar work on host-only inputs stays on the CPU (no upload, no later download). */
const SMALL = 16;

type Attrs = Record<string, unknown>;

const UNARY_PARAMS: Readonly<Record<keyof typeof UNARY, (attrs: Attrs) => [number, number]>> = {
  Relu: () => [0, 0], Relu6: () => [0, 0], Step: (a) => [Number(a.alpha ?? 0), 0], Sigmoid: () => [0, 0],
  Tanh: () => [0, 0], Square: () => [0, 0], Sqrt: () => [0, 0], Rsqrt: () => [0, 0], Exp: () => [0, 0],
  Log: () => [0, 0], Log1p: () => [0, 0], Neg: () => [0, 0], Abs: () => [0, 0], Elu: () => [0, 0],
  LeakyRelu: (a) => [Number(a.alpha ?? 0.2), 0], Reciprocal: () => [0, 0], Floor: () => [0, 0], Ceil: () => [0, 0],
  Round: () => [0, 0], Sign: () => [0, 0], Softplus: () => [0, 0], Expm1: () => [0, 0],
  ClipByValue: (a) => [Number(a.clipValueMin), Number(a.clipValueMax)], Sin: () => [0, 0], Cos: () => [0, 0],
  Erf: () => [0, 0], Selu: () => [0, 0], Linear: () => [0, 0],
};

/** Binary kernels and the names of their two inputs. */
const BINARY_INPUTS: ReadonlyArray<[keyof typeof BINARY, string, string, string?]> = [
  ['Add', 'a', 'b'], ['Sub', 'a', 'b'], ['Multiply', 'a', 'b'], ['RealDiv', 'a', 'b'], ['Maximum', 'a', 'b'],
  ['Minimum', 'a', 'b'], ['SquaredDifference', 'a', 'b'], ['Pow', 'a', 'b'], ['DivNoNan', 'a', 'b'],
  ['FloorDiv', 'a', 'b'], ['EluGrad', 'dy', 'y'], ['Prelu', 'x', 'alpha'], ['ReluGrad', 'dy', 'x', 'MedpipeReluGrad'],
];

/** op(a, b) on float32 tensors; undefined when the device does not cover it. */
export function binaryOp(args: CudaArgs, op: number, a: TensorInfo, b: TensorInfo): TensorInfo | undefined {
  const { backend } = args;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const plan = broadcastPlan(a.shape, b.shape);
  if (!plan || plan.dims.length > 8) return undefined;
  const n = sizeOf(plan.outShape);
  const sa = backend.hostScalar(a), sb = backend.hostScalar(b);
  if (sb !== undefined && sizeOf(a.shape) === n) {
    const out = backend.output(plan.outShape, 'float32');
    backend.device.binaryScalar(op, backend.ptr(a), sb, out.ptr, n, false);
    return out.info;
  }
  if (sa !== undefined && sizeOf(b.shape) === n) {
    const out = backend.output(plan.outShape, 'float32');
    backend.device.binaryScalar(op, backend.ptr(b), sa, out.ptr, n, true);
    return out.info;
  }
  const out = backend.output(plan.outShape, 'float32');
  backend.device.binary(op, backend.ptr(a), backend.ptr(b), out.ptr, plan.dims, plan.a, plan.b);
  return out.info;
}

/** A unary map on a float32 tensor. */
export function unaryOp(args: CudaArgs, op: number, x: TensorInfo, alpha = 0, beta = 0): TensorInfo | undefined {
  if (x.dtype !== 'float32') return undefined;
  const out = args.backend.output([...x.shape], 'float32');
  args.backend.device.unary(op, args.backend.ptr(x), out.ptr, sizeOf(x.shape), alpha, beta);
  return out.info;
}

function unaryKernels(cpu: Parameters<CudaKernelGroup>[0]): CudaKernel[] {
  return (Object.keys(UNARY) as (keyof typeof UNARY)[])
    .filter((name) => name !== 'Linear')
    .map((name) => kernel(name, cpu, (args) => {
      const [alpha, beta] = UNARY_PARAMS[name]((args.attrs ?? {}) as Attrs);
      return unaryOp(args, UNARY[name], args.inputs.x, alpha, beta);
    }, SMALL));
}

function binaryKernels(cpu: Parameters<CudaKernelGroup>[0]): CudaKernel[] {
  return BINARY_INPUTS.map(([op, an, bn, kernelName]) =>
    kernel(kernelName ?? op, cpu, (args) => binaryOp(args, BINARY[op], args.inputs[an], args.inputs[bn]), SMALL));
}

type BoolLaunch = 'compare' | 'logical';

/** op(a, b) → bool with broadcasting, for inputs of dtype `from` (compare: float32; logical: bool). */
function toBool(args: CudaArgs, launch: BoolLaunch, op: number, from: 'float32' | 'bool'): TensorInfo | undefined {
  const { a, b } = args.inputs;
  if (a.dtype !== from || b.dtype !== from) return undefined;
  const plan = broadcastPlan(a.shape, b.shape);
  if (!plan || plan.dims.length > 8) return undefined;
  const out = args.backend.output(plan.outShape, 'bool');
  args.backend.device[launch](op, args.backend.ptr(a), args.backend.ptr(b), out.ptr, plan.dims, plan.a, plan.b);
  return out.info;
}

function compareKernels(cpu: Parameters<CudaKernelGroup>[0]): CudaKernel[] {
  return (Object.keys(COMPARE) as (keyof typeof COMPARE)[]).map((name) => kernel(name, cpu, (args) => toBool(args, 'compare', COMPARE[name], 'float32'), SMALL));
}

function logicKernels(cpu: Parameters<CudaKernelGroup>[0]): CudaKernel[] {
  const binary = (Object.keys(LOGICAL) as (keyof typeof LOGICAL)[]).map((name) => kernel(name, cpu, (args) => toBool(args, 'logical', LOGICAL[name], 'bool'), SMALL));
  const not = kernel('LogicalNot', cpu, (args) => {
    const { x } = args.inputs;
    if (x.dtype !== 'bool') return undefined;
    const out = args.backend.output([...x.shape], 'bool');
    args.backend.device.logicalNot(args.backend.ptr(x), out.ptr, sizeOf(x.shape));
    return out.info;
  }, SMALL);
  return [...binary, not];
}

export const elementwiseKernels: CudaKernelGroup = (cpu) => [
  ...unaryKernels(cpu),
  ...binaryKernels(cpu),
  ...compareKernels(cpu),
  ...logicKernels(cpu),

  kernel('Select', cpu, (args) => {
    const { condition, t, e } = args.inputs;
    if (condition.dtype !== 'bool' || t.dtype !== 'float32' || e.dtype !== 'float32') return undefined;
    const n = sizeOf(t.shape);
    if (sizeOf(condition.shape) !== n || sizeOf(e.shape) !== n) return undefined; // rank-1 condition: CPU
    const out = args.backend.output([...t.shape], 'float32');
    args.backend.device.select(args.backend.ptr(condition), args.backend.ptr(t), args.backend.ptr(e), out.ptr, n);
    return out.info;
  }, SMALL),

  // Every cast that changes the dtype makes new data: tfjs' CPU Cast would hand back the input's own bool or
  // int32 array under the float32 dtype, which a device kernel cannot read as floats.
  kernel('Cast', cpu, (args) => {
    const { x } = args.inputs;
    const to = (args.attrs as { dtype: string }).dtype;
    if (x.dtype === to || !(x.dtype in DTYPE) || !(to in DTYPE)) return HOST; // same dtype: shared data, as in tfjs
    const n = sizeOf(x.shape);
    if (args.backend.allOnHost([x]) && n <= SMALL) {
      const src = args.backend.readSync(x.dataId) as ArrayLike<number>;
      const values = to === 'float32' ? new Float32Array(n) : to === 'int32' ? new Int32Array(n) : new Uint8Array(n);
      for (let i = 0; i < n; i++) values[i] = to === 'bool' ? (src[i] !== 0 ? 1 : 0) : to === 'int32' ? Math.trunc(src[i]) : src[i];
      return args.backend.hostOutput([...x.shape], to as keyof typeof DTYPE, values);
    }
    const out = args.backend.output([...x.shape], to as keyof typeof DTYPE);
    args.backend.device.cast(args.backend.ptr(x), DTYPE[x.dtype as keyof typeof DTYPE], out.ptr, DTYPE[to as keyof typeof DTYPE], n);
    return out.info;
  }),

  ...(['ZerosLike', 'OnesLike'] as const).map((name) => kernel(name, cpu, (args) => {
    const { x } = args.inputs;
    if (!(x.dtype in DTYPE)) return undefined;
    const out = args.backend.output([...x.shape], x.dtype as keyof typeof DTYPE);
    args.backend.device.fill(out.ptr, DTYPE[x.dtype as keyof typeof DTYPE], name === 'OnesLike' ? 1 : 0, sizeOf(x.shape));
    return out.info;
  }, SMALL)),

  kernel('Fill', cpu, (args) => {
    const { shape, value, dtype } = args.attrs as { shape: number[]; value: number; dtype: string };
    if (sizeOf(shape) <= SMALL) return HOST;
    if (!(dtype in DTYPE) || typeof value !== 'number') return undefined;
    const out = args.backend.output([...shape], dtype as keyof typeof DTYPE);
    args.backend.device.fill(out.ptr, DTYPE[dtype as keyof typeof DTYPE], value, sizeOf(shape));
    return out.info;
  }),

  kernel('AddN', cpu, (args) => {
    const tensors = Object.values(args.inputs);
    if (tensors.length === 0 || tensors.some((t) => t.dtype !== 'float32' || sizeOf(t.shape) !== sizeOf(tensors[0].shape))) return undefined;
    if (tensors.length === 1) return unaryOp(args, UNARY.Linear, tensors[0]);
    let acc = binaryOp(args, BINARY.Add, tensors[0], tensors[1])!;
    for (let i = 2; i < tensors.length; i++) {
      const next = binaryOp(args, BINARY.Add, acc, tensors[i])!;
      args.backend.disposeIntermediateTensorInfo(acc);
      acc = next;
    }
    return acc;
  }, SMALL),
];
