/**
 * medpipe's image codec addon (native/codec: PNG via libspng, JPEG via libjpeg-turbo, PIL-exact
 * bilinear resizing), loaded once when present. Without it ingest decodes with sharp and resizes in
 * JavaScript — the same pixels for PNG, several times slower; `codecStatus()` says why it is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface NativeDecoded {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly depth: 8 | 16;
  readonly format: 'png' | 'jpeg';
  readonly sourceChannels: number;
  /** Per channel [n, sum, M2] of the output samples (see recordMoments). */
  readonly moments: readonly number[];
}

/** What ingestFiles gives back, per file i (native/codec/src/ingest_files.cc). */
export interface NativeIngested {
  /** 0 a record; 1 not PNG/JPEG (or CMYK): the bytes are raw[i]; 2 unreadable (errno[i]); 3 damaged (messages[i]). */
  readonly status: Int32Array;
  readonly errno: Int32Array;
  /** 32 bytes a file: SHA-256 of its bytes (status 0, 1, 3). */
  readonly hashes: Buffer;
  /** 4 a file: height, width, channels, bits per sample. */
  readonly shapes: Int32Array;
  /** 1 PNG, 2 JPEG. */
  readonly formats: Uint8Array;
  /** The record's bytes in `data`, each at a multiple of 8. */
  readonly offsets: Float64Array;
  readonly lengths: Float64Array;
  /** CRC-32 of the record's bytes. */
  readonly crcs: Uint32Array;
  /** 9 a file: per channel n, sum, M2. */
  readonly moments: Float64Array;
  /** The records back to back; empty when they went into a shard's file (`fd`). */
  readonly data: Buffer;
  /** With `fd`: the SHA-256 state of the shard's first `bodyBytes` bytes (magic and records), for shardDigest. */
  readonly body?: Buffer;
  readonly bodyBytes?: number;
  readonly raw: readonly (Buffer | undefined)[];
  readonly messages: readonly (string | undefined)[];
}

export interface NativeCodec {
  /** Null when the bytes are neither PNG nor JPEG; throws on a damaged file. */
  decode(bytes: Uint8Array, channels: 0 | 1 | 3, height: number, width: number): NativeDecoded | null;
  resample<T extends Uint8Array | Uint16Array>(data: T, height: number, width: number, channels: number, outHeight: number, outWidth: number): T;
  /**
   * The loader's kernels (native/codec/src/loader.h), bit for bit their JavaScript twins; absent
   * from builds older than them (the JavaScript runs then). Not part of `version`, which names
   * the decoder's output in cache keys.
   */
  readonly lookupU8?: (bytes: Uint8Array, table: Float32Array, channels: number, out: Float32Array, at: number) => void;
  readonly affine?: (
    src: Float32Array,
    srcOffset: number,
    dst: Float32Array,
    dstOffset: number,
    h: number,
    w: number,
    ch: number,
    map: readonly number[],
    fill: 0 | 1 | 2,
    fillValue: number,
  ) => void;
  /**
   * One ingest job's files read, hashed (SHA-256) and decoded in one call on libuv's thread pool
   * (native/codec/src/ingest_files.cc); absent from builds older than it. Same records as decode().
   * With `fd` and the shard's `magic` the records are written there as a shard's front instead of
   * returned (builds older than that ignore them: no `body` in the result).
   */
  readonly ingestFiles?: (paths: readonly string[], channels: 0 | 1 | 3, height: number, width: number, fd?: number, magic?: string) => Promise<NativeIngested>;
  /** The hex SHA-256 of a body ingestFiles wrote (its `body` state) followed by `tail`. */
  readonly shardDigest?: (state: Buffer, tail: Uint8Array) => string;
  /**
   * fsync(2) of `fd` on a thread of its own, not on libuv's pool (native/codec/src/fsync_file.cc):
   * any number at once without holding the threads the decoding calls need. Rejects with an
   * fs-style error (`code` 'EIO', …).
   */
  readonly fsyncFile?: (fd: number) => Promise<void>;
  /**
   * Runs `file` (looked up on PATH) with `args` in `cwd` by posix_spawn, stdin and stderr on
   * /dev/null, and collects its stdout on a thread of its own (native/codec/src/spawn_capture.cc).
   * status: the exit code, or -1 when it could not start, died of a signal or ran past `timeoutMs`
   * (then it is killed).
   */
  readonly spawnCapture?: (file: string, args: readonly string[], cwd: string, timeoutMs: number) => Promise<{ status: number; stdout: string }>;
  /** fs.statSync(path, { bigint: true })'s size, mtimeNs, ctimeNs, ino, 4 per path (-1 each where it fails). */
  readonly statMany?: (paths: readonly string[]) => BigInt64Array;
  /**
   * Every file under `root` (files-under.ts's rules) with statMany's numbers, listed and statted on
   * `threads` threads: relative paths joined by '\0', in sort() order when `sorted`.
   */
  readonly scanTree?: (root: string, threads: number) => Promise<{ readonly paths: string; readonly stats: BigInt64Array; readonly sorted: boolean }>;
  /** malloc_trim(0): freed heap pages back to the system (glibc; false elsewhere). */
  readonly trimMemory?: () => boolean;
  readonly version: number;
}

const ADDON = fileURLToPath(new URL('../../native/codec/build/Release/medpipe_codec.node', import.meta.url));
const STATUS = fileURLToPath(new URL('../../native/codec/build/status.json', import.meta.url));

let loaded: { codec?: NativeCodec; reason?: string } | undefined;

function load(): { codec?: NativeCodec; reason?: string } {
  if (loaded) return loaded;
  if (process.env.MEDPIPE_NATIVE_CODEC === '0') return (loaded = { reason: 'turned off by MEDPIPE_NATIVE_CODEC=0' });
  if (!existsSync(ADDON)) {
    let reason = 'not built';
    try {
      reason = (JSON.parse(readFileSync(STATUS, 'utf8')) as { reason?: string }).reason ?? reason;
    } catch {
      // No status file: the build never ran (e.g. npm install --ignore-scripts).
    }
    return (loaded = { reason });
  }
  try {
    return (loaded = { codec: createRequire(import.meta.url)(ADDON) as NativeCodec });
  } catch (error) {
    return (loaded = { reason: `cannot load: ${(error as Error).message.split('\n')[0]}` });
  }
}

/** The addon, or undefined when it is not built (see codecStatus). */
export function nativeCodec(): NativeCodec | undefined {
  return load().codec;
}

/** Which decoder ingest uses, for cache keys and the one-line notice: 'native-1' or 'sharp'. */
export function codecName(): string {
  const codec = load().codec;
  return codec ? `native-${codec.version}` : 'sharp';
}

/** Undefined when the addon is loaded; otherwise one line saying why not and how to get it. */
export function codecStatus(): string | undefined {
  const { codec, reason } = load();
  if (codec) return undefined;
  return `image codec addon unavailable (${reason}): PNG/JPEG decode with sharp, several times slower. To get it: apt-get install libspng-dev libjpeg62-turbo-dev libdeflate-dev g++ make python3, then node native/codec/build.mjs`;
}
