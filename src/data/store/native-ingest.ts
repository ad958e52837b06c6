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
  return spec.stack === undefined && process.env.MEDPIPE_INGEST_FILES !== '0' && nativeCodec()?.ingestFiles !== undefined && NATIVE_NAME.test(abs);
}

/** Record (0), not decoded here (1), unreadable (2), damaged (3): see NativeIngested. */
export const NATIVE = { record: 0, bytes: 1, unreadable: 2, damaged: 3 } as const;

let running = 0;
const waiting: (() => void)[] = [];

/**
 * Reads, hashes and decodes `paths` in one addon call, after waiting for a free slot. With `fd`, the
 * records are written there as a shard's front (see NativeIngested.body).
 */
export async function nativeBatch(paths: readonly string[], spec: DecodeSpec, fd?: number): Promise<NativeIngested> {
  const codec = nativeCodec()!;
  while (running >= Math.max(1, workerCount())) await new Promise<void>((go) => waiting.push(go));
  running++;
  try {
    return await codec.ingestFiles!(paths, spec.channels, spec.size[0], spec.size[1], fd, fd === undefined ? undefined : SHARD_MAGIC);
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** What file i's record (status record) is: its type, shape, value range and moments. */
export function nativeMeta(batch: NativeIngested, i: number): { dtype: Dtype; shape: ImageShape; range: [number, number]; moments: number[] } {
  const channels = batch.shapes[i * 4 + 2]!;
  const sixteen = batch.shapes[i * 4 + 3] === 16;
  return {
    dtype: sixteen ? 'u16' : 'u8',
    shape: [batch.shapes[i * 4]!, batch.shapes[i * 4 + 1]!, channels],
    range: sixteen ? [0, 65535] : [0, 255],
    moments: Array.from(batch.moments.subarray(i * 9, i * 9 + channels * 3)),
  };
}

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, value]) => [value, name]));

/** 'ENOENT' for 2, as fs errors name their code. */
export const errnoName = (errno: number): string | undefined => ERRNO_NAMES.get(errno);
