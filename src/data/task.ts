/**
 * Task kinds: what a label means. A binary task has two classes and one sigmoid output (the
 * positive class is the second); multi-class has K exclusive classes and a K-way softmax; ordinal has
 * K ordered grades (trained as multi-class, with ordinal metrics reported); multi-label has K
 * independent findings, each 0/1, and K sigmoids. Segmentation labels every pixel (a mask per image)
 * and has its own chain of stages (ingest.segmentation … evaluate.segmentation); the others classify
 * whole images.
 */
import { MedpipeError } from '../base/errors.ts';

/** The tasks that label whole images. */
export type ClassificationTask = 'binary' | 'multiclass' | 'ordinal' | 'multilabel';
/** Every task a pipeline can have: its type carries it from the ingest that states it to the last stage. */
export type TaskKind = ClassificationTask | 'segmentation';
export const CLASSIFICATION_TASKS: readonly ClassificationTask[] = ['binary', 'multiclass', 'ordinal', 'multilabel'];
export const TASK_KINDS: readonly TaskKind[] = [...CLASSIFICATION_TASKS, 'segmentation'];

/** What the image ports carry about labels; `task` is absent for binary data (so binary outputs, and their cache keys, stay as they were). */
export interface Labelled {
  readonly classes: readonly string[];
  readonly task?: Exclude<ClassificationTask, 'binary'>;
}

/** The task of a data set: its stated task, else binary for two classes and multi-class for more. */
export function taskOf(set: Labelled): ClassificationTask {
  return set.task ?? (set.classes.length > 2 ? 'multiclass' : 'binary');
}

/** The `task` field a data set stores: none for binary. */
export function taskField(task: ClassificationTask): { task?: Exclude<ClassificationTask, 'binary'> } {
  return task === 'binary' ? {} : { task };
}

/** Output units of the model's head: one sigmoid for binary, one unit per class or finding otherwise. */
export function outputUnits(task: ClassificationTask, classes: number): number {
  return task === 'binary' ? 1 : classes;
}

/** Whether each sample has exactly one class (a class index), as opposed to a set of findings. */
export function isSingleLabel(task: ClassificationTask): boolean {
  return task !== 'multilabel';
}

/**
 * Grade names: integers, optionally behind one common word ("0".."4", "grade_1".."grade_3",
 * "KL0".."KL4"). Returns each name's grade, or undefined when the names are not all grades.
 */
export function gradesOf(names: readonly string[]): number[] | undefined {
  const parsed = names.map((name) => /^(\D*?)[\s_-]?(\d+)$/.exec(name.trim()));
  if (parsed.some((m) => m === null)) return undefined;
  const prefixes = new Set(parsed.map((m) => m![1]!.toLowerCase()));
  if (prefixes.size !== 1) return undefined;
  const grades = parsed.map((m) => Number(m![2]));
  return new Set(grades).size === grades.length ? grades : undefined;
}

/** Class names in grade order when they are grades (so "10" comes after "9"), else as given. */
export function orderClasses(names: readonly string[]): string[] {
  const grades = gradesOf(names);
  if (!grades || names.length < 3) return [...names];
  return names.map((name, i) => ({ name, grade: grades[i]! })).sort((a, b) => a.grade - b.grade).map((c) => c.name);
}

export interface InferredTask {
  readonly task: ClassificationTask;
  /** One sentence for the log: what was inferred from what, and how to override it. */
  readonly reason: string;
}

/**
 * The task a labelled listing implies when the pipeline does not state one: findings lists are
 * multi-label; two classes binary; three or more numbered grades ordinal; otherwise multi-class.
 * `numbersAreNames`: the class names are label values the data had to have (npz arrays), so being
 * numbers says nothing about order.
 * @example
 *   inferTask(['0', '1', '2', '3', '4']).task; // 'ordinal'
 */
export function inferTask(classes: readonly string[], options: { readonly multiLabel?: boolean; readonly numbersAreNames?: boolean } = {}): InferredTask {
  const k = classes.length;
  const list = classes.join(', ');
  if (options.multiLabel) return { task: 'multilabel', reason: `${k} findings (${list}), any number per image: task multilabel (K sigmoids)` };
  if (k <= 2) return { task: 'binary', reason: `2 classes (${list}): task binary, positive class '${classes[1] ?? ''}'` };
  if (!options.numbersAreNames && gradesOf(classes)) {
    return { task: 'ordinal', reason: `${k} classes named as grades (${list}): task ordinal (trained as multi-class, ordinal metrics reported); set task: 'multiclass' if they are not ordered` };
  }
  const hint = options.numbersAreNames ? "; if the labels are ordered grades, set task: 'ordinal'" : '';
  return { task: 'multiclass', reason: `${k} classes (${list}): task multiclass (softmax over ${k})${hint}` };
}

/**
 * The stated task checked against the classes found; throws a clear error when they cannot go
 * together (a binary task with five classes).
 */
export function resolveTask(stated: ClassificationTask | undefined, inferred: InferredTask, classes: readonly string[], where: string): InferredTask {
  if (stated === undefined) return inferred;
  const k = classes.length;
  if (stated === 'binary' && k !== 2) {
    throw new MedpipeError('INVALID_CONFIG', `${where}: task 'binary' needs exactly two classes, found ${k} (${classes.join(', ')}).`, {
      fix: k > 2 ? "Use task: 'multiclass' (or 'ordinal' for ordered grades), or merge classes with labelMap." : 'Add the missing class folder.',
    });
  }
  if (stated !== 'binary' && k < 2) {
    throw new MedpipeError('NO_SAMPLES', `${where}: task '${stated}' needs at least two classes, found ${k}.`, { fix: 'Check the data layout: one folder (or label value) per class.' });
  }
  if ((stated === 'multilabel') !== (inferred.task === 'multilabel')) {
    throw new MedpipeError('INVALID_CONFIG', `${where}: task '${stated}' does not fit the labels: ${inferred.reason}.`, {
      fix: stated === 'multilabel' ? 'Give the findings as one 0/1 column per finding, or a |-separated list in the label column.' : "Drop task, or set task: 'multilabel'.",
    });
  }
  return { task: stated, reason: `task ${stated} (stated in the pipeline), ${k} classes (${classes.join(', ')})` };
}
