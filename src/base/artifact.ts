/**
 * How a value is stored: small JSON plus named binary payloads. A port's codec turns its data into
 * an artifact and back, so stage code never restates encode/decode; the cache stores artifacts.
 */
import type { ObjectRef } from './object-store.ts';

export interface Artifact {
  readonly meta: unknown;
  readonly blobs: Readonly<Record<string, Uint8Array>>;
  /**
   * Objects already in the cache that the value points at without loading them (a dataset's
   * shards): the cache checks they are there when it serves the entry, and keeps them while it does.
   */
  readonly refs?: readonly ObjectRef[];
  /** Set by the cache when it loads an artifact: the folder `refs` live in. */
  readonly objectsDir?: string;
}

/** Encode and decode of one data type; `decode(encode(x))` must give back an equal value. */
export interface Codec<T> {
  readonly encode: (value: T) => Artifact | Promise<Artifact>;
  readonly decode: (artifact: Artifact) => T | Promise<T>;
}

/** For data that is plain JSON already. */
export function jsonCodec<T>(): Codec<T> {
  return { encode: (value) => ({ meta: value, blobs: {} }), decode: (artifact) => artifact.meta as T };
}
