/**
 * Early stopping with Keras' semantics (monitor, mode, patience, minDelta) plus what tfjs-layers
 * lacks: `restoreBestWeights`, done by keeping a Float32Array copy of every weight (trainable and
 * not, so BatchNorm's moving statistics come back too) from the best epoch.
 *
 * @example
 * const stopper = new EarlyStopping({ monitor: 'val_auc', patience: 3, restoreBestWeights: true });
 */
import * as tf from '@tensorflow/tfjs';
import { MedpipeError } from '../base/errors.ts';

export interface EarlyStoppingOptions {
  /** Log key to watch, e.g. 'val_auc' or 'val_loss'. */
  readonly monitor: string;
  /** 'auto' picks 'min' for losses and counts of errors (fp, fn), 'max' for scores (auc, accuracy, …). @default 'auto' */
  readonly mode?: 'min' | 'max' | 'auto';
  /** Epochs without improvement before stopping (Keras' default). @default 0 */
  readonly patience?: number;
  /** Smallest change that counts as an improvement. @default 0 */
  readonly minDelta?: number;
  /** At the end of training, set the weights back to the best epoch's. @default false */
  readonly restoreBestWeights?: boolean;
}

const MIN_KEYS = new Set(['fp', 'fn', 'error', 'mse', 'mae', 'brier']);
const MAX_PATTERN = /(auc|acc|qwk|precision|recall|specificity|sensitivity|f1|fmeasure|kappa|npv|ppv|^tp$|^tn$|mcc|dice|iou)/;

/** The direction for a log key under mode 'auto'; throws when the key does not say. */
export function resolveMode(monitor: string, mode: 'min' | 'max' | 'auto' = 'auto'): 'min' | 'max' {
  if (mode === 'min' || mode === 'max') return mode;
  const key = monitor.replace(/^val_/, '').toLowerCase();
  if (key.includes('loss') || MIN_KEYS.has(key)) return 'min';
  if (MAX_PATTERN.test(key)) return 'max';
  throw new MedpipeError('INVALID_CONFIG', `earlyStopping cannot tell whether '${monitor}' should go up or down.`, {
    fix: `Set earlyStopping.mode to 'max' or 'min' for '${monitor}'.`,
  });
}

/** Copies every weight of the model out of the backend. */
export function snapshotWeights(model: tf.LayersModel): Float32Array[] {
  return model.weights.map((w) => Float32Array.from(w.read().dataSync()));
}

/** Writes a snapshot back (weights are assigned, so the model keeps its variables). */
export function restoreWeights(model: tf.LayersModel, snapshot: readonly Float32Array[]): void {
  const tensors = model.weights.map((w, i) => tf.tensor(snapshot[i], w.shape as number[], w.dtype === 'int32' ? 'int32' : 'float32'));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

export class EarlyStopping {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  best: number;
  /** 1-based epoch of the best value, 0 before any. */
  bestEpoch = 0;
  wait = 0;
  bestWeights: Float32Array[] | undefined;

  constructor(options: EarlyStoppingOptions) {
    this.monitor = options.monitor;
    this.mode = resolveMode(options.monitor, options.mode);
    this.patience = options.patience ?? 0;
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    if (!Number.isInteger(this.patience) || this.patience < 0) {
      throw new MedpipeError('INVALID_CONFIG', `earlyStopping.patience must be a whole number >= 0 (got ${options.patience}).`, {
        fix: 'Use e.g. patience: 3.',
      });
    }
    if (!Number.isFinite(this.minDelta)) {
      throw new MedpipeError('INVALID_CONFIG', `earlyStopping.minDelta must be a finite number (got ${options.minDelta}).`, {
        fix: 'Use e.g. minDelta: 0.001.',
      });
    }
    this.best = this.mode === 'max' ? -Infinity : Infinity;
  }

  /** True when `value` beats the best by more than minDelta (NaN never does). */
  improves(value: number): boolean {
    return this.mode === 'max' ? value - this.minDelta > this.best : value + this.minDelta < this.best;
  }

  /** Records one epoch; returns true when training should stop. */
  update(epoch: number, logs: Readonly<Record<string, number>>, model: tf.LayersModel): boolean {
    if (!(this.monitor in logs)) {
      throw new MedpipeError(
        'INVALID_CONFIG',
        `earlyStopping monitors '${this.monitor}', which is not among the epoch logs (${Object.keys(logs).join(', ')}).`,
        {
          fix: `Set earlyStopping.monitor to one of: ${Object.keys(logs).join(', ')}.`,
        },
      );
    }
    const value = logs[this.monitor];
    if (this.improves(value)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = snapshotWeights(model);
      return false;
    }
    this.wait += 1;
    // Keras: stop once `patience` epochs in a row brought no improvement (at least one).
    return this.wait >= Math.max(1, this.patience);
  }

  get patienceLeft(): number {
    return Math.max(0, this.patience - this.wait);
  }
}
