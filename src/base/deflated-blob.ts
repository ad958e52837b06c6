/**
 * A cache blob that is a short format tag followed by a raw-deflated body (a dataset's sample list,
 * its record table). A blob without the tag (an older layout) is refused as CACHE_CORRUPT, so the
 * stage that wrote it is recomputed rather than misread.
 * @example
 *   const bytes = deflatedBlob('MPSAMP2', body); inflatedBlob(bytes, 'MPSAMP2', "A dataset's sample list") // body
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { MedpipeError } from './errors.ts';

export function deflatedBlob(tag: string, body: Uint8Array, level?: number): Uint8Array {
  return Buffer.concat([Buffer.from(tag, 'latin1'), deflateRawSync(body, level === undefined ? {} : { level })]);
}

/** The body of a blob written by deflatedBlob with the same tag; `what` names it in the error. */
export function inflatedBlob(bytes: Uint8Array, tag: string, what: string): Buffer {
  if (Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, tag.length)).toString('latin1') !== tag) {
    throw new MedpipeError('CACHE_CORRUPT', `${what} in the cache is in an older format.`, {
      fix: 'Run again: the stage that wrote it is recomputed (or delete the cache folder).',
    });
  }
  return inflateRawSync(bytes.subarray(tag.length));
}
