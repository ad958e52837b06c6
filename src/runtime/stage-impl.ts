import type { CacheStore, Artifact } from './cache-store.ts';
import type { RunEvent } from './events.ts';
import type { FileHasher } from './file-hash.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** Events a stage may emit itself; the runtime adds `at` and `stage`. */
export type StageEvent = DistributiveOmit<Extract<RunEvent, { type: 'stage-progress' | 'log' | 'epoch' | 'batch' }>, 'at' | 'stage'>;

export interface StageContext {
  readonly stage: string;
  readonly pipeline: string;
  readonly seed: number;
  readonly signal: AbortSignal;
  /** Relative paths in configs resolve against this (the pipeline file's folder). */
  readonly baseDir: string;
  readonly store: CacheStore;
  readonly hasher: FileHasher;
  readonly emit: (event: StageEvent) => void;
  /** Makes sure a TensorFlow.js backend is ready and returns its name. */
  readonly backend: () => Promise<string>;
  /**
   * The output of the nearest earlier stage that produces `port` (e.g. 'splits'), loaded on demand.
   * Lets fit and evaluate read the data without every model stage storing a copy of it.
   */
  readonly ancestor: (port: string) => Promise<unknown>;
  /** Output hash of the stage before this one (goes into outputs that refer to upstream data). */
  readonly upstreamHash: string | undefined;
}

/** The input files of a stage, found before its key is computed. */
export interface Fingerprint {
  /** Relative path → content hash; part of the key. */
  readonly files: Readonly<Record<string, string>>;
  /** Anything the stage wants to reuse in `run` (e.g. the resolved file list). */
  readonly data?: unknown;
}

export interface ValidationContext {
  readonly baseDir: string;
}

/** How the runtime runs one kind of stage. */
export interface StageImpl<Config = any, In = any, Out = any> {
  readonly kind: string;
  /** Bump when the implementation changes its results: old entries stop matching. */
  readonly version: number;
  /** Results depend on the seed. */
  readonly seeded?: boolean;
  /** Results depend on the TensorFlow.js version and backend. */
  readonly usesTf?: boolean;
  validate?(config: Config, ctx: ValidationContext): string[] | Promise<string[]>;
  fingerprint?(config: Config, ctx: StageContext): Promise<Fingerprint>;
  run(input: In, config: Config, ctx: StageContext, fingerprint: Fingerprint | undefined): Promise<Out>;
  encode(output: Out): Artifact | Promise<Artifact>;
  decode(artifact: Artifact): Out | Promise<Out>;
  /** One line for logs and the dashboard. */
  summary?(output: Out): string;
  /** Writes user-facing files (reports, the model) into the run's output folder; returns their paths. */
  export?(output: Out, outDir: string): Promise<string[]>;
}
