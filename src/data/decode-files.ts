import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { canonicalJson, sha256 } from '../base/canonical.ts';
import { MedpipeError, throwIfAborted } from '../base/errors.ts';
import type { Work } from '../base/work.ts';
import { DECODER_VERSION, decodeFile } from '../io/read-image.ts';
import type { InputFile, Listing } from './file-listing.ts';
import { sampleSize, type ImageSet } from './image-set.ts';
import type { DecodeConfig } from './ingest-config.ts';
import { sliceSelected, stackSlices } from './stack-slices.ts';
import type { ImageShape, SampleMeta, SkippedFile } from './types.ts';

/** Keyed binary records that outlive a run (the cache's per-file decode results). */
export interface RecordStore {
  getRecord(space: string, key: string): Promise<Uint8Array | undefined>;
  putRecord(space: string, key: string, bytes: Uint8Array): Promise<void>;
}

/** Where decoding keeps per-file results, and how it reports and is cancelled. */
export interface DecodeEnv extends Work {
  readonly records: RecordStore;
}

/**
 * Salt for the hashed group keys read from DICOM (PatientID, StudyInstanceUID). Set
 * MEDPIPE_GROUP_SALT to a project secret: with the public default, short IDs could be recovered by
 * trying them all. Only a hash of the salt enters cache keys.
 */
function groupSalt(): string | undefined {
  return process.env.MEDPIPE_GROUP_SALT || undefined;
}

/**
 * The salt's part of an ingest's cache key: the group keys it stores depend on the salt, so a new
 * salt must not be served the old keys. A hash of a hash of the salt, never the salt; nothing when
 * no salt is set (so keys made without one stay valid).
 */
export function groupSaltKey(): Readonly<Record<string, string>> {
  const salt = groupSalt();
  return salt ? { groupSalt: sha256(sha256(salt)).slice(0, 16) } : {};
}

function decodeKey(fileHash: string, config: DecodeConfig): string {
  const salt = groupSalt();
  const axis = config.volume?.axis;
  // attributes: 1 — records made before DICOM subgroup attributes were read are decoded again.
  return sha256(
    canonicalJson({ fileHash, size: config.size ?? [64, 64], channels: config.channels ?? 3, decoder: DECODER_VERSION, salt: salt && sha256(salt), axis, attributes: 1 }),
  );
}

interface DecodedFrames {
  readonly shape: ImageShape;
  readonly ranges: [number, number][];
  readonly frames: Float32Array[];
  readonly groupKeys?: Readonly<Record<string, string>>;
  /** Non-identifying DICOM attributes (sex, age band, manufacturer, view …) for subgroups. */
  readonly attributes?: Readonly<Record<string, string>>;
}

function packFrames(decoded: DecodedFrames): Uint8Array {
  const header = Buffer.from(JSON.stringify({ shape: decoded.shape, ranges: decoded.ranges, groupKeys: decoded.groupKeys, attributes: decoded.attributes }));
  const size = sampleSize(decoded.shape);
  const padded = Math.ceil((4 + header.byteLength) / 4) * 4;
  const out = new Uint8Array(padded + decoded.frames.length * size * 4);
  new DataView(out.buffer).setUint32(0, header.byteLength, true);
  out.set(header, 4);
  decoded.frames.forEach((frame, i) => out.set(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength), padded + i * size * 4));
  return out;
}

function unpackFrames(bytes: Uint8Array): DecodedFrames {
  const copy = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const length = new DataView(copy.buffer, copy.byteOffset).getUint32(0, true);
  const header = JSON.parse(Buffer.from(copy.subarray(4, 4 + length)).toString('utf8')) as Omit<DecodedFrames, 'frames'>;
  const padded = Math.ceil((4 + length) / 4) * 4;
  const size = sampleSize(header.shape);
  const frames = header.ranges.map((_, i) => new Float32Array(copy.buffer, copy.byteOffset + padded + i * size * 4, size));
  return { ...header, frames };
}

type FileOutcome = { file: InputFile; decoded: DecodedFrames; fresh: boolean } | { file: InputFile; error: MedpipeError };

async function decodeOne(file: InputFile, hash: string, config: DecodeConfig, env: DecodeEnv): Promise<FileOutcome> {
  throwIfAborted(env.signal);
  const key = decodeKey(hash, config);
  const cached = await env.records.getRecord('decoded', key);
  if (cached) return { file, decoded: unpackFrames(cached), fresh: false };
  try {
    const frames = await decodeFile(file.abs, { size: config.size ?? [64, 64], channels: config.channels ?? 3, salt: groupSalt(), ...(config.volume?.axis !== undefined ? { axis: config.volume.axis } : {}) });
    if (frames.length === 0) throw new MedpipeError('BAD_FILE', `${file.abs} holds no image.`, { file: file.abs });
    const decoded: DecodedFrames = {
      shape: frames[0]!.shape,
      ranges: frames.map((f) => [...(f.meta.range ?? rangeOf(f.data))] as [number, number]),
      frames: frames.map((f) => f.data),
      groupKeys: frames[0]!.meta.groupKeys,
      attributes: frames[0]!.meta.format === 'dicom' ? await (await import('./dicom-attributes.ts')).dicomAttributes(file.abs) : undefined,
    };
    await env.records.putRecord('decoded', key, packFrames(decoded));
    return { file, decoded, fresh: true };
  } catch (error) {
    const wrapped = error instanceof MedpipeError ? error : new MedpipeError('BAD_FILE', `${file.abs}: ${String(error)}`, { file: file.abs, cause: error });
    return { file, error: wrapped };
  }
}

function rangeOf(data: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Every listed file's content hash, by relative path (sorted): the ingest's part of its cache key. */
export async function hashListing(listing: Listing, hash: (absPath: string) => Promise<string>): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const hashed = await lastValueFrom(
    from(listing.files).pipe(
      mergeMap(async (file) => [file.rel, await hash(file.abs)] as const, 16),
      toArray(),
    ),
    { defaultValue: [] },
  );
  for (const [rel, hash] of hashed.sort((a, b) => (a[0] < b[0] ? -1 : 1))) files[rel] = hash;
  return files;
}

/**
 * Decodes every listed file (each file once, `concurrency` at a time, reusing per-file results kept
 * in `env.records`) into one ImageSet; bad files fail the call or are skipped, as config says.
 * @example
 *   const set = await decodeListing(listing, await hashListing(listing, hasher.hash), config, env);
 */
export async function decodeListing(listing: Listing, fileHashes: Readonly<Record<string, string>>, config: DecodeConfig, env: DecodeEnv): Promise<ImageSet> {
  const total = listing.files.length;
  const classIndex = new Map(listing.classes.map((name, i) => [name, i]));
  const onBadFile = config.onBadFile ?? 'fail';
  let done = 0;
  let decodedCount = 0;
  let lastEmit = 0;
  const progress = () => {
    const now = Date.now();
    if (now - lastEmit >= 100 || done === total) {
      lastEmit = now;
      env.emit({ type: 'stage-progress', done, total, unit: 'files', note: `${decodedCount} decoded` });
    }
  };
  // Per-slice CSV rows name the same file several times: decode it once.
  const shared = new Map<string, Promise<FileOutcome>>();
  // With onBadFile 'fail', the first bad file stops new decodes; those in flight finish (and are
  // cached) before the stage fails, so nothing writes to the cache after the run has ended.
  let firstError: MedpipeError | undefined;
  const outcomes = await lastValueFrom(
    from(listing.files).pipe(
      mergeMap(async (file): Promise<FileOutcome | undefined> => {
        if (firstError) return undefined;
        if (!shared.has(file.abs)) shared.set(file.abs, decodeOne(file, fileHashes[file.rel]!, config, env));
        const outcome: FileOutcome = { ...(await shared.get(file.abs)!), file };
        done++;
        if ('decoded' in outcome && outcome.fresh) decodedCount++;
        if ('error' in outcome && onBadFile === 'fail') firstError ??= withSkipHint(outcome.error);
        progress();
        return outcome;
      }, config.concurrency ?? 4),
      toArray(),
    ),
    { defaultValue: [] as (FileOutcome | undefined)[] },
  ).then((all) => all.filter((o): o is FileOutcome => o !== undefined));
  if (firstError) throw firstError;
  const order = new Map(listing.files.map((f, i) => [f, i]));
  outcomes.sort((a, b) => order.get(a.file)! - order.get(b.file)!);

  const skipped: SkippedFile[] = [];
  const samples: SampleMeta[] = [];
  const chunks: Float32Array[] = [];
  const ranges: number[] = [];
  let shape: ImageShape | undefined;
  for (const outcome of outcomes) {
    if ('error' in outcome) {
      const { rel, slice } = outcome.file;
      skipped.push({ file: slice === undefined ? rel : `${rel}#${slice}`, reason: outcome.error.message });
      continue;
    }
    const { file, decoded } = outcome;
    const label = classIndex.get(file.className);
    if (label === undefined) {
      skipped.push({ file: file.rel, reason: `class '${file.className}' is not in classes [${listing.classes.join(', ')}]` });
      continue;
    }
    if (file.slice !== undefined && file.slice >= decoded.frames.length) {
      const error = new MedpipeError('BAD_FILE', `${file.abs}: slice ${file.slice} requested, but the file has ${decoded.frames.length} slice(s) (0-based).`, {
        file: file.abs,
        fix: `Use a slice index below ${decoded.frames.length} in the CSV, or set onBadFile: 'skip' to skip such rows.`,
      });
      if (onBadFile === 'fail') throw error;
      skipped.push({ file: `${file.rel}#${file.slice}`, reason: error.message });
      continue;
    }
    // Slices of one volume (or frames of one file) are one patient's: without another group key they
    // stay together in one split, or near-identical neighbours would sit in train and test.
    const group = file.group ?? decoded.groupKeys?.patient ?? (decoded.frames.length > 1 ? file.rel : undefined);
    const attributes = decoded.attributes || file.attributes ? { ...decoded.attributes, ...file.attributes } : undefined;
    const depth = config.volume?.stack;
    if (depth !== undefined && file.slice === undefined) {
      // The whole (selected part of the) volume is one sample, its slices resampled to `depth` channels.
      const picked = decoded.frames.map((_, k) => k).filter((k) => sliceSelected(k, config.volume?.slices));
      if (decoded.shape[2] !== 1 || picked.length === 0) {
        const error = new MedpipeError('BAD_FILE', `${file.abs}: volume stacking needs single-channel slices, got ${picked.length} slice(s) of ${decoded.shape[2]} channel(s).`, {
          file: file.abs,
          fix: "Set channels: 1 on ingest, check volume.slices, or set onBadFile: 'skip'.",
        });
        if (onBadFile === 'fail') throw error;
        skipped.push({ file: file.rel, reason: error.message });
        continue;
      }
      const stacked = stackSlices(picked.map((k) => decoded.frames[k]!), depth);
      shape ??= [decoded.shape[0], decoded.shape[1], depth];
      samples.push({
        id: file.rel,
        file: file.rel,
        label,
        ...(file.split ? { split: file.split } : {}),
        ...(group !== undefined ? { group } : {}),
        ...(attributes ? { attributes } : {}),
      });
      chunks.push(stacked);
      const lo = Math.min(...picked.map((k) => decoded.ranges[k]![0]));
      const hi = Math.max(...picked.map((k) => decoded.ranges[k]![1]));
      ranges.push(lo, hi);
      continue;
    }
    shape ??= decoded.shape;
    decoded.frames.forEach((frame, k) => {
      if (file.slice !== undefined ? k !== file.slice : decoded.frames.length > 1 && !sliceSelected(k, config.volume?.slices)) return;
      samples.push({
        id: decoded.frames.length > 1 ? `${file.rel}#${k}` : file.rel,
        file: file.rel,
        label,
        ...(file.split ? { split: file.split } : {}),
        ...(group !== undefined ? { group } : {}),
        ...(attributes ? { attributes } : {}),
      });
      chunks.push(frame);
      ranges.push(...decoded.ranges[k]!);
    });
  }
  if (samples.length === 0 || !shape) {
    throw new MedpipeError('NO_SAMPLES', `No readable images found (${total} candidate files, ${skipped.length} skipped).`, {
      fix: 'Check the data path and layout: one folder per class (optionally inside train/val/test folders), or a CSV path,label.',
    });
  }
  const size = sampleSize(shape);
  const pixels = new Float32Array(samples.length * size);
  chunks.forEach((chunk, i) => pixels.set(chunk, i * size));
  if (listing.droppedColumns) {
    env.emit({
      type: 'log',
      level: 'warn',
      message: `CSV column(s) ${listing.droppedColumns.join(', ')} look like they identify patients: left out of the subgroup metadata`,
    });
  }
  if (skipped.length > 0) {
    env.emit({ type: 'log', level: 'warn', message: `skipped ${skipped.length} unreadable file(s), e.g. ${skipped[0]!.file}: ${skipped[0]!.reason}` });
  }
  env.emit({ type: 'log', level: 'info', message: `${total} files: ${decodedCount} decoded, ${total - decodedCount - skipped.length} from the per-file cache` });
  return {
    classes: listing.classes,
    shape,
    samples,
    pixels,
    skipped,
    ranges: new Float32Array(ranges),
    deferred: [],
    preprocessing: [{ step: 'decode', size: config.size ?? [64, 64], channels: config.channels ?? 3 }],
  };
}

function withSkipHint(error: MedpipeError): MedpipeError {
  return new MedpipeError(error.code, error.message, {
    file: error.file,
    cause: error.cause,
    fix: error.fix ?? "Remove or replace the file, or set onBadFile: 'skip' to skip unreadable files and list them in the run report.",
  });
}
