/** What ingest needs from its surroundings (the runtime supplies it from the cache). */
import type { UnitRunner } from '../../base/units.ts';
import type { Work } from '../../base/work.ts';
import type { TaskPool } from '../workers/pool.ts';
import type { ImageSet } from '../image-set.ts';

/** What identifies a file's version without reading it (as git's index does). */
export interface FileStat {
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly ino: bigint;
}

/** The stat cache: content hashes of files seen before, by path and stat. */
/** A listing's files (relative and absolute path) and their stats as statAll gives them (4 numbers a file, in the same order). */
export interface ListedFiles {
  readonly files: readonly { readonly rel: string; readonly abs: string }[];
  readonly stats: BigInt64Array;
  /** Every file's abs is this followed by its rel (Listing.under). */
  readonly under?: string;
}

export interface FileIndex {
  /** Loads every remembered row under a folder at once (one query instead of one per file). */
  prime?(folder: string): void;
  /** Loads what a first remember() will need, while this thread would wait anyway (a folder scan). */
  preload?(): void;
  /** The hash remembered for this path with exactly this stat, or undefined (then the file must be read). */
  known(absPath: string, stat: FileStat): string | undefined;
  /** known() for many files at once, given statAll's numbers for them (4 per file, in order); `under`: every file's abs is it followed by its rel (Listing.under). */
  knownAll?(files: readonly { readonly abs: string; readonly rel: string }[], stats: BigInt64Array, under?: string): (string | undefined)[];
  /** Remembers hashes just computed (a file modified in the last 2 s is not remembered: mtime granularity). */
  remember(rows: readonly { readonly absPath: string; readonly stat: FileStat; readonly hash: string }[]): void;
  /**
   * The object and count a large listing under `root` was keyed by when it had this digest (see
   * listing-digest.ts), or undefined. One listing per root is remembered.
   */
  listingFor?(root: string, digest: string): { hash: string; count: number } | undefined;
  /** `keys`: the listing object's paths in its order; `files`: the listed files with their stats (the stat cache's snapshot of the root). */
  rememberListing?(root: string, digest: string, listing: { readonly hash: string; readonly count: number }, keys?: readonly string[], files?: ListedFiles): void;
}

/** Keyed binary records that outlive a run (ingest's finished jobs). */
export interface RecordStore {
  getRecord(space: string, key: string): Promise<Uint8Array | undefined>;
  putRecord(space: string, key: string, bytes: Uint8Array): Promise<void>;
}

/** The stage's last manifest and, on demand, the hashes of the files it was made from (path → sha256). */
export interface PreviousIngest {
  readonly set: ImageSet;
  readonly files: () => Promise<((path: string) => string | undefined) | undefined>;
}

export interface IngestEnv extends Work {
  /** The cache's objects folder: shards are written there. */
  readonly objectsDir: string;
  readonly fileIndex: FileIndex;
  readonly records: RecordStore;
  /** This stage's output of its last run, if any: files unchanged since are copied from its shards. */
  readonly previous?: () => Promise<PreviousIngest | undefined>;
  /** Where jobs run. @default the shared worker pool (inline for small listings) */
  readonly pool?: TaskPool;
  /**
   * The run's units of work: when they run in parallel elsewhere (`--redis`: workers), each job
   * whose files all have their hash is sent there as a unit (data/store/shard-unit.ts).
   */
  readonly units?: UnitRunner;
}
