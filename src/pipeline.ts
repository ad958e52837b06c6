/**
 * The typed pipeline DSL. A pipeline is plain frozen data: a name, options and a list of stage
 * nodes. `.stage()` only accepts a stage whose input is what the pipeline produces so far — wiring
 * `fit` before `build` does not compile, and the error text says what to add.
 */
import { HINTS, type AnyStage, type FlowName, type Start, type StageNode } from './stages/core/stage-node.ts';

export type { AnyStage, StageNode, Flow, Start, Images, Splits, BuiltModel, TrainedModel, Evaluation } from './stages/core/stage-node.ts';
export { hintFor } from './stages/core/stage-node.ts';

type InputOf<S> = S extends StageNode<infer I, unknown, string, unknown> ? I : never;
type OutputOf<S> = S extends StageNode<never, infer O, string, unknown> ? O : never;
type KindOf<S> = S extends StageNode<never, unknown, infer K, unknown> ? K : string;

/** The message a user sees when a stage is wired in an impossible order. */
export interface StageOrderError<Message extends string> {
  readonly 'medpipe error': Message;
}

type Hints = typeof HINTS;
type Hint<P> = FlowName<P> extends keyof Hints ? Hints[FlowName<P>] : 'check the stage order';

type Checked<S, Out> = [Out] extends [InputOf<S>]
  ? S
  : StageOrderError<`'${KindOf<S>}' needs ${FlowName<InputOf<S>>} but the pipeline so far produces ${FlowName<Out>}: ${Hint<InputOf<S>>}`>;

export interface PipelineOptions {
  /** Seed for splitting, weight init, shuffling, dropout and augmentation. @default 42 */
  readonly seed?: number;
  /** Where `evaluate` and `fit` export their results. @default 'out/<name>' (relative to the current directory) */
  readonly outDir?: string;
}

export interface Pipeline<Out> {
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
  readonly stage: <S extends AnyStage>(stage: Checked<S, Out>) => Pipeline<OutputOf<S>>;
}

/**
 * Starts a pipeline.
 * @example
 *   export default pipeline('xray', { seed: 7 }).stage(ingest.folder({ root: '../data' })).stage(split());
 */
export function pipeline(name: string, options: PipelineOptions = {}): Pipeline<Start> {
  return makePipeline<Start>(name, Object.freeze({ ...options }), Object.freeze([]));
}

function makePipeline<Out>(name: string, options: PipelineOptions, stages: readonly AnyStage[]): Pipeline<Out> {
  const value: Pipeline<Out> = {
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
      return makePipeline(name, options, Object.freeze([...stages, node]));
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
