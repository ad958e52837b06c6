/**
 * An ingest job's image files read, hashed and decoded by the codec addon in one call
 * (`ingestFiles`, native/codec/src/ingest_files.cc) on libuv's thread pool: no worker thread to
 * start (each loads TypeScript, a few hundred ms) and no promise, message or buffer object per file.
 * At most `workerCount()` calls run at once, the decode concurrency MEDPIPE_WORKERS names.
 * @example
 *   const batch = await nativeBatch(['/data/a.png'], { size: [28, 28], channels: 1, decoder: decoderKey() });
 *   if (batch?.status[0] === 0) ...
 */
import { constants } from 'node:os';
import { turns } from '../../base/turns.ts';
import { nativeCodec, type NativeIngested } from '../../io/native-codec.ts';
import type { ImageShape } from '../../io/types.ts';
import { workerCount } from '../workers/pool.ts';
import { SHARD_MAGIC, type Dtype } from './format.ts';
import type { DecodeSpec } from './ingest-job.ts';

/** The files the addon decodes itself (others, and any it turns down, take decodeBytes). */
const NATIVE_NAME = /\.(png|jpe?g)$/i;

/**
 * Whether a job with this spec and this file can go through ingestFiles. MEDPIPE_INGEST_FILES=0
 * turns it off (each file then takes the per-file path; the records are the same).
 */
export function nativeIngestible(spec: DecodeSpec, abs: string): boolean {
  return nativeTest(spec)(abs);
}

/** nativeIngestible for one spec, as a test of paths: the setting and the addon are looked up once, not per file. */
export function nativeTest(spec: DecodeSpec): (abs: string) => boolean {
  const on = spec.stack === undefined && process.env.MEDPIPE_INGEST_FILES !== '0' && nativeCodec()?.ingestFiles !== undefined;
  return on ? (abs) => NATIVE_NAME.test(abs) : () => false;
}

/** Record (0), not decoded here (1), unreadable (2), damaged (3): see NativeIngested. */
export const NATIVE = { record: 0, bytes: 1, unreadable: 2, damaged: 3 } as const;

/** At most `workerCount()` addon calls at once, the decode concurrency MEDPIPE_WORKERS names. */
const decodeTurn = turns(workerCount);

/**
 * Reads, hashes and decodes `paths` in one addon call, after waiting for a free slot. With `fd`, the
 * records are written there as a shard's front (see NativeIngested.body).
 */
export async function nativeBatch(paths: readonly string[], spec: DecodeSpec, fd?: number): Promise<NativeIngested> {
  const codec = nativeCodec()!;
  return decodeTurn(() => codec.ingestFiles!(paths, spec.channels, spec.size[0], spec.size[1], fd, fd === undefined ? undefined : SHARD_MAGIC));
}

/**
 * What file i's record (status record) is: its type, shape and value range. `like`: an earlier
 * record's meta whose shape and range arrays are returned again when equal (a job's records then
 * share them instead of holding two arrays each).
 */
export function nativeMeta(
  batch: NativeIngested,
  i: number,
  like?: { readonly shape: ImageShape; readonly range: readonly [number, number] },
): { dtype: Dtype; shape: ImageShape; range: [number, number] } {
  const [h, w, channels] = [batch.shapes[i * 4]!, batch.shapes[i * 4 + 1]!, batch.shapes[i * 4 + 2]!];
  const sixteen = batch.shapes[i * 4 + 3] === 16;
  const top = sixteen ? 65535 : 255;
  return {
    dtype: sixteen ? 'u16' : 'u8',
    shape: like && like.shape[0] === h && like.shape[1] === w && like.shape[2] === channels ? like.shape : [h, w, channels],
    range: like && like.range[0] === 0 && like.range[1] === top ? (like.range as [number, number]) : [0, top],
  };
}

/** File i's record's moments (per channel [n, sum, M2]) for its `channels`. */
export function nativeMoments(batch: NativeIngested, i: number, channels: number): number[] {
  const m = batch.moments;
  const at = i * 9;
  return channels === 1 ? [m[at]!, m[at + 1]!, m[at + 2]!] : Array.from(m.subarray(at, at + channels * 3));
}

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, value]) => [value, name]));

/** 'ENOENT' for 2, as fs errors name their code. */
export const errnoName = (errno: number): string | undefined => ERRNO_NAMES.get(errno);
