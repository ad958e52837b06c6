/**
 * How a listing becomes ingest jobs. Files are cut into runs at content-defined boundaries: a file
 * ends a job when a hash of its relative path falls below a threshold (about one in `mean` files),
 * or when the job has reached 4 × `mean` files. Boundaries depend on names only, so a changed file
 * touches one job, and an added or removed file touches one job (two when it is itself a boundary),
 * while every other job — and its shards — stays exactly as it was.
 */
import { canonicalJson, sha256 } from '../../base/canonical.ts';
import type { Listing } from '../file-listing.ts';
import { SHARD_FORMAT } from './format.ts';
import type { FileStat } from './ingest-env.ts';
import type { DecodeSpec, FileWant } from './ingest-job.ts';

/** One input file of an ingest (a CSV may name a file on several rows: it is one unit). */
export interface Unit {
  readonly rel: string;
  readonly abs: string;
  want: FileWant;
  stat?: FileStat;
  /** Content hash: from the stat cache, or once the file has been read. */
  hash?: string;
  /** The hash was learned by reading the file just now, without decoding it (hash-units.ts): still to be ingested. */
  hashedOnly?: boolean;
}

/** The want of a file listed once, whole: one frozen object shared by every such unit (wants are replaced, never changed). */
const WHOLE_FILE: FileWant = Object.freeze({ whole: true });

/** The listing's files, each once, in the order they first appear, with what their rows ask for. */
export function unitsOf(listing: Listing): Unit[] {
  // A folder listing names each file once, whole: a unit per file, in its order (no map of 10^5 paths).
  if (listing.distinct) return listing.files.map((file) => ({ rel: file.rel, abs: file.abs, want: WHOLE_FILE }));
  const byAbs = new Map<string, Unit>();
  for (const file of listing.files) {
    let unit = byAbs.get(file.abs);
    if (!unit && file.slice === undefined) {
      // The common case (a file listed once, whole): one object, not a want rebuilt per row.
      byAbs.set(file.abs, { rel: file.rel, abs: file.abs, want: WHOLE_FILE });
      continue;
    }
    if (!unit) {
      unit = { rel: file.rel, abs: file.abs, want: { whole: false } };
      byAbs.set(file.abs, unit);
    }
    unit.want =
      file.slice === undefined
        ? { ...unit.want, whole: true }
        : { ...unit.want, frames: [...new Set([...(unit.want.frames ?? []), file.slice])].sort((a, b) => a - b) };
  }
  return [...byAbs.values()];
}

/** FNV-1a of a string, as an unsigned 32-bit number. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Files per job on average: about 16 MiB of records per job, between 16 and 256 files, but at
 * least 1 MiB of records (up to 1024 files) where records are tiny: a job costs this thread a few
 * ms whatever its size (its shard file, footer, fsync, job record and stat cache row), which 256
 * records of 28x28 did not repay. MEDPIPE_SHARD_FILES=n sets it (smaller jobs mean finer-grained
 * reuse and resumption).
 */
export function meanFilesPerJob(recordBytes: number): number {
  const setting = Number(process.env.MEDPIPE_SHARD_FILES);
  if (Number.isInteger(setting) && setting >= 1) return setting;
  const bytes = Math.max(recordBytes, 1);
  const bySize = Math.max(16, Math.min(256, Math.round((16 << 20) / bytes)));
  return Math.max(bySize, Math.min(1024, Math.round((1 << 20) / bytes)));
}

/**
 * Cuts `units` (in order) into jobs at content-defined boundaries.
 * @example
 *   const jobs = planJobs(units, meanFilesPerJob(224 * 224));
 */
export function planJobs<T extends { readonly rel: string }>(units: readonly T[], mean: number): T[][] {
  const threshold = Math.floor(2 ** 32 / mean);
  const jobs: T[][] = [];
  let current: T[] = [];
  for (const unit of units) {
    current.push(unit);
    if (fnv1a(unit.rel) < threshold || current.length >= 4 * mean) {
      jobs.push(current);
      current = [];
    }
  }
  if (current.length > 0) jobs.push(current);
  return jobs;
}

/** A job's identity: the decode spec and each file's path, content hash and what is wanted of it. */
export function jobKey(spec: DecodeSpec, units: readonly Unit[]): string | undefined {
  if (units.some((u) => u.hash === undefined)) return undefined;
  // canonicalJson({ format, decode, files: [[rel, hash, want], …] }) written out directly (a key per
  // job of 10^5 files, sorting no keys); tested equal. The files in one JSON.stringify: a string
  // built file by file in JavaScript (run a few hundred times, mostly before V8 optimises it) took
  // twice as long. A want's keys are put in canonical order first, as JSON.stringify keeps them.
  const files = new Array<[string, string, object]>(units.length);
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    files[i] = [u.rel, u.hash!, u.want.whole && u.want.frames === undefined ? WHOLE : (JSON.parse(canonicalJson(u.want)) as object)];
  }
  return sha256(`{"decode":${canonicalJson(spec)},"files":${JSON.stringify(files)},"format":${FORMAT}}`);
}

const WHOLE = Object.freeze({ whole: true });
const FORMAT = canonicalJson(SHARD_FORMAT);
