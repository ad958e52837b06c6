/**
 * One definition per stage kind: its kind, ports, config schema and version, written once in
 * `src/stages/<name>.ts`. The factory users call, the registry the runtime reads (listed in src/stages/all.ts)
 * and the config checks are derived from it; the implementation (`<name>.run.ts`) is loaded lazily.
 */
import type { z } from 'zod';
import type { CheckContext, Fingerprint, StageContext } from './context.ts';
import type { AnyPort, DataOf, FlowOf } from './port.ts';
import { stageNode, type StageNode } from './stage-node.ts';
import type { StageKind } from '../registry.ts';
import type { ClassificationTask } from '../../data/task.ts';

/** How a stage runs: a thin adapter that calls library code (src/data, src/train, ...). */
export interface StageRun<Config, In, Out> {
  /** Finds the input files before the key is computed (their hashes join the key). */
  readonly fingerprint?: (config: Config, ctx: StageContext) => Promise<Fingerprint>;
  readonly run: (input: In, config: Config, ctx: StageContext, fingerprint: Fingerprint | undefined) => Promise<Out>;
  /** One line for logs, the dashboard and run.json. */
  readonly summary?: (output: Out) => string;
  /** Writes user-facing files (reports, the model) into the run's output folder; returns their paths. */
  readonly export?: (output: Out, outDir: string) => Promise<string[]>;
}

export interface StageDefinition<Kind extends string, In extends AnyPort, Out extends AnyPort, Schema extends z.ZodType> {
  readonly kind: Kind;
  /** The node id in a pipeline (a second node of the same id becomes `<id>-2`). @default the kind up to its first dot ('ingest' for 'ingest.folder') */
  readonly id: string;
  /** Bump when the implementation changes its results: old cache entries stop matching. */
  readonly version: number;
  readonly in: In;
  readonly out: Out;
  /** The config's one schema: the factory's parameter type is inferred from it, and it is checked before anything runs. */
  readonly config: Schema;
  /** Results depend on the seed. @default false */
  readonly seeded: boolean;
  /** Results depend on the TensorFlow.js version and backend. @default false */
  readonly usesTf: boolean;
  /** Checks the schema cannot make (files that must exist); one sentence per problem. */
  readonly check?: (config: z.output<Schema>, ctx: CheckContext) => string[];
  /** Other environment parts its results depend on (they join the key, and `status` names them). */
  readonly keyEnv?: () => Readonly<Record<string, string>>;
  /** Files and folders the stage reads, for watch mode. */
  readonly inputs?: (config: z.output<Schema>) => readonly string[];
  /** Options that do not fit a task, one sentence each; checked before a run when an ingest states the task. */
  readonly taskProblems?: (config: z.output<Schema>, task: ClassificationTask) => string[];
  /** Loads the implementation (lazily: a cached run never loads TensorFlow.js or sharp). */
  readonly load: () => Promise<StageRun<z.output<Schema>, DataOf<In>, DataOf<Out>>>;
}

export type AnyDefinition = StageDefinition<string, AnyPort, AnyPort, z.ZodType>;
export type ConfigOf<D> = D extends StageDefinition<string, AnyPort, AnyPort, infer S> ? z.output<S> : never;
export type ConfigInputOf<D> = D extends StageDefinition<string, AnyPort, AnyPort, infer S> ? z.input<S> : never;

/**
 * Declares a stage kind.
 * @example
 *   export const invertStage = defineStage({
 *     kind: 'invert', version: 1, in: ports.images, out: ports.images,
 *     config: z.strictObject({}), load: async () => (await import('./invert.run.ts')).default,
 *   });
 */
export function defineStage<Kind extends string, In extends AnyPort, Out extends AnyPort, Schema extends z.ZodType>(definition: {
  readonly kind: Kind;
  readonly id?: string;
  readonly version: number;
  readonly in: In;
  readonly out: Out;
  readonly config: Schema;
  readonly seeded?: boolean;
  readonly usesTf?: boolean;
  readonly check?: (config: z.output<NoInfer<Schema>>, ctx: CheckContext) => string[];
  readonly keyEnv?: () => Readonly<Record<string, string>>;
  readonly inputs?: (config: z.output<NoInfer<Schema>>) => readonly string[];
  readonly taskProblems?: (config: z.output<NoInfer<Schema>>, task: ClassificationTask) => string[];
  readonly load: () => Promise<StageRun<z.output<NoInfer<Schema>>, DataOf<NoInfer<In>>, DataOf<NoInfer<Out>>>>;
}): StageDefinition<Kind, In, Out, Schema> {
  return Object.freeze({ seeded: false, usesTf: false, ...definition, id: definition.id ?? definition.kind.split('.')[0]! });
}

/** The compile-time link to the registry: a definition missing from src/stages/all.ts is an error that says so. */
export type Registered<D extends AnyDefinition> = D['kind'] extends StageKind
  ? unknown
  : { readonly 'medpipe error': `stage kind '${D['kind']}' is not listed in src/stages/all.ts: add a line exporting its definition there` };

/**
 * A pipeline node for `definition` with `config` (kept exactly as written: the cache key hashes it).
 * @example
 *   export const normalize = (config: NormalizeConfig = { method: 'rescale' }) => nodeOf(normalizeStage, config);
 */
export function nodeOf<D extends AnyDefinition>(
  definition: D & Registered<D>,
  config: ConfigInputOf<D>,
): StageNode<FlowOf<D['in']>, FlowOf<D['out']>, D['kind'], ConfigInputOf<D>> {
  return stageNode(definition.kind, config, { in: definition.in.name, out: definition.out.name } as never, definition.id);
}
