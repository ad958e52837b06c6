/**
 * The typed pipeline DSL. A pipeline is plain frozen data: a name, options and a list of stage
 * nodes. `.stage()` only accepts a stage whose input is what the pipeline produces so far — wiring
 * `fit` before `build` does not compile, and the error text says what to add.
 */
import { HINTS, type AnyStage, type FlowName, type Start, type StageNode, type TaskKind, type TaskRule } from './stages/core/stage-node.ts';

export type { AnyStage, StageNode, Flow, Start, Images, Splits, BuiltModel, TrainedModel, Evaluation, TaskKind, TaskRule } from './stages/core/stage-node.ts';
export { hintFor } from './stages/core/stage-node.ts';

type InputOf<S> = S extends StageNode<infer I, unknown, string, unknown, TaskRule> ? I : never;
type OutputOf<S> = S extends StageNode<never, infer O, string, unknown, TaskRule> ? O : never;
type KindOf<S> = S extends StageNode<never, unknown, infer K, unknown, TaskRule> ? K : string;
type RuleOf<S> = S extends { readonly __task?: infer R } ? Extract<R, TaskRule> : TaskRule;
type AcceptsOf<S> = RuleOf<S>['accepts'];
type SetsOf<S> = RuleOf<S>['sets'];

/** The pipeline's task after `S`: the one `S` states, else the one so far. */
type NextTask<S, T extends TaskKind> = [SetsOf<S>] extends [never] ? T : SetsOf<S>;

/** Names a task for a message; the full union means the pipeline has not stated one. */
type TaskName<T extends TaskKind> = [TaskKind] extends [T] ? 'unstated' : T;

/** The message a user sees when a stage is wired in an impossible order. */
export interface StageOrderError<Message extends string> {
  readonly 'medpipe error': Message;
}

type Hints = typeof HINTS;
type Hint<P> = FlowName<P> extends keyof Hints ? Hints[FlowName<P>] : 'check the stage order';

/**
 * `S` when it can follow: its input is what the pipeline produces, and its options fit the task
 * stated so far (an unstated task fits everything: then the options are checked at run time).
 */
type Checked<S, Out, T extends TaskKind> = [Out] extends [InputOf<S>]
  ? [Extract<T, AcceptsOf<S>>] extends [never]
    ? StageOrderError<`'${KindOf<S>}' does not fit this ${TaskName<T>} pipeline: ${RuleOf<S>['why']}`>
    : S
  : StageOrderError<`'${KindOf<S>}' needs ${FlowName<InputOf<S>>} but the pipeline so far produces ${FlowName<Out>}: ${Hint<InputOf<S>>}`>;

export interface PipelineOptions {
  /** Seed for splitting, weight init, shuffling, dropout and augmentation. @default 42 */
  readonly seed?: number;
  /** Where `evaluate` and `fit` export their results. @default 'out/<name>' (relative to the current directory) */
  readonly outDir?: string;
}

/**
 * A pipeline that produces `Out` so far, for a `Task` (stated by its ingest's `task:` option; the
 * union of all tasks while none is stated).
 */
export interface Pipeline<Out, Task extends TaskKind = TaskKind> {
  readonly name: string;
  readonly options: PipelineOptions;
  readonly stages: readonly AnyStage[];
  /** Phantom: the data this pipeline produces so far. */
  readonly __out?: () => Out;
  /**
   * Appends a stage and returns a new pipeline; this one is left unchanged. (Not named `then`:
   * a pipeline with a `then` method would be a thenable, and `await` would try to call it.)
   * @example pipeline('xray').stage(ingest.folder({ root: 'data' })).stage(split())
   */
  readonly stage: <S extends AnyStage>(stage: Checked<S, Out, Task>) => Pipeline<OutputOf<S>, NextTask<S, Task>>;
}

/**
 * Starts a pipeline.
 * @example
 *   export default pipeline('xray', { seed: 7 }).stage(ingest.folder({ root: '../data' })).stage(split());
 */
export function pipeline(name: string, options: PipelineOptions = {}): Pipeline<Start> {
  return makePipeline<Start>(name, Object.freeze({ ...options }), Object.freeze([]));
}

function makePipeline<Out, Task extends TaskKind = TaskKind>(name: string, options: PipelineOptions, stages: readonly AnyStage[]): Pipeline<Out, Task> {
  const value: Pipeline<Out, Task> = {
    name,
    options,
    stages,
    stage: (stage) => {
      let node = stage as unknown as AnyStage;
      // A second stage of the same kind (e.g. two normalize steps) gets a distinct id: normalize-2.
      if (stages.some((s) => s.id === node.id)) {
        let n = 2;
        while (stages.some((s) => s.id === `${node.id}-${n}`)) n++;
        node = Object.freeze({ ...node, id: `${node.id}-${n}` });
      }
      return makePipeline(name, options, Object.freeze([...stages, node])) as never;
    },
  };
  return Object.freeze(value);
}

/** Type guard used when loading a user's pipeline module. */
export function isPipeline(value: unknown): value is Pipeline<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as Pipeline<unknown>).name === 'string' && Array.isArray((value as Pipeline<unknown>).stages)
  );
}
