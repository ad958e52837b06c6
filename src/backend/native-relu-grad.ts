/**
 * Relu's gradient in one native pass. tfjs computes it as mul(dy, cast(step(x))): two passes and two
 * full-size temporaries over every conv activation (64 MB each in the tutorial CNN). Gradients live in a
 * registry shared by all backends, so the replacement keeps tfjs' own formula whenever the active backend
 * is not 'native'; on 'native' it runs the kernel below, which gives bit-identical results.
 */
import * as tf from '@tensorflow/tfjs';
import { RELU_GRAD_OP } from './native-addon.ts';
import { alloc, f32, kernel, output, type KernelGroup } from './native-kernel.ts';

/** Kernel name of the fused gradient (registered for the native backend only). */
export const RELU_GRAD_KERNEL = 'MedpipeReluGrad';

export const reluGradKernels: KernelGroup = (addon) => [
  kernel(RELU_GRAD_KERNEL, (args) => {
    const { dy, x } = args.inputs;
    const dyv = f32(args.backend, dy), xv = f32(args.backend, x);
    if (!dyv || !xv || dyv.length !== xv.length) throw new Error(`${RELU_GRAD_KERNEL} needs float32 dy and x of one shape`);
    const out = alloc(args.backend, xv.length);
    if (out.length > 0) addon.binary(RELU_GRAD_OP, dyv, dy.shape, xv, x.shape, out, [...x.shape]);
    return output(args.backend, [...x.shape], out);
  }),
];

/** Backends that register the fused kernel (the native and the cuda backend). */
const fusedOn = new Set<string>();

/** Replaces Relu's gradient once; on each `backendName` passed here the fused kernel is used. */
export function installReluGradient(backendName: string): void {
  const installed = fusedOn.size > 0;
  fusedOn.add(backendName);
  if (installed) return;
  const original = tf.getGradient(tf.Relu);
  if (!original) return;
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const d = dy as tf.Tensor;
      if (!fusedOn.has(tf.getBackend()) || x.dtype !== 'float32' || d.dtype !== 'float32') {
        return original.gradFunc(dy, saved, attrs);
      }
      return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: d, x }) as tf.Tensor };
    },
  });
}
