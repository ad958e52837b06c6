import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../base/atomic.ts';
import { canonicalJson, hashJson, sha256 } from '../base/canonical.ts';
import { entryFilePieces, isFirstLayout, parseEntryFile } from './entry-file.ts';
import type { Artifact } from '../base/artifact.ts';
import type { RemoteCache } from '../remote/remote-cache.ts';
import { objectPath, type ObjectRef } from '../base/object-store.ts';
import { settleAll } from '../base/settle.ts';
import type { KeyInputs } from './cache-key.ts';

export type { Artifact };

export interface CacheEntry {
  readonly format: 1;
  readonly key: string;
  readonly stage: string;
  readonly kind: string;
  readonly pipeline: string;
  /** Hash of the stage's output (meta + blob hashes): downstream keys use it (early cutoff). */
  readonly outputHash: string;
  readonly meta: unknown;
  readonly blobs: Readonly<Record<string, { readonly hash: string; readonly size: number }>>;
  /** Objects the output points at without loading them (a dataset's shards): checked and kept with the entry. */
  readonly refs?: readonly ObjectRef[];
  readonly inputs: KeyInputs;
  readonly summary?: string;
  readonly createdAt: string;
  readonly ms: number;
  /** For a unit of work (a tune trial, a fold): the key of the stage it was computed for (`clean` keeps them together). */
  readonly parent?: string;
}

/** Where a lookup found an entry. */
export type EntrySource = 'local' | 'remote';

/** Where a pipeline's stage last pointed, to explain the next miss. */
export interface IndexRecord {
  readonly key: string;
  readonly inputs: KeyInputs;
  readonly at: string;
}

/**
 * The on-disk cache. Binary payloads are content-addressed objects (`objects/ab/<sha256>`), stage
 * entries are JSON files named by key that carry a checksum of themselves. Every file is written
 * atomically (temp + fsync + rename), objects before the entry that names them, so a run killed at
 * any moment leaves either a complete entry or none; reads verify checksums and hashes and treat
 * anything that does not verify as absent.
 *
 * With a remote cache (src/remote), a local miss is looked up there: a verified remote entry is
 * copied in (objects first, then the entry) and served; what this store computes is uploaded when
 * the remote is writable.
 */
/** A file's size, or undefined when it cannot be stat'ed. */
function sizeOf(path: string): number | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false })?.size;
  } catch {
    return undefined;
  }
}

export class CacheStore {
  readonly dir: string;
  readonly remote: RemoteCache<CacheEntry> | undefined;

  constructor(dir: string, remote?: RemoteCache<CacheEntry>) {
    this.dir = dir;
    this.remote = remote;
  }

  /** Where content-addressed objects (payloads, dataset shards) live. */
  get objectsDir(): string {
    return join(this.dir, 'objects');
  }

  private objectPath(hash: string): string {
    return objectPath(this.objectsDir, hash);
  }

  private entryPath(key: string): string {
    return join(this.dir, 'entries', `${key}.json`);
  }

  async putObject(bytes: Uint8Array, hash = sha256(bytes)): Promise<string> {
    const path = this.objectPath(hash);
    // An object of the wrong size is damaged (get() rejects every entry naming it): replace it,
    // or the stage that writes it would rerun on every run without ever repairing it.
    const info = await stat(path).catch(() => undefined);
    if (!info || info.size !== bytes.byteLength) await writeFileAtomic(path, bytes);
    return hash;
  }

  /** Whether an object is here at its size (not re-hashed: reads re-hash it). */
  async hasObject(ref: ObjectRef): Promise<boolean> {
    const info = await stat(this.objectPath(ref.hash)).catch(() => undefined);
    return info?.size === ref.size;
  }

  /**
   * Reads an object and checks its content against its name. `repair` (here, get and load): what
   * fails verification is removed, so it is recomputed and stored again; false for a speculative
   * read, which must not change what a lookup of the same run finds.
   */
  async getObject(hash: string, repair = true): Promise<Uint8Array | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.objectPath(hash));
    } catch {
      return undefined;
    }
    if (sha256(bytes) !== hash) {
      if (repair) await rm(this.objectPath(hash), { force: true });
      return undefined;
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * Stores a file as an object without holding it whole: hashed as it streams, then copied in
   * (temp + fsync + rename) unless the object is already there at its size.
   */
  async putFile(path: string): Promise<{ hash: string; size: number }> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).byteLength;
    }
    const digest = hash.digest('hex');
    const info = await stat(this.objectPath(digest)).catch(() => undefined);
    if (info?.size !== size) await writeFileAtomic(this.objectPath(digest), createReadStream(path));
    return { hash: digest, size };
  }

  /**
   * Stores an artifact and its entry (and uploads them to a writable remote unless `local`); returns
   * the entry. `after`: other writes the entry must follow (the stage's shards, its key's listing
   * object), going on while the blobs are written.
   */
  async put(
    base: Omit<CacheEntry, 'format' | 'outputHash' | 'meta' | 'blobs' | 'createdAt'>,
    artifact: Artifact,
    options: { readonly local?: boolean; readonly after?: Promise<void> } = {},
  ): Promise<CacheEntry> {
    // The blobs are written (and fsynced) side by side, the entry naming them only after all are.
    const blobs: Record<string, { hash: string; size: number }> = {};
    const named = Object.entries(artifact.blobs);
    // Both settle before anything is reported: no write goes on after put has thrown.
    const [, hashes] = await settleAll([options.after, Promise.all(named.map(([, bytes]) => this.putObject(bytes)))]);
    named.forEach(([name, bytes], i) => (blobs[name] = { hash: hashes[i]!, size: bytes.byteLength }));
    return this.putStored(base, artifact.meta, blobs, artifact.refs ?? [], options);
  }

  /** Like put, with each blob a file (putFile), read piece by piece: exported reports and models. */
  async putFiles(
    base: Omit<CacheEntry, 'format' | 'outputHash' | 'meta' | 'blobs' | 'createdAt'>,
    meta: unknown,
    files: Readonly<Record<string, string>>,
    options: { readonly local?: boolean } = {},
  ): Promise<CacheEntry> {
    const blobs: Record<string, { hash: string; size: number }> = {};
    for (const [name, path] of Object.entries(files)) blobs[name] = await this.putFile(path);
    return this.putStored(base, meta, blobs, [], options);
  }

  /** Writes the entry for an output whose objects are stored. */
  private async putStored(
    base: Omit<CacheEntry, 'format' | 'outputHash' | 'meta' | 'blobs' | 'createdAt'>,
    meta: unknown,
    blobs: Record<string, { hash: string; size: number }>,
    refs: readonly ObjectRef[],
    options: { readonly local?: boolean },
  ): Promise<CacheEntry> {
    // Shards a dataset points at were written by the stage itself; an entry must never name one that is not there.
    const sizes = await Promise.all(
      refs.map((ref) =>
        stat(this.objectPath(ref.hash)).then(
          (info) => info.size,
          () => undefined,
        ),
      ),
    );
    refs.forEach((ref, i) => {
      if (sizes[i] !== ref.size) throw new Error(`object ${ref.hash} referenced by the output is missing`);
    });
    const outputHash = outputHashOf(meta, blobs, refs);
    const entry: CacheEntry = {
      format: 1,
      ...base,
      outputHash,
      meta,
      blobs,
      ...(refs.length > 0 ? { refs } : {}),
      createdAt: new Date().toISOString(),
    };
    await this.writeEntry(entry);
    if (this.remote?.writable && !options.local) await this.remote.upload(entry, (hash) => this.getObject(hash));
    return entry;
  }

  private async writeEntry(entry: CacheEntry): Promise<void> {
    await writeFileAtomic(this.entryPath(entry.key), entryFilePieces(entry));
  }

  /**
   * The verified entry for a key, local first, then from the remote cache: a remote entry is
   * downloaded whole and verified before anything is written here, so a bad remote never leaves
   * a local trace.
   */
  async lookup(key: string): Promise<{ entry: CacheEntry; source: EntrySource } | undefined> {
    const local = await this.get(key);
    if (local) {
      // A readwrite cache completes the remote with what it holds (a run killed mid-upload, or
      // entries made before the remote was set up); the remote answers 'present' to the rest.
      if (this.remote?.writable) await this.remote.upload(local, (hash) => this.getObject(hash));
      return { entry: local, source: 'local' };
    }
    const remote = await this.remote?.fetch(key);
    if (!remote) return undefined;
    for (const bytes of Object.values(remote.blobs)) await this.putObject(bytes);
    await this.writeEntry(remote.entry);
    return { entry: remote.entry, source: 'remote' };
  }

  /** Like lookup, but only asks whether the remote would serve the key (for `status`): nothing is downloaded. */
  async probe(key: string): Promise<{ entry: CacheEntry; source: EntrySource } | undefined> {
    const local = await this.get(key);
    if (local) return { entry: local, source: 'local' };
    const remote = await this.remote?.probe(key);
    return remote ? { entry: remote, source: 'remote' } : undefined;
  }

  /** The entry for a key, if it is complete and verified; its objects are checked for presence and size. */
  async get(key: string, repair = true): Promise<CacheEntry | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.entryPath(key));
    } catch {
      return undefined;
    }
    const entry = parseEntryFile(bytes);
    if (!entry || entry.key !== key) {
      if (repair) await this.drop(key);
      return undefined;
    }
    // An entry of the first layout is rewritten once, so later lookups verify only its head.
    if (repair && isFirstLayout(bytes)) await this.writeEntry(entry).catch(() => undefined);
    // Stat'ed one after another on this thread: an ingest's entry names a shard a job (10^2–10^3),
    // and an awaited stat each cost a round trip through the thread pool.
    for (const blob of [...Object.values(entry.blobs), ...(entry.refs ?? [])]) {
      if (sizeOf(this.objectPath(blob.hash)) !== blob.size) {
        if (repair) await this.drop(key);
        return undefined;
      }
    }
    return entry;
  }

  /** Loads an entry's artifact, verifying every object; undefined when any is damaged. */
  async load(entry: CacheEntry, repair = true): Promise<Artifact | undefined> {
    const meta = entry.meta; // parsed here, when the output is needed (entry-file.ts)
    const blobs: Record<string, Uint8Array> = {};
    for (const [name, blob] of Object.entries(entry.blobs)) {
      const bytes = await this.getObject(blob.hash, repair);
      if (!bytes) {
        if (repair) await this.drop(entry.key);
        return undefined;
      }
      blobs[name] = bytes;
    }
    return { meta, blobs, ...(entry.refs ? { refs: entry.refs } : {}), objectsDir: this.objectsDir };
  }

  async drop(key: string): Promise<void> {
    await rm(this.entryPath(key), { force: true });
  }

  // --- per-pipeline index: the last key of each stage, to explain misses ---

  private indexPath(pipeline: string, stage: string): string {
    return join(this.dir, 'index', safeName(pipeline), `${safeName(stage)}.json`);
  }

  async readIndex(pipeline: string, stage: string): Promise<IndexRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.indexPath(pipeline, stage), 'utf8')) as IndexRecord;
    } catch {
      return undefined;
    }
  }

  /**
   * Not fsynced (a run writes one per computed stage, each an fsync's wait on its path): the index
   * only explains misses and finds a previous output, and a record a power cut loses or tears reads
   * as none (readIndex), costing at most a fuller recompute.
   */
  async writeIndex(pipeline: string, stage: string, record: IndexRecord): Promise<void> {
    await writeFileAtomic(this.indexPath(pipeline, stage), JSON.stringify(record), { fsync: false });
  }

  // --- small keyed records (per-file decode results, stat index) ---

  private recordPath(space: string, key: string): string {
    return join(this.dir, space, key.slice(0, 2), key);
  }

  /**
   * A keyed binary record with an embedded checksum (ingest's finished jobs). Not fsynced: a record
   * is an index of work whose own files were fsynced; losing one to a power cut only redoes it.
   */
  async putRecord(space: string, key: string, bytes: Uint8Array): Promise<void> {
    const digest = createHash('sha256').update(bytes).digest();
    const out = new Uint8Array(32 + bytes.byteLength);
    out.set(digest, 0);
    out.set(bytes, 32);
    writeFileAtomicSync(this.recordPath(space, key), out);
  }

  async getRecord(space: string, key: string): Promise<Uint8Array | undefined> {
    let data: Buffer;
    try {
      // A few hundred bytes, read at once: four round trips through the thread pool (open, stat,
      // read, close) cost far more, for each of an ingest's 10^2–10^3 jobs.
      data = readFileSync(this.recordPath(space, key));
    } catch {
      return undefined;
    }
    if (data.byteLength < 32) return undefined;
    const body = data.subarray(32);
    const digest = createHash('sha256').update(body).digest();
    if (!digest.equals(data.subarray(0, 32))) {
      await rm(this.recordPath(space, key), { force: true });
      return undefined;
    }
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  }

  async ensure(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** Every entry, newest first (for `clean --keep-last`). */
  async listEntries(): Promise<{ key: string; createdAt: string; pipeline: string; stage: string; kind: string; parent?: string; blobs: string[] }[]> {
    const dir = join(this.dir, 'entries');
    const names = await readdir(dir).catch(() => [] as string[]);
    const out = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const entry = await this.get(name.slice(0, -5));
      if (entry) {
        out.push({
          key: entry.key,
          createdAt: entry.createdAt,
          pipeline: entry.pipeline,
          stage: entry.stage,
          kind: entry.kind,
          parent: entry.parent,
          blobs: [...Object.values(entry.blobs), ...(entry.refs ?? []), ...(entry.inputs.listing ? [entry.inputs.listing] : [])].map((b) => b.hash),
        });
      }
    }
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Removes objects no entry references. */
  async collectGarbage(keep: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    const root = join(this.dir, 'objects');
    for (const prefix of await readdir(root).catch(() => [] as string[])) {
      for (const name of await readdir(join(root, prefix)).catch(() => [] as string[])) {
        if (!keep.has(name)) {
          await unlink(join(root, prefix, name)).catch(() => undefined);
          removed++;
        }
      }
    }
    return removed;
  }
}

export function outputHashOf(meta: unknown, blobs: Record<string, { hash: string }>, refs: readonly ObjectRef[] = []): string {
  const hashes: Record<string, string> = {};
  for (const [name, blob] of Object.entries(blobs)) hashes[name] = blob.hash;
  // Shards join the hash only when there are some, so outputs without any keep their old hashes.
  return hashJson(refs.length > 0 ? { meta, blobs: hashes, refs: refs.map((r) => r.hash) } : { meta, blobs: hashes });
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
