/**
 * The typed pipeline DSL. A pipeline is plain frozen data: a name, options and a list of stage
 * nodes. Each node names the kind of data it consumes and produces, and `.stage()` only accepts a
 * stage whose input is what the pipeline produces so far — wiring `fit` before `build` does not
 * compile, and the error text says what to add.
 */

declare const port: unique symbol;
/** A phantom type naming the data that flows between two stages. */
export interface Port<Name extends string> {
  readonly [port]: Name;
}

export type Start = Port<'an empty pipeline'>;
/** Decoded images with labels (after ingest, normalize, augment). */
export type Images = Port<'images'>;
/** Images split into train / validation / test. */
export type Splits = Port<'splits'>;
/** Splits plus an untrained model. */
export type BuiltModel = Port<'built model'>;
/** Splits plus a trained model and its history. */
export type TrainedModel = Port<'trained model'>;
/** Metrics, curves and reports. */
export type Evaluation = Port<'evaluation'>;

/** One stage of a pipeline: what it is, its config, and (as types only) what it consumes and produces. */
export interface StageNode<in In, out Out, Kind extends string = string, Config = unknown> {
  readonly kind: Kind;
  /** Unique within a pipeline; used in cache indexes, logs and `status`. */
  readonly id: string;
  readonly config: Config;
  /** Phantom: never set at run time. */
  readonly __in?: (input: In) => void;
  readonly __out?: () => Out;
  /** Run-time names of the ports, so the graph can be validated from plain JavaScript too. */
  readonly ports: { readonly in: string; readonly out: string };
}

export type AnyStage = StageNode<never, unknown, string, unknown>;
type InputOf<S> = S extends StageNode<infer I, unknown, string, unknown> ? I : never;
type OutputOf<S> = S extends StageNode<never, infer O, string, unknown> ? O : never;
type KindOf<S> = S extends StageNode<never, unknown, infer K, unknown> ? K : string;
type PortName<P> = P extends Port<infer N> ? N : 'unknown';

/** The message a user sees when a stage is wired in an impossible order. */
export interface StageOrderError<Message extends string> {
  readonly 'medpipe error': Message;
}

/** What to add before a stage, by the data it needs (used by the type-level and run-time checks). */
const HINTS = {
  'an empty pipeline': 'it must be the first stage',
  images: 'add ingest(...) before it',
  splits: 'add split(...) before it',
  'built model': 'add build(...) before it',
  'trained model': 'add fit(...) or tune(...) before it',
  evaluation: 'add evaluate(...) before it',
} as const;
type Hints = typeof HINTS;
type Hint<P> = PortName<P> extends keyof Hints ? Hints[PortName<P>] : 'check the stage order';

type Checked<S, Out> = [Out] extends [InputOf<S>]
  ? S
  : StageOrderError<`'${KindOf<S>}' needs ${PortName<InputOf<S>>} but the pipeline so far produces ${PortName<Out>}: ${Hint<InputOf<S>>}`>;

export interface PipelineOptions {
  /** Seed for splitting, weight init, shuffling, dropout and augmentation. @default 42 */
  readonly seed?: number;
  /** Where `evaluate` and `fit` export their results. @default 'out/<name>' (relative to the current directory) */
  readonly outDir?: string;
}

export interface Pipeline<Out> {
  readonly name: string;
  readonly options: PipelineOptions;
  readonly stages: readonly StageNode<never, unknown, string, unknown>[];
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

function makePipeline<Out>(name: string, options: PipelineOptions, stages: readonly StageNode<never, unknown, string, unknown>[]): Pipeline<Out> {
  const value: Pipeline<Out> = {
    name,
    options,
    stages,
    stage: (stage) => {
      let node = stage as unknown as StageNode<never, unknown, string, unknown>;
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

/** Builds a frozen stage node; used by the stage factories. */
export function stageNode<In, Out, Kind extends string, Config>(
  kind: Kind,
  config: Config,
  ports: { in: PortName<In>; out: PortName<Out> },
  id?: string,
): StageNode<In, Out, Kind, Config> {
  return Object.freeze({
    kind,
    id: id ?? kind.split('.')[0]!,
    config: deepFreeze(config),
    ports: Object.freeze({ ...ports }),
  });
}

/** The hint shown when a stage's input is missing (run-time twin of the type-level message). */
export function hintFor(port: string): string {
  return (HINTS as Record<string, string>)[port] ?? 'check the stage order';
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value as object)) deepFreeze(item);
  }
  return value;
}

/** Type guard used when loading a user's pipeline module. */
export function isPipeline(value: unknown): value is Pipeline<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as Pipeline<unknown>).name === 'string' && Array.isArray((value as Pipeline<unknown>).stages)
  );
}
