/**
 * Units of work: the independent pieces of a stage — one tune trial, one cross-validation fold, one
 * ingest shard — that an executor may run anywhere, in any order, and serve from a cache. A unit is
 * defined once (kind, version, how its input and result are stored, the function that does it);
 * its key is the content hash of its encoded input, so the same work is never done twice: the
 * local cache, a remote cache and a job queue all use that key.
 */
import type { Codec } from './artifact.ts';
import { throwIfAborted } from './errors.ts';
import type { Work } from './work.ts';

/** The function that does one unit (loaded lazily: a coordinator need not load TensorFlow.js). */
export type UnitRun<Input, Result> = (input: Input, work: Work) => Promise<Result>;

export interface UnitDefinition<Input, Result> {
  /** Unique among units, e.g. 'tune.trial'; workers find the definition by it. */
  readonly kind: string;
  /** Bump when the function changes its results: old entries stop matching. */
  readonly version: number;
  /** Results depend on the TensorFlow.js version and backend (they join the key; a worker must match). */
  readonly usesTf: boolean;
  /** How the input travels to a worker and is hashed into the key. Everything that changes the result must be in it. */
  readonly input: Codec<Input>;
  /** How the result is cached and sent back. */
  readonly result: Codec<Result>;
  /**
   * The part of the encoded input's JSON the key hashes (default: all of it). Where to find inputs
   * that the input names by their content hashes (an ingest shard's file paths) is left out, so
   * every machine and checkout computes the same key for the same work.
   */
  readonly keyPart?: (meta: unknown) => unknown;
  readonly load: () => Promise<UnitRun<Input, Result>>;
}

export interface UnitItem<Input> {
  readonly input: Input;
  /** What the dashboard and logs call it ('grid point 3/8: learningRate 0.001'); not part of the key. */
  readonly label: string;
}

/**
 * Runs a stage's units and returns their results in the order given. The runtime's executors (in
 * this process, or as jobs on a BullMQ queue) look each unit up in the cache first and store what
 * they compute.
 * @example
 *   const results = await runner.run(trialUnit, points.map((p, i) => ({ input: p, label: `point ${i + 1}` })), job);
 */
export interface UnitRunner {
  /**
   * Units run at once, elsewhere (workers): a stage whose units are cheap (ingest's shard jobs)
   * hands them to the runner only then, and otherwise keeps its own way of running them.
   */
  readonly parallel: boolean;
  run<Input, Result>(definition: UnitDefinition<Input, Result>, items: readonly UnitItem<Input>[], work: Work): Promise<Result[]>;
}

/** One after another in this process, with no cache: for library calls made outside a run. */
export const inlineUnits: UnitRunner = {
  parallel: false,
  async run(definition, items, work) {
    const run = await definition.load();
    const results = [];
    for (const item of items) {
      throwIfAborted(work.signal);
      results.push(await run(item.input, work));
    }
    return results;
  },
};
