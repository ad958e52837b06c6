/**
 * A remote cache laid out as Bazel's: a content-addressed blob store (CAS, blobs named by the
 * sha256 of their bytes) and an action cache (AC, entries named by a stage's or unit's key). An
 * adapter (a shared folder, any S3-compatible store) implements the two; what goes in them, in
 * which order, and what is trusted on the way out is remote-cache.ts's business.
 *
 * Adapters answer `undefined` / `false` for "not there" and throw for anything else (no access,
 * unreachable): the cache then goes on without the remote.
 */
export interface BlobStore {
  /** The stored blob's size in bytes, or undefined when there is none. */
  size(hash: string): Promise<number | undefined>;
  get(hash: string): Promise<Uint8Array | undefined>;
  /** Stores bytes under their hash (writing the same blob twice is harmless). */
  put(hash: string, bytes: Uint8Array): Promise<void>;
}

export interface ActionCache {
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores `bytes` under `key` unless an entry is there already (first writer wins); true when this call wrote it. */
  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean>;
}

export interface RemoteStorage {
  /** The location as the user wrote it (no credentials). */
  readonly url: string;
  readonly cas: BlobStore;
  readonly ac: ActionCache;
  /** What a user should check when the store cannot be reached or refuses access. */
  readonly accessFix: string;
}

/** Blobs and entries live under `cas/ab/<hash>` and `ac/ab/<key>`: the two-letter level keeps folders small. */
export function casPath(hash: string): string {
  return `cas/${hash.slice(0, 2)}/${hash}`;
}

export function acPath(key: string): string {
  return `ac/${key.slice(0, 2)}/${key}`;
}
