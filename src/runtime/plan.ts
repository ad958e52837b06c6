/**
 * The one planning walk shared by `run` and `status`: for each stage in order, its key (from its
 * definition, config, input files, upstream output and environment), whether a verified cache entry
 * exists, and if not, why (compared with the stage's last run in this cache).
 */
import type { StageContext, Fingerprint } from '../stages/core/context.ts';
import type { StageRun } from '../stages/core/define-stage.ts';
import type { CacheEntry, EntrySource } from './cache-store.ts';
import { canonicalJson, sha256 } from '../base/canonical.ts';
import { settleAll } from '../base/settle.ts';
import { decodeListingParts, diffListings, encodeListing, encodeListingColumns, withFiles, type DecodedListing, type ListingColumns } from './listing-object.ts';
import { canonicalConfig, explainMiss, LARGE_LISTING, stageKey, type KeyInputs } from './cache-key.ts';
import type { MissReason } from './events.ts';
import type { Session } from './session.ts';
import type { CheckedStage } from './validate.ts';

/** A checked stage with its implementation loaded. */
export interface LoadedStage extends CheckedStage {
  readonly impl: StageRun<any, any, any>;
}

/** One stage, planned: its key inputs, key, and the verified entry if there is one. */
export interface Planned extends LoadedStage {
  readonly index: number;
  readonly inputs: KeyInputs;
  readonly key: string;
  readonly entry: CacheEntry | undefined;
  /** Where the entry is: this cache, or the remote one (downloaded by a run, only probed by `status`). */
  readonly source: EntrySource | undefined;
  readonly fingerprint: Fingerprint | undefined;
  /** Objects the entry names still being written (an ingest's shards, a large listing's key object): the entry waits for them. */
  readonly named: Promise<void>;
  /** Everything the plan and fingerprint still write (`named`, job records, the stat cache's snapshot): the stage ends after it. */
  readonly written: Promise<void>;
  /**
   * The key's large listing, decoded: what missReasons compares with the last run's (its object may
   * still be being written then; read back, it was not there, and the listings were compared as two
   * objects of 10^5 keys, most of a one-file rerun's time).
   */
  readonly listed?: DecodedListing;
}

/** Loads every stage's implementation (each module once; heavy libraries stay lazy inside them). */
export async function loadStages(stages: readonly CheckedStage[]): Promise<LoadedStage[]> {
  return Promise.all(stages.map(loadStage));
}

/**
 * Loads one stage's implementation. `run` loads each stage's just before planning it: the modules
 * of fit, evaluate and the report (a third of medpipe's) then load after ingest, not before it.
 */
export async function loadStage(stage: CheckedStage): Promise<LoadedStage> {
  return 'impl' in stage ? (stage as LoadedStage) : { ...stage, impl: await stage.definition.load() };
}

/**
 * Plans stage `index`, given the output hash of the stage before it (undefined when that one has not
 * produced an output yet: then no entry can match and `entry` is undefined). A run downloads a
 * remote hit (`lookup`); `status` only asks whether the remote would serve it (`probe`).
 */
export async function planStage(
  session: Session,
  stages: readonly CheckedStage[],
  index: number,
  upstreamHash: string | undefined,
  ctx: StageContext,
  find: 'lookup' | 'probe' = 'lookup',
): Promise<Planned> {
  const stage = await loadStage(stages[index]!);
  const { node, definition, impl, config } = stage;
  const fingerprint = impl.fingerprint ? await impl.fingerprint(config, ctx) : undefined;
  const previous = index > 0 ? stages[index - 1]!.node : undefined;
  const columns = fingerprint?.columns;
  // A large listing given as columns is encoded from them (`listing`, when given, wins as before).
  const large = columns !== undefined && columns.keys.length > LARGE_LISTING && !fingerprint?.listing;
  let inputs: KeyInputs = {
    kind: definition.kind,
    version: definition.version,
    config: canonicalConfig(node.config),
    upstream: previous ? { stage: previous.id, outputHash: upstreamHash ?? 'pending' } : null,
    ...(fingerprint?.listing ? { listing: fingerprint.listing } : large ? {} : fingerprint ? { files: columns ? filesOf(columns) : fingerprint.files } : {}),
    env: { ...session.env(definition), ...fingerprint?.env },
  };
  // What the fingerprint is still writing: an ingest's shards (the entry names them), then its job
  // records and stat cache rows (the listing's snapshot drops those rows, so it comes after them).
  const shards = fingerprint?.pending ?? Promise.resolve();
  let named = shards;
  let listed: DecodedListing | undefined;
  let written = fingerprint?.recorded ? settled([shards, fingerprint.recorded]) : shards;
  if (large || (inputs.files && Object.keys(inputs.files).length > LARGE_LISTING)) {
    const { files, ...rest } = inputs;
    // The stat cache's snapshot of these paths (primed by the fingerprint) has them deflated already.
    const { bytes, keys, parts } = large ? encodeListingColumns(columns, session.hasher.deflatedPaths(columns.keys)) : encodeListing(files!);
    // Written while the stage goes on (its key and lookup need only the name), beside the shards;
    // the stat cache's snapshot names it only once it is there: the snapshot drops the files' own
    // rows, and the object is then where their hashes are.
    const listing = { hash: sha256(bytes), count: keys.length };
    inputs = { ...rest, listing };
    listed = parts;
    named = settled([shards, session.store.putObject(bytes, listing.hash)]);
    written = settled([named, written]).then(() => fingerprint?.onListing?.(listing, keys));
  }
  // Reported where they are awaited.
  named.catch(() => undefined);
  written.catch(() => undefined);
  const key = stageKey(inputs);
  const found = upstreamHash === undefined && index > 0 ? undefined : await session.store[find](key);
  return { ...stage, index, inputs, key, entry: found?.entry, source: found?.source, fingerprint, named, written, ...(listed ? { listed } : {}) };
}

/** Settles when every one of `writes` has, rejecting with the first failure. */
const settled = (writes: readonly Promise<unknown>[]): Promise<void> => settleAll(writes).then(() => undefined);

/** Columns as key inputs' `files` (a small listing). */
function filesOf({ keys, values }: ListingColumns): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < keys.length; i++) files[keys[i]!] = values[i]!;
  return files;
}

/** Why a planned stage is not served from cache, against its last run in this cache. */
export async function missReasons(session: Session, planned: Planned): Promise<MissReason[]> {
  const previous = await session.store.readIndex(session.pipeline.name, planned.node.id);
  // A first run is explained without its files: decoding a large listing's object would tell nothing.
  if (!previous) return explainMiss(undefined, planned.inputs);
  const [before, after] = [previous.inputs.listing, planned.inputs.listing];
  if (before && after) {
    // Two large listings: compared as their objects' sorted paths and binary hashes, not as two 10^5-key objects.
    const decoded = async ({ hash }: { hash: string }) => {
      const bytes = await session.store.getObject(hash);
      return bytes && decodeListingParts(bytes);
    };
    const [a, b] = await Promise.all([decoded(before), planned.listed ?? decoded(after)]);
    if (a && b) return explainMiss(previous.inputs, planned.inputs, diffListings(a, b));
  }
  return explainMiss(await withFiles(session.store, previous.inputs), (await withFiles(session.store, planned.inputs))!);
}
