import { MedpipeError } from '../base/errors.ts';
import { binaryCrossEntropy, categoricalCrossEntropy, categoricalFocalLoss, focalLoss, perLabel, softOrdinalLoss, type LossFn } from './losses.ts';
import type { FitData } from './predict.ts';

export type LossConfig =
  | 'binaryCrossentropy'
  | 'categoricalCrossentropy'
  | { readonly softOrdinal: { readonly scale?: number } }
  | { readonly focal: { readonly gamma?: number; readonly alpha?: number } };

/** The loss a task trains with when none is configured. */
export function defaultLoss(task: FitData['task']): 'binaryCrossentropy' | 'categoricalCrossentropy' {
  return task === 'multiclass' || task === 'ordinal' ? 'categoricalCrossentropy' : 'binaryCrossentropy';
}

/**
 * The loss function for a configured loss and the data's task: binary cross-entropy or focal on one
 * sigmoid; categorical cross-entropy or categorical focal on a K-way softmax; binary cross-entropy or
 * focal per finding for multi-label. A loss of another task is an error that names the right one.
 * `labelSmoothing` smooths the one-hot targets of the categorical losses (K-class tasks only).
 * @example
 *   const loss = lossFor({ focal: { gamma: 2 } }, { task: 'multiclass', classes: 4, ... });
 */
export function lossFor(config: LossConfig | undefined, data: Pick<FitData, 'task' | 'classes'>, labelSmoothing = 0): LossFn {
  const task = data.task ?? 'binary';
  const k = data.classes ?? 2;
  const loss = config ?? defaultLoss(task);
  const singleLabelK = task === 'multiclass' || task === 'ordinal';
  if (labelSmoothing > 0 && (!singleLabelK || (typeof loss === 'object' && 'softOrdinal' in loss))) {
    throw new MedpipeError(
      'INVALID_CONFIG',
      `labelSmoothing is for the one-hot targets of multi-class and ordinal tasks (this is ${task}${singleLabelK ? ' with softOrdinal targets, already spread' : ''}).`,
      {
        fix: singleLabelK ? 'Use softOrdinal or labelSmoothing, not both.' : 'Leave labelSmoothing out.',
      },
    );
  }
  if (loss === 'categoricalCrossentropy') {
    if (!singleLabelK) throw wrongLoss(loss, task, "'binaryCrossentropy'");
    return categoricalCrossEntropy(k, labelSmoothing);
  }
  if (loss === 'binaryCrossentropy') {
    if (singleLabelK) throw wrongLoss(loss, task, "'categoricalCrossentropy'");
    return task === 'multilabel' ? perLabel(binaryCrossEntropy, k) : binaryCrossEntropy;
  }
  if ('softOrdinal' in loss) {
    if (task !== 'ordinal')
      throw wrongLoss('softOrdinal', task, "'categoricalCrossentropy' (softOrdinal spreads the target over neighbouring grades: ordinal tasks only)");
    return softOrdinalLoss(k, loss.softOrdinal);
  }
  if (singleLabelK) return categoricalFocalLoss(k, loss.focal, labelSmoothing);
  return task === 'multilabel' ? perLabel(focalLoss(loss.focal), k) : focalLoss(loss.focal);
}

function wrongLoss(loss: string, task: string, right: string): MedpipeError {
  return new MedpipeError('INVALID_CONFIG', `loss '${loss}' does not fit a ${task} task.`, {
    fix: `Use loss: ${right} (or { focal: { gamma: 2 } }), or leave loss out for the task's default.`,
  });
}
