/**
 * A segmentation data set in the record store: per sample three records in the cache's shards —
 * the image (stored type, resized bilinearly when asked), its label map (u8, nearest neighbour) and
 * its ROI (u8, 1 inside) — and a manifest of three record tables. Masks travel as records, never
 * as labels in the manifest, so relabelling a class name does not re-ingest pixels.
 *
 * @example
 *   const set = await ingestSegmentation(pairs, config, { objectsDir });
 *   const samples = readSegmentationSamples(set, [0, 1, 2], 'zscore');
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Artifact, Codec } from '../base/artifact.ts';
import { MedpipeError } from '../base/errors.ts';
import type { ObjectRef } from '../base/object-store.ts';
import { decodeBytes, toFloat32 } from '../io/decode-bytes.ts';
import { checkMaskMatches, readMask, resizeNearest } from '../io/read-mask.ts';
import { enhance, type EnhanceOptions } from './enhance.ts';
import type { SegmentationIngestConfig } from './segmentation-config.ts';
import type { SegmentationPair } from './segmentation-listing.ts';
import type { SegmentationSample } from './segmentation-types.ts';
import { DTYPES, dtypeOf, type ShardRecord } from './store/format.ts';
import { decodeTable, emptyTable, encodeTable, type RecordTable } from './store/record-table.ts';
import { ShardFiles } from './store/shard-reader.ts';
import { ShardWriter } from './store/shard-writer.ts';
import type { SplitName } from './types.ts';

export interface SegmentationMeta {
  /** The image's folder (as configured) and file name. */
  readonly id: string;
  /** The split the data gave it (its source's `split`). */
  readonly split?: SplitName;
  /** Group key (e.g. patient): whole groups go to one split. */
  readonly group?: string;
  /** Row of its second observer's mask in `observers`, when there is one. */
  readonly observerRow?: number;
}

export interface SegmentationSet {
  readonly classes: readonly string[];
  /** [height, width, channels] of every stored image (and [height, width] of its masks). */
  readonly shape: readonly [number, number, number];
  readonly spacing: readonly [number, number];
  readonly samples: readonly SegmentationMeta[];
  readonly images: RecordTable;
  readonly masks: RecordTable;
  /** Absent when no source has ROI masks. */
  readonly rois?: RecordTable;
  /** Second observers' masks (only the samples that have one; see `observerRow`). */
  readonly observers?: RecordTable;
  readonly objectsDir: string;
  /** Set by split.segmentation: sample indices per split. */
  readonly splits?: Readonly<Record<SplitName, readonly number[]>>;
  /** Set by split.segmentation. @default 'rescale' */
  readonly intensity?: 'rescale' | 'zscore';
  /** Set by split.segmentation: contrast enhancement applied before the intensity scaling. */
  readonly enhance?: EnhanceOptions;
}

type Located = { readonly shard: number; readonly record: ShardRecord };

function tableOf(rows: readonly Located[], shards: readonly ObjectRef[]): RecordTable {
  const table = emptyTable(rows.length, shards);
  rows.forEach(({ shard, record }, i) => {
    table.shard[i] = shard;
    table.offset[i] = record.offset;
    table.length[i] = record.length;
    table.crc[i] = record.crc;
    table.dtype[i] = DTYPES.indexOf(record.dtype);
    table.ranges[i * 2] = record.range[0];
    table.ranges[i * 2 + 1] = record.range[1];
    table.fileHash.set(Buffer.from(record.fileHash, 'hex'), i * 32);
  });
  return table;
}

export interface IngestSegmentationEnv {
  readonly objectsDir: string;
  /** sha256 of a file (from the stat cache when unchanged). */
  readonly hash: (file: string) => Promise<string>;
  readonly signal?: AbortSignal;
  readonly progress?: (done: number, total: number) => void;
}

/** Decodes every pair and writes image, mask and ROI records to one shard. */
export async function ingestSegmentation(pairs: readonly SegmentationPair[], config: SegmentationIngestConfig, env: IngestSegmentationEnv): Promise<SegmentationSet> {
  const classes = config.classes ?? ['background', 'foreground'];
  const kind = config.maskKind ?? 'binary';
  if (kind === 'binary' && classes.length !== 2) {
    throw new MedpipeError('INVALID_CONFIG', `Binary masks have 2 classes, but ${classes.length} class names were given.`, {
      fix: "Give two names (background first), or use maskKind: 'labels' for label maps with values 0..K.",
    });
  }
  const channelsWanted = config.channels ?? 3;
  const writer = new ShardWriter(env.objectsDir);
  const rows = { images: [] as ShardRecord[], masks: [] as ShardRecord[], rois: [] as ShardRecord[], observers: [] as ShardRecord[] };
  const observerRows: (number | undefined)[] = [];
  let shape: [number, number, number] | undefined;
  const hasRoi = pairs.some((p) => p.roi);
  try {
    for (const [i, pair] of pairs.entries()) {
      if (env.signal?.aborted) throw new MedpipeError('CANCELLED', 'Ingest was cancelled.');
      const bytes = await readFile(pair.image);
      const meta = await sharp(bytes).metadata().catch((error: unknown) => {
        throw new MedpipeError('BAD_FILE', `${pair.image} cannot be decoded as an image: ${(error as Error).message}`, { file: pair.image, fix: 'Remove or replace the file.', cause: error });
      });
      const own = { height: meta.height ?? 0, width: meta.width ?? 0 };
      const size = config.size ?? ([own.height, own.width] as const);
      const [frame] = await decodeBytes(bytes, pair.image, { size, channels: channelsWanted === 1 ? 1 : 3 });
      let data = frame!.data;
      let c = frame!.shape[2];
      if (channelsWanted === 'green') {
        const green = new (data.constructor as Uint8ArrayConstructor)(data.length / 3);
        for (let p = 0; p < green.length; p++) green[p] = data[p * 3 + 1]!;
        data = green;
        c = 1;
      }
      const here: [number, number, number] = [frame!.shape[0], frame!.shape[1], c];
      if (shape && here.join('x') !== shape.join('x')) {
        throw new MedpipeError('SHAPE_MISMATCH', `${pair.image} is ${here[1]}x${here[0]}, the other images ${shape[1]}x${shape[0]}.`, {
          file: pair.image,
          fix: 'Set size: [height, width] on ingest.segmentation to resize every image (masks by nearest neighbour).',
        });
      }
      shape = here;
      const readOne = async (file: string, what: 'labels' | 'binary') => {
        const mask = await readMask(file, { kind: what, classes: classes.length });
        checkMaskMatches(mask, file, own, pair.image);
        return resizeNearest(mask, here[0], here[1]).data;
      };
      const mask = await readOne(pair.mask, kind);
      const imageHash = await env.hash(pair.image);
      rows.images.push(writer.add({ file: pair.id, fileHash: imageHash, frames: 1, dtype: dtypeOf(data), shape: here, range: frame!.range as [number, number] }, data));
      rows.masks.push(writer.add({ file: pair.id, fileHash: await env.hash(pair.mask), frames: 1, dtype: 'u8', shape: [here[0], here[1], 1], range: [0, classes.length - 1] }, mask));
      if (hasRoi) {
        const roi = pair.roi ? await readOne(pair.roi, 'binary') : new Uint8Array(here[0] * here[1]).fill(1);
        rows.rois.push(writer.add({ file: pair.id, fileHash: pair.roi ? await env.hash(pair.roi) : imageHash, frames: 1, dtype: 'u8', shape: [here[0], here[1], 1], range: [0, 1] }, roi));
      }
      if (pair.observer) {
        observerRows.push(rows.observers.length);
        rows.observers.push(writer.add({ file: pair.id, fileHash: await env.hash(pair.observer), frames: 1, dtype: 'u8', shape: [here[0], here[1], 1], range: [0, classes.length - 1] }, await readOne(pair.observer, kind)));
      } else observerRows.push(undefined);
      env.progress?.(i + 1, pairs.length);
    }
  } catch (error) {
    writer.discard();
    throw error;
  }
  const shard = await writer.finish();
  const shards = [{ hash: shard.hash, size: shard.size }];
  const located = (records: ShardRecord[]) => tableOf(records.map((record) => ({ shard: 0, record })), shards);
  return {
    classes,
    shape: shape!,
    spacing: config.spacing ?? [1, 1],
    samples: pairs.map((p, i) => ({ id: p.id, ...(p.split ? { split: p.split } : {}), ...(p.group !== undefined ? { group: p.group } : {}), ...(observerRows[i] !== undefined ? { observerRow: observerRows[i] } : {}) })),
    images: located(rows.images),
    masks: located(rows.masks),
    ...(hasRoi ? { rois: located(rows.rois) } : {}),
    ...(rows.observers.length > 0 ? { observers: located(rows.observers) } : {}),
    objectsDir: env.objectsDir,
  };
}

/** Scales an image: 'rescale' by its source range to [0, 1]; 'zscore' by its own mean and std inside the ROI (per channel). */
export function scaleIntensity(pixels: Float32Array, channels: number, range: readonly [number, number], roi: Uint8Array | undefined, mode: 'rescale' | 'zscore'): Float32Array {
  if (mode === 'rescale') {
    const span = range[1] - range[0] || 1;
    return pixels.map((v) => (v - range[0]) / span);
  }
  const out = new Float32Array(pixels.length);
  for (let k = 0; k < channels; k++) {
    let n = 0;
    let sum = 0;
    let sq = 0;
    for (let p = 0; p < pixels.length / channels; p++) {
      if (roi && roi[p] === 0) continue;
      const v = pixels[p * channels + k];
      n++;
      sum += v;
      sq += v * v;
    }
    const mean = n ? sum / n : 0;
    const std = n ? Math.sqrt(Math.max(sq / n - mean * mean, 0)) || 1 : 1;
    for (let p = 0; p < pixels.length / channels; p++) out[p * channels + k] = (pixels[p * channels + k] - mean) / std;
  }
  return out;
}

/** Reads samples `rows` from the shards (CRC-checked), scaled as the set says. */
export function readSegmentationSamples(set: SegmentationSet, rows: readonly number[]): SegmentationSample[] {
  const files = new ShardFiles(set.objectsDir);
  const read = (table: RecordTable, row: number) => files.read(table.shards[table.shard[row]]!.hash, table.offset[row]!, table.length[row]!, table.crc[row]!);
  const [h, w, c] = set.shape;
  try {
    return rows.map((row) => {
      const bytes = read(set.images, row);
      const dtype = DTYPES[set.images.dtype[row]!];
      const raw =
        dtype === 'u8'
          ? bytes.slice()
          : dtype === 'u16'
            ? new Uint16Array(bytes.slice().buffer)
            : dtype === 'i16'
              ? new Int16Array(bytes.slice().buffer)
              : new Float32Array(bytes.slice().buffer);
      const roi = set.rois ? read(set.rois, row).slice() : undefined;
      const stored = [set.images.ranges[row * 2]!, set.images.ranges[row * 2 + 1]!] as const;
      const enhanced = set.enhance ? enhance(toFloat32(raw), h, w, c, stored, set.enhance) : { pixels: toFloat32(raw), range: stored };
      const pixels = scaleIntensity(enhanced.pixels, c, enhanced.range, roi, set.intensity ?? 'rescale');
      const meta = set.samples[row]!;
      const observer = set.observers && meta.observerRow !== undefined ? read(set.observers, meta.observerRow).slice() : undefined;
      return {
        id: meta.id,
        height: h,
        width: w,
        channels: c,
        pixels,
        mask: read(set.masks, row).slice(),
        ...(roi ? { roi } : {}),
        ...(observer ? { observer } : {}),
        ...(meta.split ? { split: meta.split } : {}),
      };
    });
  } finally {
    files.close();
  }
}

const json = (value: unknown) => new Uint8Array(Buffer.from(JSON.stringify(value), 'utf8'));

export const segmentationSetCodec: Codec<SegmentationSet> = {
  encode: (set): Artifact => {
    const { images, masks, rois, observers, samples, objectsDir: _where, ...meta } = set;
    return {
      meta,
      blobs: { samples: json(samples), images: encodeTable(images), masks: encodeTable(masks), ...(rois ? { rois: encodeTable(rois) } : {}), ...(observers ? { observers: encodeTable(observers) } : {}) },
      refs: images.shards,
    };
  },
  decode: (artifact): SegmentationSet => {
    if (!artifact.objectsDir) throw new MedpipeError('INTERNAL', 'A segmentation set was decoded without the cache it lives in.', { fix: 'Load it through the cache.' });
    const b = artifact.blobs;
    return {
      ...(artifact.meta as Omit<SegmentationSet, 'images' | 'masks' | 'rois' | 'observers' | 'samples' | 'objectsDir'>),
      samples: JSON.parse(Buffer.from(b.samples!).toString('utf8')),
      images: decodeTable(b.images!),
      masks: decodeTable(b.masks!),
      ...(b.rois ? { rois: decodeTable(b.rois) } : {}),
      ...(b.observers ? { observers: decodeTable(b.observers) } : {}),
      objectsDir: artifact.objectsDir,
    };
  },
};
