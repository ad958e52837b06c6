/**
 * Gradients that keep big tensors off the host. tfjs' gradients of Mean and Sum multiply dy by `ones(x.shape)`,
 * which tfjs fills in JavaScript: for the batch-norm statistics of the tutorial CNN at batch 256 that is 16.8
 * million ones per step, written on the host and uploaded, longer than the whole step on a GPU. On the backends
 * registered here the same numbers come from broadcasting dy (a Tile kernel on the device): dy · 1 is dy
 * exactly, so the results are identical. Every other backend keeps tfjs' formula.
 */
import * as tf from '@tensorflow/tfjs';

const on = new Set<string>();

function install(kernelName: 'Mean' | 'Sum'): void {
  const original = tf.getGradient(kernelName);
  if (!original) return;
  tf.registerGradient({
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      if (!on.has(tf.getBackend())) return original.gradFunc(dy, saved, attrs);
      const [x] = saved;
      const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
      const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const reduceSize = axes.reduce((n, a) => n * x.shape[a], 1);
      return {
        x: () => {
          const spread = tf.broadcastTo(tf.reshape(dy as tf.Tensor, expanded), x.shape);
          return kernelName === 'Mean' ? tf.div(spread, reduceSize) : spread;
        },
      };
    },
  });
}

/** Uses the broadcast gradients of Mean and Sum while `backendName` is the active backend. */
export function useDeviceGradients(backendName: string): void {
  const installed = on.size > 0;
  on.add(backendName);
  if (installed) return;
  install('Mean');
  install('Sum');
}
