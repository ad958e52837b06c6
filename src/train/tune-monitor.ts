import type { ClassificationTask } from '../data/task.ts';
import { scoreKeys } from './task-scores.ts';

/** A tune monitor the task does not compute, as a sentence (empty when it does). */
export function tuneMonitorProblems(monitor: string | undefined, task: ClassificationTask): string[] {
  if (monitor === undefined || monitor === 'val_loss') return [];
  const keys = scoreKeys(task);
  return keys.includes(monitor.slice(4))
    ? []
    : [`tune.monitor '${monitor}' is not computed on a ${task} task (use val_loss or one of: ${keys.map((k) => `val_${k}`).join(', ')})`];
}
