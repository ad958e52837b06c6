import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { listCsv, listFolder, type Listing } from '../data/file-listing.ts';
import type { ImageSet } from '../data/image-set.ts';
import type { CsvIngestConfig, DecodeConfig, FolderIngestConfig, NpzIngestConfig } from '../data/ingest-config.ts';
import { listingTask, taskKeyEnv } from '../data/listing-task.ts';
import { npzTask, readNpzSet } from '../data/npz-set.ts';
import { hashUnits } from '../data/store/hash-units.ts';
import { fileColumns, ingestListing, knownHashes, unitsRoot, withEntries } from '../data/store/ingest.ts';
import { unitsOf, type Unit } from '../data/store/ingest-plan.ts';
import { attachStats, listingDigest, settled, statAll } from '../data/store/listing-digest.ts';
import { objectPath } from '../base/object-store.ts';
import type { IngestEnv } from '../data/store/ingest-env.ts';
import { writeSkippedFiles } from '../report/skipped-files.ts';
import type { PreviousOutput, StageContext } from './core/context.ts';
import type { StageRun } from './core/define-stage.ts';

const summary = (set: ImageSet) =>
  `${set.samples.length} images ${set.shape.join('x')}, classes ${set.classes.join('/')}${set.skipped.length ? `, ${set.skipped.length} skipped` : ''}`;
const exportSkipped = (set: ImageSet, outDir: string) => writeSkippedFiles(set.skipped, outDir);

/** The stage's last output in this cache, as ingest's previous manifest (`early`: its reading, already begun). */
const previousOf = async (ctx: StageContext, early?: Promise<PreviousOutput | undefined>) => {
  const previous = await (early ?? ctx.previousOutput());
  return previous && { set: previous.output as ImageSet, files: previous.files };
};

const env = (ctx: StageContext, early?: Promise<PreviousOutput | undefined>): IngestEnv => ({
  objectsDir: ctx.objectsDir,
  fileIndex: ctx.fileIndex,
  records: ctx.records,
  previous: () => previousOf(ctx, early),
  signal: ctx.signal,
  emit: ctx.emit,
  units: ctx.units,
});

interface Found {
  readonly listing: Listing;
  /** The listing's files with their stat and hash, when the fingerprint learned them. */
  readonly units?: Unit[];
  /** Set when finding the files' hashes meant reading them: then they were ingested on the way. */
  readonly set?: ImageSet;
}

/**
 * The files' hashes (the key). Unchanged files come from the stat cache; the rest must be read. A
 * plain run reads each file once: it ingests them right here, so `run` finds the work done. When the
 * key must come first (a remote cache may serve the stage, or workers take its shard jobs:
 * `ctx.keyFirst`), and for `status`, the files are only hashed (read + sha256, no decode).
 */
async function fingerprintListing(
  listing: Listing,
  config: DecodeConfig,
  ctx: StageContext,
  extra: Record<string, string> = {},
  previous?: Promise<PreviousOutput | undefined>,
) {
  // How labels are read joins the key (nothing for binary data: keys as before task kinds).
  const labels = taskKeyEnv(listingTask(listing, config.task).task);
  const units = unitsOf(listing);
  // A folder listing took its files' stats as it listed them (one unit per file, in its order).
  const stats = listing.stats && units.length === listing.files.length ? listing.stats : statAll(units);
  const digest = listingDigest(units, stats, extra);
  const root = unitsRoot(units, listing.under);
  // A large listing whose paths and stats are all as when it was last keyed: that key's listing
  // object stands for its files (when it is still in the cache).
  const known = ctx.fileIndex.listingFor?.(root, digest);
  if (known && existsSync(objectPath(ctx.objectsDir, known.hash))) return { files: {}, listing: known, data: { listing } satisfies Found, env: labels };
  const onListing = (at: readonly Unit[]) =>
    settled(at) && ctx.fileIndex.rememberListing
      ? (l: { hash: string; count: number }, keys: readonly string[]) => ctx.fileIndex.rememberListing!(root, digest, l, keys, { files: at, stats, ...(listing.under !== undefined ? { under: listing.under } : {}) })
      : undefined;
  attachStats(units, stats);
  knownHashes(units, ctx.fileIndex, stats, root, listing.under);
  if (!units.every((u) => u.hash) && (ctx.keyFirst || ctx.purpose === 'status')) await hashUnits(units, ctx.fileIndex, ctx.signal);
  if (units.every((u) => u.hash) || ctx.purpose === 'status') {
    // Columns, not an object of 10^5 keys (files not read, for `status`, are 'unreadable').
    return {
      files: {},
      columns: withEntries(fileColumns(units), extra),
      data: { listing, units } satisfies Found,
      env: labels,
      ...(ctx.purpose === 'status' ? {} : { onListing: onListing(units) }),
    };
  }
  const { set, files, published, recorded } = await ingestListing(listing, config, env(ctx, previous), units);
  // The files just read are known now (ingest set their hashes): remembered unless modified too recently.
  return {
    files: {},
    columns: withEntries(files, extra),
    data: { listing, set } satisfies Found,
    env: labels,
    onListing: onListing(units),
    pending: published,
    recorded,
  };
}

async function runListing(found: Found, config: DecodeConfig, ctx: StageContext): Promise<ImageSet> {
  if (found.set) return found.set;
  const { set, recorded } = await ingestListing(found.listing, config, env(ctx), found.units);
  await recorded; // follows the shards' publishing, and fails with it
  return set;
}

export const folder = {
  fingerprint: async (config, ctx) => {
    // The last manifest is read and decoded while the folder is scanned (on other threads, this one
    // idle): a rerun with a changed file then finds it ready. Unused when nothing changed.
    const previous = ctx.purpose === 'status' || ctx.keyFirst ? undefined : ctx.previousOutput(true);
    previous?.catch(() => undefined); // awaited, and reported, where used
    const listing = listFolder(config, ctx.baseDir); // the scan runs on other threads from here
    ctx.fileIndex.preload?.();
    return fingerprintListing(await listing, config, ctx, {}, previous);
  },
  run: (_input, config, ctx, fingerprint) => runListing(fingerprint!.data as Found, config, ctx),
  summary,
  export: exportSkipped,
} satisfies StageRun<FolderIngestConfig, undefined, ImageSet>;

export const csv = {
  async fingerprint(config, ctx) {
    const csvHash = await ctx.hash(isAbsolute(config.csv) ? config.csv : resolve(ctx.baseDir, config.csv));
    return fingerprintListing(await listCsv(config, ctx.baseDir), config, ctx, { [`(csv) ${config.csv}`]: csvHash });
  },
  run: (_input, config, ctx, fingerprint) => runListing(fingerprint!.data as Found, config, ctx),
  summary,
  export: exportSkipped,
} satisfies StageRun<CsvIngestConfig, undefined, ImageSet>;

const npzPath = (config: NpzIngestConfig, baseDir: string) => (isAbsolute(config.file) ? config.file : resolve(baseDir, config.file));

export const npz = {
  fingerprint: async (config, ctx) => ({
    files: { [config.file]: await ctx.hash(npzPath(config, ctx.baseDir)) },
    data: npzPath(config, ctx.baseDir),
    env: taskKeyEnv((await npzTask(npzPath(config, ctx.baseDir), config)).task),
  }),
  run: (_input, config, ctx, fingerprint) =>
    readNpzSet(fingerprint!.data as string, config, {
      objectsDir: ctx.objectsDir,
      fileHash: fingerprint!.files[config.file]!,
      signal: ctx.signal,
      emit: ctx.emit,
    }),
  summary: (set) => `${set.samples.length} images ${set.shape.join('x')} from arrays, classes ${set.classes.join('/')}`,
} satisfies StageRun<NpzIngestConfig, undefined, ImageSet>;
