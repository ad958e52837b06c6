/**
 * Content-addressed objects: a file named by the sha256 of its bytes, at `<objects>/<ab>/<hash>`.
 * The cache keeps stage payloads and dataset shards this way, so equal content is stored once
 * whichever stage or run wrote it, and a name is its own checksum.
 */
import { join } from 'node:path';

/** An object and its size (a cheap presence check before the bytes are read). */
export interface ObjectRef {
  readonly hash: string;
  readonly size: number;
}

export function objectPath(objectsDir: string, hash: string): string {
  return join(objectsDir, hash.slice(0, 2), hash);
}

/** Where writers put files while they are being written (same file system, so a rename publishes them). */
export function objectTempDir(objectsDir: string): string {
  return join(objectsDir, 'tmp');
}
