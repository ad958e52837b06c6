import type { ClassificationTask } from '../data/task.ts';
import { epochLogKeys } from './epoch-log-keys.ts';
import { epochMetricKeys, type FitConfig } from './fit-config.ts';

/**
 * What in a fit config does not fit a task, one sentence each (empty when all fits): a loss of
 * another task, oversampling findings, class weights by index on findings, an early-stopping monitor
 * the task does not log, label smoothing outside one-hot targets. `validate` reports these before anything runs when the ingest states its
 * task; training reports them when the task is inferred from the data.
 */
export function fitTaskProblems(config: FitConfig, task: ClassificationTask, where = 'fit'): string[] {
  const problems: string[] = [];
  const k = task === 'multiclass' || task === 'ordinal';
  if (config.loss === 'binaryCrossentropy' && k)
    problems.push(
      `${where}.loss 'binaryCrossentropy' is for binary and multi-label tasks, but this one is ${task}: use 'categoricalCrossentropy' (the default)`,
    );
  if (config.loss === 'categoricalCrossentropy' && !k)
    problems.push(
      `${where}.loss 'categoricalCrossentropy' is for multi-class and ordinal tasks, but this one is ${task}: use 'binaryCrossentropy' (the default)`,
    );
  if (typeof config.loss === 'object' && 'softOrdinal' in config.loss && task !== 'ordinal')
    problems.push(`${where}.loss softOrdinal is for ordinal tasks, but this one is ${task}`);
  if (config.labelSmoothing && !k) problems.push(`${where}.labelSmoothing smooths one-hot targets of multi-class and ordinal tasks, but this one is ${task}`);
  if (config.labelSmoothing && typeof config.loss === 'object' && 'softOrdinal' in config.loss)
    problems.push(`${where}.labelSmoothing and loss softOrdinal both spread the target: use one of them`);
  if (config.oversample && task === 'multilabel')
    problems.push(`${where}.oversample needs one class per image, but this task is multi-label: use classWeight: 'balanced'`);
  if (config.classWeight !== undefined && config.classWeight !== 'balanced' && task === 'multilabel')
    problems.push(`${where}.classWeight by class index is for single-label tasks: use 'balanced' (per finding)`);
  const monitor = config.earlyStopping ? config.earlyStopping.monitor : undefined;
  const keys = epochLogKeys(epochMetricKeys(task));
  if (monitor !== undefined && !keys.includes(monitor))
    problems.push(`${where}.earlyStopping.monitor '${monitor}' is not logged on a ${task} task (logged: ${keys.join(', ')})`);
  return problems;
}
