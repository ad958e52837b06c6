/**
 * A stage as data: what it is, its config, and (as types only) the flow it consumes and produces.
 * The pipeline builder (src/pipeline.ts) only accepts a stage whose input flow is what the pipeline
 * produces so far: wiring `fit` before `build` does not compile, and the error text says what to add.
 */
import type { TaskKind } from '../../data/task.ts';

export type { TaskKind } from '../../data/task.ts';

declare const flow: unique symbol;
/** A phantom type naming what flows between two stages (the type-level twin of a port's name). */
export interface Flow<Name extends string> {
  readonly [flow]: Name;
}

export type Start = Flow<'an empty pipeline'>;
/** Decoded images with labels (after ingest, normalize, augment). */
export type Images = Flow<'images'>;
/** Images split into train / validation / test. */
export type Splits = Flow<'splits'>;
/** Splits plus an untrained model. */
export type BuiltModel = Flow<'built model'>;
/** Splits plus a trained model and its history. */
export type TrainedModel = Flow<'trained model'>;
/** Metrics, curves and reports. */
export type Evaluation = Flow<'evaluation'>;

/**
 * Types only: the tasks a stage can run on (its options may belong to one task, e.g. a positiveClass
 * to binary ones), the task it states (an ingest with `task:`), and why it is restricted. The
 * pipeline builder checks `Accepts` against the task stated so far.
 */
export interface TaskRule<Accepts extends TaskKind = TaskKind, Sets extends TaskKind = TaskKind, Why extends string = string> {
  readonly accepts: Accepts;
  readonly sets: Sets;
  readonly why: Why;
}

/** A set of tasks in words, for the type-level messages ("multi-class and ordinal"). */
export type TaskWords<T extends TaskKind> = [T] extends ['binary']
  ? 'binary'
  : [T] extends ['multiclass']
    ? 'multi-class'
    : [T] extends ['ordinal']
      ? 'ordinal'
      : [T] extends ['multilabel']
        ? 'multi-label'
        : [T] extends ['multiclass' | 'ordinal']
          ? 'multi-class and ordinal'
          : [T] extends ['binary' | 'multilabel']
            ? 'binary and multi-label'
            : [T] extends ['binary' | 'multiclass' | 'ordinal']
              ? 'binary, multi-class and ordinal'
              : [T] extends ['multiclass' | 'ordinal' | 'multilabel']
                ? 'multi-class, ordinal and multi-label'
                : 'other';

/** A stage that runs on any task and states none. */
export type AnyTask = TaskRule<TaskKind, never, ''>;

/** One stage of a pipeline: what it is, its config, and (as types only) what it consumes and produces. */
export interface StageNode<in In, out Out, Kind extends string = string, Config = unknown, Task extends TaskRule = AnyTask> {
  readonly kind: Kind;
  /** Unique within a pipeline; used in cache indexes, logs and `status`. */
  readonly id: string;
  /** The config as the user wrote it (frozen); cache keys hash exactly this. */
  readonly config: Config;
  /** Phantom: never set at run time. */
  readonly __in?: (input: In) => void;
  readonly __out?: () => Out;
  /** Phantom: the tasks this stage's options fit (see TaskRule). */
  readonly __task?: Task;
  /** Run-time names of the ports, so the graph can be validated from plain JavaScript too. */
  readonly ports: { readonly in: string; readonly out: string };
}

export type AnyStage = StageNode<never, unknown, string, unknown, TaskRule>;

/** The node type `N` with the task rule `Rule`. */
export type Restricted<N, Rule extends TaskRule> = N extends StageNode<infer I, infer O, infer K, infer C, TaskRule> ? StageNode<I, O, K, C, Rule> : never;

/**
 * Types only: the same node, restricted to the tasks `Accepts` (why: `Why`) or stating the task
 * `Sets`. Factories whose options belong to some tasks return their node through it.
 * @example
 *   return withTask<'binary', never, 'positiveClass is for binary pipelines'>()(nodeOf(evaluateStage, config));
 */
export function withTask<Accepts extends TaskKind, Sets extends TaskKind = never, Why extends string = ''>() {
  return <N>(node: N): Restricted<N, TaskRule<Accepts, Sets, Why>> => node as Restricted<N, TaskRule<Accepts, Sets, Why>>;
}

/** Types only: a stage of the segmentation chain, which runs on segmentation pipelines alone. */
export const segmentationOnly = withTask<'segmentation', never, 'it is a segmentation stage (a class per pixel): it follows ingest.segmentation'>();
export type FlowName<P> = P extends Flow<infer N> ? N : 'unknown';

/** What to add before a stage, by the data it needs (used by the type-level and run-time checks). */
export const HINTS = {
  'an empty pipeline': 'it must be the first stage',
  images: 'add ingest(...) before it',
  splits: 'add split(...) before it',
  'built model': 'add build(...) before it',
  'trained model': 'add fit(...) or tune(...) before it',
  evaluation: 'add evaluate(...) before it',
} as const;

/** The hint shown when a stage's input is missing (run-time twin of the type-level message). */
export function hintFor(port: string): string {
  return (HINTS as Record<string, string>)[port] ?? 'check the stage order';
}

/** Builds a frozen stage node; the stage definitions' factories call it. */
export function stageNode<In, Out, Kind extends string, Config>(
  kind: Kind,
  config: Config,
  ports: { in: FlowName<In>; out: FlowName<Out> },
  id?: string,
): StageNode<In, Out, Kind, Config> {
  return Object.freeze({
    kind,
    id: id ?? kind.split('.')[0]!,
    config: deepFreeze(config),
    ports: Object.freeze({ ...ports }),
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value as object)) deepFreeze(item);
  }
  return value;
}
