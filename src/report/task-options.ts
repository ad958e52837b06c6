import { MedpipeError } from '../base/errors.ts';
import type { ClassificationTask } from '../data/task.ts';
import type { EvaluateConfig } from './evaluate-config.ts';

/** evaluate options that only make sense for some tasks, and which. */
const ONLY: Readonly<Record<string, { readonly tasks: readonly ClassificationTask[]; readonly why: string }>> = {
  threshold: { tasks: ['binary', 'multilabel'], why: 'multi-class and ordinal tasks predict the most probable class, with no threshold' },
  sensitivity: { tasks: ['binary', 'multilabel'], why: 'specificity at a sensitivity needs one score per decision' },
  positiveClass: { tasks: ['binary'], why: 'there is one positive class only when there are two classes' },
  gradCamClass: { tasks: ['multiclass', 'ordinal', 'multilabel'], why: 'a binary model explains its positive class (use positiveClass)' },
  // The clinical evaluation (issue 12) works on one score per image; K-class runs report point estimates.
  bootstrap: { tasks: ['binary'], why: 'confidence intervals are computed for binary tasks only (one score per image)' },
  calibration: { tasks: ['binary'], why: 'the reliability diagram and recalibration are for one score per image' },
  subgroups: { tasks: ['binary'], why: 'subgroup metrics are computed for binary tasks only' },
};

/** The evaluate options of `config` that `task` cannot use, with why (empty when all fit). */
export function taskOptionProblems(config: EvaluateConfig, task: ClassificationTask): string[] {
  return Object.entries(ONLY).flatMap(([key, rule]) => {
    const value = (config as Record<string, unknown>)[key];
    // `false` (subgroups: false) asks for nothing, so it fits every task.
    if (value === undefined || value === false || rule.tasks.includes(task)) return [];
    return [`evaluate.${key} is for ${rule.tasks.join(' and ')} tasks, but this one is ${task}: ${rule.why}`];
  });
}

/** Throws one error listing every evaluate option that does not fit the data's task. */
export function checkTaskOptions(config: EvaluateConfig, task: ClassificationTask): void {
  const problems = taskOptionProblems(config, task);
  if (problems.length > 0) {
    throw new MedpipeError('INVALID_CONFIG', problems.join('; '), {
      issues: problems,
      fix: `Remove ${problems.length > 1 ? 'these options' : 'this option'} (or state the task on ingest).`,
    });
  }
}
