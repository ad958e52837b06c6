/**
 * Ingest into the store: list → stat (the stat cache names unchanged files without reading them)
 * → cut into jobs → per job, reuse its finished result when every file is known and unchanged,
 * else run it (in a worker: read each file once, hash, decode or copy, write shards) → assemble
 * the manifest. Jobs stream through an RxJS pipeline with bounded concurrency, so memory holds the
 * jobs in flight, never the data set; each finished job is recorded at once, so a run killed
 * anywhere redoes at most the jobs that had not finished.
 */
import { defaultMaxListeners, setMaxListeners } from 'node:events';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { canonicalJson } from '../../base/canonical.ts';
import type { UnitRunner } from '../../base/units.ts';
import { MedpipeError, throwIfAborted } from '../../base/errors.ts';
import { objectPath, objectTempDir, type ObjectRef } from '../../base/object-store.ts';
import { lowerBound } from '../../base/sorted.ts';
import { decoderKey } from '../../io/decoder-version.ts';
import type { Listing } from '../file-listing.ts';
import type { ImageSet } from '../image-set.ts';
import type { DecodeConfig } from '../ingest-config.ts';
import type { SampleMeta } from '../types.ts';
import { inlinePool, sharedPool, workerCount, type TaskPool } from '../workers/pool.ts';
import { assembleImageSet, type Located } from './assemble-set.ts';
import type { FileProblem, ShardRecord } from './format.ts';
import { TableRow } from './record-table.ts';
import type { FileStat, IngestEnv, PreviousIngest } from './ingest-env.ts';
import { startIngestJob, type DecodeSpec, type IngestJobResult, type JobFile } from './ingest-job.ts';
import { saltKey } from './group-salt.ts';
import { jobKey, meanFilesPerJob, planJobs, unitsOf, type Unit } from './ingest-plan.ts';
import { nativeTest } from './native-ingest.ts';
import { readShardFooter } from './shard-reader.ts';
import { shardUnit } from './shard-unit.ts';
import { listingTask } from '../listing-task.ts';
import { statUnits } from './listing-digest.ts';

/**
 * Decoding is worth worker threads (which take a few hundred ms to start) only when it takes longer
 * than that: about 50 µs a file plus 8 ns a record byte on one core.
 */
const WORKER_MIN_SECONDS = 1;
const estimatedSeconds = (files: number, recordBytes: number) => files * (50e-6 + recordBytes * 8e-9);

/** A shard is closed before it passes 64 MiB. */
export const MAX_SHARD_BYTES = 64 << 20;
const JOBS = 'ingest-jobs';

export interface IngestOutcome {
  readonly set: ImageSet;
  /** Every listed file's content hash (the ingest's part of its cache key): fileColumns. */
  readonly files: FileColumns;
  /** The set's shards fsynced and in place: awaited before anything names them. */
  readonly published: Promise<void>;
  /** Then each job's record and the stat cache's rows of its files: awaited before the stage ends. */
  readonly recorded: Promise<void>;
}

/** What a finished job left: its shards and the files that gave no record. */
interface JobRecord {
  readonly shards: readonly ObjectRef[];
  readonly problems: readonly FileProblem[];
}

/** How files become records for this config (equal specs give equal records). */
export function decodeSpecOf(config: DecodeConfig): DecodeSpec {
  const salt = saltKey();
  return {
    size: config.size ?? [64, 64],
    channels: config.channels ?? 3,
    ...(config.volume?.axis !== undefined ? { axis: config.volume.axis } : {}),
    ...(config.volume?.slices !== undefined ? { slices: config.volume.slices } : {}),
    ...(config.volume?.stack !== undefined ? { stack: config.volume.stack } : {}),
    decoder: decoderKey(),
    ...(salt ? { saltKey: salt } : {}),
  };
}

/** The longest folder prefix (ending in '/') that every path shares. */
export function commonFolder(paths: readonly string[]): string {
  let prefix = paths[0] ?? '';
  for (const path of paths) while (!path.startsWith(prefix)) prefix = prefix.slice(0, prefix.lastIndexOf('/', prefix.length - 2) + 1);
  return prefix.slice(0, prefix.lastIndexOf('/') + 1);
}

/** The commonFolder of the units' absolute paths; with `under` (Listing.under) found from their relative paths. */
export function unitsRoot(units: readonly Unit[], under?: string): string {
  return under !== undefined && units.length > 0 ? under + commonFolder(units.map((u) => u.rel)) : commonFolder(units.map((u) => u.abs));
}

/**
 * The listing's files with their stat and, where the stat cache knows them, their content hash.
 * @example
 *   const units = statListing(listing, env.fileIndex); // units.filter((u) => !u.hash): must be read
 */
export function statListing(listing: Listing, fileIndex: IngestEnv['fileIndex']): Unit[] {
  const units = unitsOf(listing);
  knownHashes(units, fileIndex, statUnits(units), undefined, listing.under);
  return units;
}

/**
 * Sets each statted unit's hash where the stat cache knows its path with that stat. `stats`:
 * statAll's numbers for the units (then the stat cache compares them in bulk); `root`: their
 * unitsRoot, when the caller has it; `under`: the listing's (Listing.under).
 */
export function knownHashes(units: readonly Unit[], fileIndex: IngestEnv['fileIndex'], stats?: BigInt64Array, root?: string, under?: string): void {
  if (units.length > 64) fileIndex.prime?.(root ?? unitsRoot(units, under));
  if (stats && fileIndex.knownAll) {
    const hashes = fileIndex.knownAll(units, stats, under);
    for (let i = 0; i < units.length; i++) if (units[i]!.stat) units[i]!.hash = hashes[i];
    return;
  }
  for (const unit of units) if (unit.stat) unit.hash = fileIndex.known(unit.abs, unit.stat);
}

/** A listing's files as the key's columns: relative paths in code-unit order, each once, and their content hashes. */
export interface FileColumns {
  readonly keys: string[];
  readonly values: string[];
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every unit's content hash ('unreadable' for a file that could not be read) by relative path, as
 * sorted columns: the key's files without an object of 10^5 keys.
 */
export function fileColumns(units: readonly Unit[]): FileColumns {
  const keys: string[] = new Array(units.length);
  const values: string[] = new Array(units.length);
  // Listings come sorted: checking is one pass, sorting a 10^5-element array of strings is not.
  let sorted = true;
  for (let i = 0; i < units.length; i++) {
    keys[i] = units[i]!.rel;
    values[i] = units[i]!.hash ?? 'unreadable';
    if (i > 0 && keys[i - 1]! >= keys[i]!) sorted = false;
  }
  if (!sorted) {
    const order = keys.map((_, i) => i).sort((a, b) => byCodeUnits(keys[a]!, keys[b]!));
    const [k, v] = [order.map((i) => keys[i]!), order.map((i) => values[i]!)];
    // Copied back by index: spreading 10^5 arguments into splice overflows the stack.
    for (let i = 0; i < k.length; i++) [keys[i], values[i]] = [k[i]!, v[i]!];
  }
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] === keys[i]) throw new MedpipeError('INTERNAL', 'Two listed files share a relative path.');
  return { keys, values };
}

/** `columns` with `extra`'s entries (key entries that are not files of the listing) put in their places; an entry of the same path replaces the file's. */
export function withEntries(columns: FileColumns, extra: Readonly<Record<string, string>>): FileColumns {
  const { keys, values } = columns;
  for (const [key, value] of Object.entries(extra)) {
    const lo = lowerBound(keys, key);
    if (keys[lo] === key) values[lo] = value;
    else {
      keys.splice(lo, 0, key);
      values.splice(lo, 0, value);
    }
  }
  return { keys, values };
}

const jsonBytes = (value: unknown) => new Uint8Array(Buffer.from(JSON.stringify(value), 'utf8'));

/** Whether each of a finished job's shards is in the store with its recorded size. */
const shardsPresent = (objectsDir: string, shards: readonly ObjectRef[]) => shards.every((shard) => statSync(objectPath(objectsDir, shard.hash), { throwIfNoEntry: false })?.size === shard.size);

/** The records of a finished job, read back from its shards' footers (their presence and size checked). */
function recordsOfShards(objectsDir: string, shards: readonly ObjectRef[]): Located[] | undefined {
  if (!shardsPresent(objectsDir, shards)) return undefined;
  const out: Located[] = [];
  for (const shard of shards) {
    try {
      for (const record of readShardFooter(objectPath(objectsDir, shard.hash)).records) out.push({ shard, record });
    } catch {
      return undefined;
    }
  }
  return out;
}

/** Whether a sample's attributes are at most a folder listing's `source` (no key array made: 10^5 samples). */
function onlySource(attributes: Readonly<Record<string, string>> | undefined): boolean {
  for (const key in attributes) if (key !== 'source') return false;
  return true;
}

/** The first of `samples` (sorted by file) whose file is `file`, or -1. */
function firstRowOf(samples: readonly SampleMeta[], file: string): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (samples[mid]!.file < file) lo = mid + 1;
    else hi = mid;
  }
  return lo < samples.length && samples[lo]!.file === file ? lo : -1;
}

/** PNG and JPEG files: one frame each, never group keys or DICOM attributes in their records. */
const SINGLE_FRAME = /\.(png|jpe?g)$/i;

/**
 * Where the last run stored each file's records (by path), for copying instead of decoding: the
 * records are offered with the hash the file had then (from that run's key), and copied only when
 * the file's content hash is that one.
 */
class Locator {
  /** Whether the last manifest's rows are in file order (a folder's are): then a file's rows are found by binary search. */
  private sorted?: boolean;
  /** Otherwise the last manifest's last row of each file, */
  private lastRowOf?: Map<string, number>;
  /** and its only row (-1: several rows, or not plain: see onlyRow). */
  private rowOf?: Map<string, number>;
  private readonly footers = new Map<string, readonly ShardRecord[] | undefined>();

  private constructor(
    private readonly previous: ImageSet | undefined,
    private readonly hashOf: ((path: string) => string | undefined) | undefined,
    private readonly spec: DecodeSpec,
    private readonly objectsDir: string,
  ) {}

  static async of(previous: PreviousIngest | undefined, spec: DecodeSpec, objectsDir: string): Promise<Locator> {
    const usable = previous && canonicalJson(previous.set.decode ?? null) === canonicalJson(spec);
    return new Locator(usable ? previous.set : undefined, usable ? await previous.files() : undefined, spec, objectsDir);
  }

  private isSorted(samples: readonly SampleMeta[]): boolean {
    if (this.sorted === undefined) {
      this.sorted = true;
      for (let i = 1; i < samples.length && this.sorted; i++) this.sorted = samples[i - 1]!.file <= samples[i]!.file;
    }
    return this.sorted;
  }

  /**
   * The last manifest's row of `file` when it is the file's only row and plain, else -1. Plain: not
   * a frame or slice (id is the file), and no group or attributes its record may have given it (a
   * DICOM file named .png): the rows hold neither, and a folder's `source` is all a plain PNG's
   * sample has. `near`: the row to try first (the one after the last file's: jobs are runs of the
   * listing, as the rows are), so a job's files cost a compare each, not a lookup.
   */
  private onlyRow(file: string, near: number): number {
    const samples = this.previous!.samples;
    let row: number;
    if (this.isSorted(samples)) {
      row = near < samples.length && samples[near]!.file === file && (near === 0 || samples[near - 1]!.file !== file) ? near : firstRowOf(samples, file);
      if (row < 0 || (row + 1 < samples.length && samples[row + 1]!.file === file)) return -1;
    } else {
      if (!this.rowOf) {
        this.rowOf = new Map();
        for (let i = 0; i < samples.length; i++) this.rowOf.set(samples[i]!.file, this.rowOf.has(samples[i]!.file) ? -1 : i);
      }
      row = this.rowOf.get(file) ?? -1;
      if (row < 0) return -1;
    }
    const { id, group, attributes } = samples[row]!;
    return id === file && group === undefined && onlySource(attributes) ? row : -1;
  }

  /** The last manifest's last row of `file`, or -1. */
  private lastRow(file: string): number {
    const samples = this.previous!.samples;
    if (this.isSorted(samples)) {
      let row = firstRowOf(samples, file);
      if (row >= 0) while (row + 1 < samples.length && samples[row + 1]!.file === file) row++;
      return row;
    }
    if (!this.lastRowOf) {
      this.lastRowOf = new Map();
      for (let i = 0; i < samples.length; i++) this.lastRowOf.set(samples[i]!.file, i);
    }
    return this.lastRowOf.get(file) ?? -1;
  }

  /**
   * A reused job's records from the last manifest's rows, without reading its shards' footers (one
   * per job: 374 at 10^5 files); undefined (read the footers) unless every file is a PNG or JPEG
   * wanted whole, and is either among the job's problems or has exactly one plain row of the last
   * manifest (onlyRow), in one of the job's shards. Such a file's record is that row plus what the
   * job key fixes: one frame, no group keys or DICOM attributes, the file's hash, the set's record
   * shape. Rows carry no moments (a stored table has none): the new table then has none either, as
   * a cached one, and whoever needs them reads them from the footers (footer-moments.ts), checked by
   * their CRC then.
   */
  rowsOf(job: readonly Unit[], shards: readonly ObjectRef[], problems: readonly FileProblem[]): Located[] | undefined {
    const prev = this.previous;
    if (!prev || this.spec.stack !== undefined) return undefined;
    const { table, recordShape } = prev;
    // Usually one shard a job: compared, no map made.
    const only = shards.length === 1 ? shards[0]! : undefined;
    const inJob = only ? undefined : new Map(shards.map((shard) => [shard.hash, shard]));
    const failed = problems.length > 0 ? new Set(problems.map((p) => p.file)) : undefined;
    const out: Located[] = [];
    let near = -1;
    for (const unit of job) {
      if (failed?.has(unit.rel)) continue;
      if (!unit.want.whole || unit.want.frames !== undefined || !SINGLE_FRAME.test(unit.rel)) return undefined;
      const row = this.onlyRow(unit.rel, near + 1);
      if (row < 0) return undefined;
      near = row;
      const hash = table.shards[table.shard[row]!]!.hash;
      const shard = only ? (only.hash === hash ? only : undefined) : inJob!.get(hash);
      if (!shard) return undefined;
      out.push({ shard, record: new TableRow(unit.rel, unit.hash!, recordShape, table, row) });
    }
    return out;
  }

  reuse(unit: Unit): JobFile['reuse'] {
    const prev = this.previous;
    const hash = this.hashOf?.(unit.rel);
    if (!prev || !hash) return undefined;
    const row = this.lastRow(unit.rel);
    if (row < 0) return undefined;
    const shard = prev.table.shards[prev.table.shard[row]!]!.hash;
    if (!this.footers.has(shard)) {
      try {
        this.footers.set(shard, readShardFooter(objectPath(this.objectsDir, shard)).records);
      } catch {
        this.footers.set(shard, undefined);
      }
    }
    const records = this.footers.get(shard)?.filter((r) => r.file === unit.rel);
    if (!records || records.length === 0) return undefined;
    // Only when the old records cover what the rows ask for now.
    const frames = new Set(records.filter((r) => r.stack === undefined).map((r) => r.frame ?? 0));
    if (unit.want.frames?.some((k) => !frames.has(k))) return undefined;
    if (unit.want.whole && !records.some((r) => (this.spec.stack === undefined) === (r.stack === undefined))) return undefined;
    return { shard, records, hash };
  }
}

/** A job's records and the files that gave none. */
export interface JobOutcome {
  readonly located: Located[];
  readonly problems: readonly FileProblem[];
  /** One record per file of the job that is not among its problems, in the job's order (from the last manifest's rows: Locator.rowsOf). */
  readonly byUnit?: boolean;
}

/**
 * The jobs' records by file (the relative path the records name), in frame order, for
 * assembleImageSet, which asks for them file by file in listing order. The jobs are runs of the
 * listing in that order: a reused job's records (one a file, `byUnit`) are answered by walking
 * them in step, a compare a file; the others' (new, or read from footers: several frames a file,
 * any order) from a map. A file asked out of step (a CSV row naming a file twice, a file of an
 * unknown class left out) finds the walked records in a map of them made then.
 */
export function recordsByFile(outcomes: readonly JobOutcome[]): { get(file: string): readonly Located[] | undefined } {
  const walked: Located[][] = [];
  const mapped = new Map<string, Located[]>();
  for (const outcome of outcomes) {
    if (outcome.byUnit) {
      walked.push(outcome.located);
      continue;
    }
    for (const l of outcome.located) {
      const list = mapped.get(l.record.file);
      if (list) list.push(l);
      else mapped.set(l.record.file, [l]);
    }
  }
  for (const list of mapped.values()) if (list.length > 1) list.sort((a, b) => (a.record.frame ?? -1) - (b.record.frame ?? -1));
  let job = 0;
  let at = 0;
  let outOfStep: Map<string, Located[]> | undefined;
  return {
    get(file) {
      if (!outOfStep) {
        while (job < walked.length && at >= walked[job]!.length) [job, at] = [job + 1, 0];
        const next = walked[job]?.[at];
        if (next && next.record.file === file) {
          at++;
          return [next];
        }
        const list = mapped.get(file);
        if (list) return list;
        outOfStep = new Map();
        for (const located of walked) for (const l of located) outOfStep.set(l.record.file, [l]);
      }
      return mapped.get(file) ?? outOfStep.get(file);
    },
  };
}

/**
 * The order native jobs start in (the results are put back in listing order afterwards): the
 * smallest first, then largest first. Largest first lets the small ones fill in at the end, where
 * one job of a thousand files left a core idle while it finished; the one small job ahead gives
 * this thread its first job's records, footer and bookkeeping within a few ms instead of after a
 * whole large job's decoding (on small images this thread is the slower side, and it sat idle).
 */
export function nativeOrder<J extends { readonly length: number }>(jobs: readonly J[]): { job: J; index: number }[] {
  const order = jobs.map((job, index) => ({ job, index })).sort((a, b) => b.job.length - a.job.length || a.index - b.index);
  if (order.length > 2) order.unshift(order.pop()!);
  return order;
}

/** Half-written shards of processes that were killed (their pid is gone): never referenced, removed. */
function removeAbandonedShards(objectsDir: string): void {
  const dir = objectTempDir(objectsDir);
  for (const name of safeList(dir)) {
    const pid = Number(/^shard-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(dir, name), { force: true });
    }
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Ingests a listing into the store and returns its manifest and the files' hashes.
 * `statted`: the listing's units from statListing, when the caller has them already.
 * @example
 *   const { set, files } = await ingestListing(await listFolder(config, baseDir), config, env); // files.keys[i] → files.values[i]
 */
export async function ingestListing(listing: Listing, config: DecodeConfig, env: IngestEnv, statted?: Unit[]): Promise<IngestOutcome> {
  const spec = decodeSpecOf(config);
  // The task is known from the listing before anything is decoded (it joins the stage's key).
  const { task, reason } = listingTask(listing, config.task);
  removeAbandonedShards(env.objectsDir);
  const units = statted ?? statListing(listing, env.fileIndex);
  const recordBytes = spec.size[0] * spec.size[1] * (spec.stack ?? spec.channels);
  const jobs = planJobs(units, meanFilesPerJob(recordBytes));
  // PNG and JPEG decode in the codec addon on libuv's threads (native-ingest.ts): the jobs stay on
  // this thread, with as many addon calls at once as there would be workers.
  const ingestible = nativeTest(spec);
  // By the relative path where it ends the absolute one (Listing.under): the same name, one string less copied a file.
  const native = !env.pool && units.every(listing.under !== undefined ? (u) => ingestible(u.rel) : (u) => ingestible(u.abs));
  const pool: TaskPool =
    env.pool ?? (!native && jobs.length >= 2 && estimatedSeconds(units.filter((u) => !u.hash || u.hashedOnly).length, recordBytes) >= WORKER_MIN_SECONDS ? sharedPool() : inlinePool);
  // Workers take the jobs (`--redis`): all at once, each a unit keyed by its files' hashes.
  const workers = env.units?.parallel ? env.units : undefined;
  // Native jobs: four per decoding slot. A job spends as long again after its decoding on latency
  // (the shard's fsync, its record's, the stat cache's transaction); with fewer in flight the
  // slots sat idle behind them. Their records wait in the shard's file, not in memory. With
  // MEDPIPE_WORKERS=0 (everything on this thread, one step at a time) two, as before: a kill then
  // finds at most one job recorded whose files the stat cache has not learned yet.
  const slots = workerCount();
  const concurrency = workers ? Math.max(1, jobs.length) : native ? (slots === 0 ? 2 : 4 * slots) : Math.max(2, 2 * pool.size);
  // Each job in flight waits on the run's signal.
  if (workers && env.signal) setMaxListeners(Math.max(defaultMaxListeners, jobs.length + 10), env.signal);
  const total = units.length;
  const onBadFile = config.onBadFile ?? 'fail';
  let locator: Promise<Locator> | undefined;
  // A previous manifest in an older format (or failing verification) is no previous manifest.
  const locatorOf = () => (locator ??= (env.previous?.() ?? Promise.resolve(undefined)).then((previous) => Locator.of(previous, spec, env.objectsDir)));
  let done = 0;
  let decoded = 0;
  let copied = 0;
  let reusedJobs = 0;
  let reusedFiles = 0;
  let lastEmit = 0;
  /** Jobs' shards being published (see runJob), */
  const publishing: Promise<void>[] = [];
  /** and then their records and stat cache rows. */
  const recording: Promise<void>[] = [];
  let firstProblem: FileProblem | undefined;
  const progress = () => {
    const now = Date.now();
    if (now - lastEmit >= 100 || done === total) {
      lastEmit = now;
      env.emit({ type: 'stage-progress', done, total, unit: 'files', note: `${decoded} decoded` });
    }
  };

  const runJob = async (job: Unit[], index: number): Promise<JobOutcome> => {
    const known = jobKey(spec, job);
    if (known) {
      const bytes = await env.records.getRecord(JOBS, known);
      if (bytes) {
        const record = JSON.parse(Buffer.from(bytes).toString('utf8')) as JobRecord;
        // From the last manifest's rows when they cover the job (shards present), else from the footers.
        const rows = shardsPresent(env.objectsDir, record.shards) ? (await locatorOf()).rowsOf(job, record.shards, record.problems) : undefined;
        const located = rows ?? recordsOfShards(env.objectsDir, record.shards);
        if (located) {
          reusedJobs++;
          reusedFiles += job.length;
          done += job.length;
          progress();
          return { located, problems: record.problems, ...(rows ? { byUnit: true } : {}) };
        }
      }
    }
    const where = await locatorOf();
    const files: JobFile[] = job.map((u) => {
      const reuse = where.reuse(u);
      return { rel: u.rel, abs: u.abs, want: u.want, ...(u.hash ? { hash: u.hash } : {}), ...(reuse ? { reuse } : {}) };
    });
    const input = { job: { files, decode: spec, maxShardBytes: MAX_SHARD_BYTES }, objectsDir: env.objectsDir };
    const result: IngestJobResult =
      workers && files.every((f) => f.hash !== undefined)
        ? await runOnWorkers(workers, files, index)
        : // On this thread the job runs directly: the pool's task table would load the loader's modules too.
          pool === inlinePool
          ? await startIngestJob(input.job, input.objectsDir)
          : await pool.run('ingest', input);
    const learned: { absPath: string; stat: FileStat; hash: string }[] = [];
    for (let i = 0; i < job.length; i++) {
      const unit = job[i]!;
      const hash = result.hashes[unit.rel];
      if (hash && hash !== unit.hash) {
        unit.hash = hash;
        if (unit.stat) learned.push({ absPath: unit.abs, stat: unit.stat, hash });
      }
    }
    decoded += result.decoded;
    copied += result.copied;
    done += job.length;
    // The job's record goes after its shards are published (fsynced and renamed into place) and
    // before the stat cache learns its hashes: whatever a kill leaves, the next run finds either the
    // whole job or redoes it. A job on this thread hands its records back before its shards'
    // fsync ends (the last one's is most of the time between the last decode and the manifest):
    // the publishing, then its record and rows, follow in the background. The stage's entry waits
    // for the shards only; the stage's end (and the stat cache's snapshot) for the rest too.
    const key = jobKey(spec, job);
    const record = key && jsonBytes({ shards: result.shards.map(({ hash, size }) => ({ hash, size })), problems: result.problems } satisfies JobRecord);
    const published = result.published ?? Promise.resolve();
    const recorded = published.then(async () => {
      if (key && record) await env.records.putRecord(JOBS, key, record);
      env.fileIndex.remember(learned);
    });
    // Reported by whoever awaits `publishing` and `recording`.
    published.catch(() => undefined);
    recorded.catch(() => undefined);
    publishing.push(published);
    recording.push(recorded);
    progress();
    const located: Located[] = [];
    for (const shard of result.shards) {
      const ref = { hash: shard.hash, size: shard.size }; // one per shard, shared by its records
      for (let i = 0; i < shard.records.length; i++) located.push({ shard: ref, record: shard.records[i]! });
    }
    return { located, problems: result.problems };
  };

  const runOnWorkers = async (runner: UnitRunner, files: JobFile[], index: number): Promise<IngestJobResult> => {
    // A worker cannot see this cache's earlier shards: no copying from them.
    const job = { files: files.map(({ reuse: _local, ...file }) => file), decode: spec, maxShardBytes: MAX_SHARD_BYTES };
    const label = `shard job ${index + 1}/${jobs.length} (${files.length} files)`;
    const [result] = await runner.run(shardUnit, [{ input: { job, objectsDir: env.objectsDir }, label }], env);
    return result!;
  };

  // Nothing is written to the cache after this throws: a failure waits for the jobs' publishing
  // and recording to end first (and is the error reported).
  const settled = async <T>(work: () => T | Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      await Promise.allSettled(recording);
      throw error;
    }
  };
  const results = await settled(() => lastValueFrom(
    from(native ? nativeOrder(jobs) : jobs.map((job, index) => ({ job, index }))).pipe(
      mergeMap(async ({ job, index }): Promise<(JobOutcome & { index: number }) | undefined> => {
        // With onBadFile 'fail' the first bad file stops new jobs; those in flight finish (and are
        // recorded) before the stage fails, so nothing writes to the cache after the run has ended.
        if (firstProblem && onBadFile === 'fail') return undefined;
        throwIfAborted(env.signal);
        const outcome = await runJob(job, index);
        if (onBadFile === 'fail') firstProblem ??= outcome.problems[0];
        return { index, ...outcome };
      }, concurrency),
      toArray(),
    ),
    { defaultValue: [] as ((JobOutcome & { index: number }) | undefined)[] },
  ));
  const problems = new Map<string, FileProblem>();
  const finished = results.filter((r): r is NonNullable<typeof r> => r !== undefined).sort((a, b) => a.index - b.index);
  for (const result of finished) for (const p of result.problems) problems.set(p.file, p);
  if (firstProblem && onBadFile === 'fail') problems.set(firstProblem.file, firstProblem);
  const byRel = recordsByFile(finished);
  // A listing that names each file once (a folder's) files its records under the rows' own paths.
  const once = units.length === listing.files.length && units.every((u, i) => u.rel === listing.files[i]!.rel);
  const relOf = once ? undefined : new Map(units.map((u) => [u.abs, u.rel]));
  const set = await settled(() => assembleImageSet({ listing, config, spec, records: byRel, problems, ...(relOf ? { relOf } : {}), objectsDir: env.objectsDir, task }));
  if (listing.droppedColumns) {
    env.emit({
      type: 'log',
      level: 'warn',
      message: `CSV column(s) ${listing.droppedColumns.join(', ')} look like they identify patients: left out of the subgroup metadata`,
    });
  }
  if (set.skipped.length > 0) {
    env.emit({ type: 'log', level: 'warn', message: `skipped ${set.skipped.length} unreadable file(s), e.g. ${set.skipped[0]!.file}: ${set.skipped[0]!.reason}` });
  }
  const failed = [...problems.keys()].length;
  env.emit({
    type: 'log',
    level: 'info',
    message: `${total} files: ${decoded} decoded, ${total - decoded - failed} from the cache (${reusedJobs} of ${jobs.length} shard jobs reused whole with ${reusedFiles} files, ${copied} files copied from earlier shards)`,
  });
  env.emit({ type: 'log', level: 'info', message: reason });
  const published = Promise.all(publishing).then(() => undefined);
  const recorded = Promise.all(recording).then(() => undefined);
  // Reported where they are awaited.
  published.catch(() => undefined);
  recorded.catch(() => undefined);
  return { set, files: fileColumns(units), published, recorded };
}
