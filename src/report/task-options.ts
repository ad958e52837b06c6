import { MedpipeError } from '../base/errors.ts';
import type { TaskKind } from '../data/task.ts';
import type { EvaluateConfig } from './evaluate-config.ts';

/** evaluate options that only make sense for some tasks, and which. */
const ONLY: Readonly<Record<string, { readonly tasks: readonly TaskKind[]; readonly why: string }>> = {
  threshold: { tasks: ['binary', 'multilabel'], why: 'multi-class and ordinal tasks predict the most probable class, with no threshold' },
  sensitivity: { tasks: ['binary', 'multilabel'], why: 'specificity at a sensitivity needs one score per decision' },
  positiveClass: { tasks: ['binary'], why: 'there is one positive class only when there are two classes' },
  gradCamClass: { tasks: ['multiclass', 'ordinal', 'multilabel'], why: 'a binary model explains its positive class (use positiveClass)' },
  // Recalibration maps one score per image; K-class runs report their calibration raw.
  'calibration.recalibrate': { tasks: ['binary'], why: 'Platt and isotonic recalibration map one score per image' },
};

/** The evaluate options of `config` that `task` cannot use, with why (empty when all fit). */
export function taskOptionProblems(config: EvaluateConfig, task: TaskKind): string[] {
  return Object.entries(ONLY).flatMap(([key, rule]) => {
    // A dotted key names an option inside an object option (calibration.recalibrate).
    const value = key.split('.').reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], config);
    // `false` (subgroups: false) asks for nothing, so it fits every task.
    if (value === undefined || value === false || rule.tasks.includes(task)) return [];
    return [`evaluate.${key} is for ${rule.tasks.join(' and ')} tasks, but this one is ${task}: ${rule.why}`];
  });
}

/** Throws one error listing every evaluate option that does not fit the data's task. */
export function checkTaskOptions(config: EvaluateConfig, task: TaskKind): void {
  const problems = taskOptionProblems(config, task);
  if (problems.length > 0) {
    throw new MedpipeError('INVALID_CONFIG', problems.join('; '), {
      issues: problems,
      fix: `Remove ${problems.length > 1 ? 'these options' : 'this option'} (or state the task on ingest).`,
    });
  }
}
