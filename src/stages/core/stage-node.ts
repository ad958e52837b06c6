/**
 * A stage as data: what it is, its config, and (as types only) the flow it consumes and produces.
 * The pipeline builder (src/pipeline.ts) only accepts a stage whose input flow is what the pipeline
 * produces so far: wiring `fit` before `build` does not compile, and the error text says what to add.
 */

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

/** One stage of a pipeline: what it is, its config, and (as types only) what it consumes and produces. */
export interface StageNode<in In, out Out, Kind extends string = string, Config = unknown> {
  readonly kind: Kind;
  /** Unique within a pipeline; used in cache indexes, logs and `status`. */
  readonly id: string;
  /** The config as the user wrote it (frozen); cache keys hash exactly this. */
  readonly config: Config;
  /** Phantom: never set at run time. */
  readonly __in?: (input: In) => void;
  readonly __out?: () => Out;
  /** Run-time names of the ports, so the graph can be validated from plain JavaScript too. */
  readonly ports: { readonly in: string; readonly out: string };
}

export type AnyStage = StageNode<never, unknown, string, unknown>;
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
