/**
 * tfjs' Adam with one kernel per variable and step where the active backend has one ('MedpipeAdam', the
 * cuda backend's), instead of the dozen elementwise kernels tfjs runs; elsewhere it is tfjs' Adam unchanged.
 * Same formula, same moment variables (names and order), so getWeights/setWeights and checkpoints agree.
 *
 * @example
 *   const optimizer = adam(1e-3, 0.92, 0.999, 1e-7);
 */
import * as tf from '@tensorflow/tfjs';

/** Kernel name of the fused update: inputs value, m, v, grad; outputs the new value, m and v. */
export const ADAM_KERNEL = 'MedpipeAdam';

interface Moment {
  originalName: string;
  variable: tf.Variable;
}

/** The protected state of tfjs' AdamOptimizer this subclass reads. */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Moment[];
  accumulatedSecondMoment: Moment[];
  incrementIterations(): void;
}

type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

export class FusedAdam extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Gradients): void {
    if (tf.getKernel(ADAM_KERNEL, tf.getBackend()) == null) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    // 1 − beta^t: scalars that stay on the host (no device round trip).
    const correction1 = 1 - self.accBeta1.dataSync()[0];
    const correction2 = 1 - self.accBeta2.dataSync()[0];
    const attrs = {
      learningRate: self.learningRate, beta1: self.beta1, beta2: self.beta2, epsilon: self.epsilon, correction1, correction2,
    } as unknown as tf.NamedAttrMap;
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        const moment = (suffix: string): Moment => ({ originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) });
        self.accumulatedFirstMoment[i] ??= moment('m');
        self.accumulatedSecondMoment[i] ??= moment('v');
        const grad = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
        if (grad == null) return;
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        const [newValue, newM, newV] = tf.engine().runKernel(ADAM_KERNEL, { value, m, v, grad }, attrs) as tf.Tensor[];
        m.assign(newM);
        v.assign(newV);
        value.assign(newValue);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}

/** Adam(lr, beta1, beta2, epsilon), fused where the backend can. */
export function adam(learningRate: number, beta1: number, beta2: number, epsilon: number): tf.AdamOptimizer {
  return new FusedAdam(learningRate, beta1, beta2, epsilon);
}
