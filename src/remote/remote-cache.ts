import { sha256 } from '../base/canonical.ts';
import { crashPoint } from '../base/crash-point.ts';
import { keyId, verifySignature, type Signer, type TrustedKeys } from './signing.ts';
import type { RemoteStorage } from './storage.ts';

/** What the remote cache needs to know of an entry: its key, its output hash and the objects it names. */
export interface RemoteEntry {
  readonly key: string;
  readonly outputHash: string;
  readonly blobs: Readonly<Record<string, { readonly hash: string; readonly size: number }>>;
  /** Objects the entry points at without loading them (a dataset's shards): they travel like blobs. */
  readonly refs?: readonly { readonly hash: string; readonly size: number }[];
}

/** Every object an entry needs, by a name unique within the entry (blob names, then `ref:<hash>`). */
function objectsOf(entry: RemoteEntry): [string, { readonly hash: string; readonly size: number }][] {
  return [...Object.entries(entry.blobs), ...(entry.refs ?? []).map((ref) => [`ref:${ref.hash}`, ref] as [string, typeof ref])];
}

// An entry's JSON keeps non-finite numbers (a metric undefined for one class is NaN), which plain JSON
// turns into null: the entry would no longer match its own output hash and would never be served.
const NON_FINITE = '$medpipe-number';
function encodeEntry(entry: unknown): string {
  return JSON.stringify(entry, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? { [NON_FINITE]: String(value) } : value));
}
function decodeEntry<E>(text: string): E {
  return JSON.parse(text, (_key, value) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === NON_FINITE) return Number(value[NON_FINITE]);
    }
    return value;
  }) as E;
}

/** `read`: download only (laptops, pull-request CI); `readwrite`: also upload (trusted CI, workers). */
export type RemoteMode = 'read' | 'readwrite';

export interface RemoteCacheOptions<E extends RemoteEntry> {
  readonly storage: RemoteStorage;
  readonly mode: RemoteMode;
  /** Signs uploaded entries; required for readwrite. Its own public key is trusted too. */
  readonly signer?: Signer;
  readonly trusted: TrustedKeys;
  /** The entry's own consistency (e.g. its output hash against its meta and blobs). */
  readonly check: (entry: E) => boolean;
  /** How messages name an entry (e.g. "stage 'fit' of pipeline 'xray'"). */
  readonly describe?: (entry: E) => string;
}

export const ENVELOPE_FORMAT = 'medpipe-ac/1';

/**
 * The signed form of an entry in the action cache. `entry` is the entry's JSON text, kept as the
 * exact bytes that were signed, so no re-serialisation can change what is verified.
 */
interface Envelope {
  readonly format: typeof ENVELOPE_FORMAT;
  readonly signer: string;
  readonly signature: string;
  readonly entry: string;
}

export interface RemoteStats {
  /** Entries found, verified and downloaded with every blob. */
  hits: number;
  /** Blobs and entries written to the remote. */
  uploads: number;
  /** Keys where this writer lost the race to another writer with a different output. */
  divergences: number;
}

const short = (hash: string) => hash.slice(0, 10);
const describeError = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error));

/**
 * A verified remote cache over a CAS + AC store. Reading: an entry counts only when it is signed by
 * a trusted key, names the key it was asked for, is consistent in itself, and every blob it names
 * is there and re-hashes to its name; anything else is a miss (with one warning per kind of
 * problem), so a damaged or hostile remote can cost a recompute but never a wrong result. Writing
 * (readwrite only): every blob first, then the entry, first writer wins; a writer who loses with a
 * different output says so. A store that cannot be reached or refuses access is dropped for the
 * rest of the run after one warning: the run goes on locally.
 * @example
 *   const remote = new RemoteCache({ storage: fileStorage('/mnt/cache'), mode: 'read', trusted, check });
 *   const hit = await remote.fetch(key); // { entry, blobs } or undefined
 */
export class RemoteCache<E extends RemoteEntry> {
  readonly stats: RemoteStats = { hits: 0, uploads: 0, divergences: 0 };
  private readonly trusted: TrustedKeys;
  private warnSink: (message: string) => void = () => undefined;
  private readonly warned = new Set<string>();
  private unavailable = false;

  constructor(private readonly options: RemoteCacheOptions<E>) {
    this.trusted = options.trusted;
  }

  get url(): string {
    return this.options.storage.url;
  }

  get mode(): RemoteMode {
    return this.options.mode;
  }

  /** Uploads happen only in readwrite mode with a signing key, and while the store answers. */
  get writable(): boolean {
    return this.options.mode === 'readwrite' && this.options.signer !== undefined && !this.unavailable;
  }

  /** Where warnings go (a run points this at its event stream). */
  onWarning(sink: (message: string) => void): void {
    this.warnSink = sink;
  }

  private warnOnce(topic: string, message: string): void {
    if (this.warned.has(topic)) return;
    this.warned.add(topic);
    this.warnSink(message);
  }

  /** Runs a store operation; a throw means the store is unusable: warn once, and stop using it. */
  private async guard<T>(doing: string, fallback: T, body: () => Promise<T>): Promise<T> {
    if (this.unavailable) return fallback;
    try {
      return await body();
    } catch (error) {
      this.unavailable = true;
      this.warnOnce(
        'access',
        `remote cache ${this.url} failed while ${doing} (${describeError(error)}): the run goes on with the local cache only. Fix: ${this.options.storage.accessFix}.`,
      );
      return fallback;
    }
  }

  private name(entry: E): string {
    return this.options.describe?.(entry) ?? `key ${short(entry.key)}`;
  }

  /** The entry stored under `key`, verified (signature, key, consistency); undefined otherwise. */
  private async readEntry(key: string): Promise<E | undefined> {
    const bytes = await this.options.storage.ac.get(key);
    if (!bytes) return undefined;
    let envelope: Envelope;
    let entry: E;
    try {
      envelope = JSON.parse(Buffer.from(bytes).toString('utf8')) as Envelope;
      if (envelope.format !== ENVELOPE_FORMAT || typeof envelope.entry !== 'string') throw new Error('unknown format');
      entry = decodeEntry<E>(envelope.entry);
    } catch {
      this.warnOnce(`malformed:${key}`, `the remote entry ${short(key)} is not a medpipe entry (damaged?): a miss, computing locally.`);
      return undefined;
    }
    if (!this.trusted.has(envelope.signer)) {
      this.warnOnce(
        `untrusted:${envelope.signer}`,
        `remote entries signed by key ${keyId(String(envelope.signer))} are not trusted here: they are ignored and the run computes locally. Fix: if you trust that writer, add its .pub file to --remote-trust (MEDPIPE_REMOTE_TRUST).`,
      );
      return undefined;
    }
    if (!verifySignature(this.trusted, envelope.signer, Buffer.from(envelope.entry, 'utf8'), envelope.signature)) {
      this.warnOnce(`signature:${key}`, `the remote entry ${short(key)} has a signature that does not verify: ignored (a miss), computing locally.`);
      return undefined;
    }
    if (entry.key !== key || !this.options.check(entry)) {
      this.warnOnce(`inconsistent:${key}`, `the remote entry ${short(key)} does not match its key or its own hashes: ignored (a miss), computing locally.`);
      return undefined;
    }
    return entry;
  }

  /** A verified entry with every blob downloaded and re-hashed; undefined on any problem. */
  async fetch(key: string): Promise<{ entry: E; blobs: Record<string, Uint8Array> } | undefined> {
    return this.guard('reading', undefined, async () => {
      const entry = await this.readEntry(key);
      if (!entry) return undefined;
      const blobs: Record<string, Uint8Array> = {};
      for (const [name, blob] of objectsOf(entry)) {
        const bytes = await this.options.storage.cas.get(blob.hash);
        if (!bytes) {
          this.warnOnce(
            `missing:${key}`,
            `the remote entry for ${this.name(entry)} names a blob that is not there (${short(blob.hash)}): a miss, computing locally.`,
          );
          return undefined;
        }
        if (bytes.byteLength !== blob.size || sha256(bytes) !== blob.hash) {
          this.warnOnce(
            `damaged:${key}`,
            `a remote blob of ${this.name(entry)} is damaged (${bytes.byteLength} bytes, re-hashed ${short(sha256(bytes))}; expected ${blob.size} bytes, ${short(blob.hash)}): a miss, computing locally.`,
          );
          return undefined;
        }
        blobs[name] = bytes;
      }
      this.stats.hits++;
      return { entry, blobs };
    });
  }

  /** Whether the remote would serve `key` (entry verified, blobs present at their size), without downloading blobs. */
  async probe(key: string): Promise<E | undefined> {
    return this.guard('reading', undefined, async () => {
      const entry = await this.readEntry(key);
      if (!entry) return undefined;
      for (const [, blob] of objectsOf(entry)) {
        if ((await this.options.storage.cas.size(blob.hash)) !== blob.size) return undefined;
      }
      return entry;
    });
  }

  /**
   * Uploads an entry (readwrite only): blobs not already there first, then the signed entry, which
   * is written only if no entry has the key yet. `blob` gives a blob's bytes by hash.
   */
  async upload(entry: E, blob: (hash: string) => Promise<Uint8Array | undefined>): Promise<'uploaded' | 'present' | 'diverged' | 'skipped'> {
    const signer = this.options.signer;
    if (!this.writable || !signer) return 'skipped';
    return this.guard('uploading', 'skipped' as const, async () => {
      // A store that ignores If-None-Match still keeps the first entry when it was written before.
      const present = await this.options.storage.ac.get(entry.key);
      if (present) return this.compare(entry, present);
      for (const [, { hash, size }] of objectsOf(entry)) {
        if ((await this.options.storage.cas.size(hash)) === size) continue;
        const bytes = await blob(hash);
        if (!bytes) return 'skipped';
        await this.options.storage.cas.put(hash, bytes);
        this.stats.uploads++;
        crashPoint('upload');
      }
      const body = encodeEntry(entry);
      const envelope: Envelope = { format: ENVELOPE_FORMAT, signer: signer.publicKey, signature: signer.sign(Buffer.from(body, 'utf8')), entry: body };
      const won = await this.options.storage.ac.putIfAbsent(entry.key, Buffer.from(JSON.stringify(envelope), 'utf8'));
      if (won) {
        this.stats.uploads++;
        crashPoint('upload');
        return 'uploaded';
      }
      return this.compare(entry, (await this.options.storage.ac.get(entry.key)) ?? new Uint8Array(0));
    });
  }

  /** After losing the race for a key: same output is fine; a different one is reported. */
  private compare(ours: E, theirsBytes: Uint8Array): 'present' | 'diverged' {
    let theirs: { outputHash?: string; signer?: string } = {};
    try {
      const envelope = JSON.parse(Buffer.from(theirsBytes).toString('utf8')) as Envelope;
      theirs = { outputHash: decodeEntry<E>(envelope.entry).outputHash, signer: envelope.signer };
    } catch {
      // An unreadable winner is a divergence too: say so below.
    }
    if (theirs.outputHash === ours.outputHash) return 'present';
    this.stats.divergences++;
    this.warnSink(
      `the remote already has ${this.name(ours)} from another writer${theirs.signer ? ` (key ${keyId(theirs.signer)})` : ''} with a different output (theirs ${short(theirs.outputHash ?? 'unreadable')}, ours ${short(ours.outputHash)}): the first writer's entry stays. The stage gave different results for the same inputs — a different machine, thread count or library build.`,
    );
    return 'diverged';
  }
}
