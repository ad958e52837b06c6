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
import type { Artifact, Codec } from '../base/artifact.ts';
import { MedpipeError } from '../base/errors.ts';
import { toFloat32 } from '../io/decode-bytes.ts';
import { checkMaskMatches, readMask, resizeNearest, type Mask } from '../io/read-mask.ts';
import { enhance, type EnhanceOptions } from './enhance.ts';
import type { SegmentationIngestConfig } from './segmentation-config.ts';
import { stackNeighbours } from './neighbour-slices.ts';
import { decodeSegmentationImage, type DecodedSegmentationImage } from './segmentation-decode.ts';
import { isVolumeFile, readVolumePair } from './segmentation-volume.ts';
import type { SegmentationPair } from './segmentation-listing.ts';
import type { Original, SegmentationSample } from './segmentation-types.ts';
import { DTYPES, dtypeOf, type ShardRecord } from './store/format.ts';
import { decodeTable, encodeTable, tableOf, type RecordTable } from './store/record-table.ts';
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
  /** A volume's slice: the volume (its image's id) and the slice index across k; 2.5D models stack neighbours by them. */
  readonly volume?: string;
  readonly slice?: number;
  /** [dy, dx] of a stored pixel when it is the sample's own (a volume slice: from the NIfTI header); else the set's `spacing`. */
  readonly spacing?: readonly [number, number];
  /** Set when ingest resized the sample: its files' own size and pixel spacing, and rows of its masks at that size in `originals`. */
  readonly original?: OriginalRows;
}

/** Rows of a resized sample's original-size label maps in `originals`. */
export type OriginalRows = Original<number>;

export interface SegmentationSet {
  readonly classes: readonly string[];
  /** [height, width, channels] of every stored image (and [height, width] of its masks). */
  readonly shape: readonly [number, number, number];
  readonly spacing: readonly [number, number];
  /** How ingest decoded the images (predict repeats it): the resize, if any, and the channels kept. */
  readonly input: { readonly size?: readonly [number, number]; readonly channels: 1 | 3 | 'green' };
  readonly samples: readonly SegmentationMeta[];
  readonly images: RecordTable;
  readonly masks: RecordTable;
  /** Absent when no source has ROI masks. */
  readonly rois?: RecordTable;
  /** Second observers' masks (only the samples that have one; see `observerRow`). */
  readonly observers?: RecordTable;
  /** Label maps (mask, ROI, observer) at the files' own size, for samples that ingest resized (see `original`). */
  readonly originals?: RecordTable;
  readonly objectsDir: string;
  /** Set by split.segmentation: sample indices per split. */
  readonly splits?: Readonly<Record<SplitName, readonly number[]>>;
  /** Set by split.segmentation. @default 'rescale' */
  readonly intensity?: 'rescale' | 'zscore';
  /** Set by split.segmentation: contrast enhancement applied before the intensity scaling. */
  readonly enhance?: EnhanceOptions;
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
  const input = { ...(config.size ? { size: config.size } : {}), channels: config.channels ?? 3 };
  const writer = new ShardWriter(env.objectsDir);
  const rows = { images: [] as ShardRecord[], masks: [] as ShardRecord[], rois: [] as ShardRecord[], observers: [] as ShardRecord[], originals: [] as ShardRecord[] };
  const samples: SegmentationMeta[] = [];
  let shape: [number, number, number] | undefined;
  const hasRoi = pairs.some((p) => p.roi);
  const kinds = { mask: kind, roi: 'binary', observer: kind } as const;
  /** Stores one 2D sample: its image, and its label maps (at the file's own size) resized by nearest neighbour. */
  const store = (item: SegmentationItem, pair: SegmentationPair, hashes: Readonly<Record<string, string>>) => {
    const { image, id } = item;
    const here = image.shape;
    const own = image.own;
    if (shape && here.join('x') !== shape.join('x')) {
      throw new MedpipeError('SHAPE_MISMATCH', `${pair.image}${item.slice !== undefined ? ` slice ${item.slice}` : ''} is ${here[1]}x${here[0]}, the other images ${shape[1]}x${shape[0]}.`, {
        file: pair.image,
        fix: 'Set size: [height, width] on ingest.segmentation to resize every image (masks by nearest neighbour).',
      });
    }
    shape = here;
    // A resized sample keeps its label maps at the files' own size too: evaluate scores it there.
    const resized = own.height !== here[0] || own.width !== here[1];
    const originalAt: Record<string, number> = {};
    const labelRecord = (role: 'mask' | 'roi' | 'observer', map: Mask, fromFile = true) => {
      const top = role === 'roi' ? 1 : classes.length - 1;
      if (resized && fromFile) {
        originalAt[role] = rows.originals.length;
        rows.originals.push(writer.add({ file: id, fileHash: hashes[role]!, frames: 1, dtype: 'u8', shape: [own.height, own.width, 1], range: [0, top] }, map.data));
      }
      return writer.add({ file: id, fileHash: hashes[role]!, frames: 1, dtype: 'u8', shape: [here[0], here[1], 1], range: [0, top] }, resizeNearest(map, here[0], here[1]).data);
    };
    rows.images.push(writer.add({ file: id, fileHash: hashes.image!, frames: 1, dtype: dtypeOf(image.data), shape: here, range: [image.range[0], image.range[1]] }, image.data));
    rows.masks.push(labelRecord('mask', item.labels.mask!));
    if (hasRoi) {
      const roi = item.labels.roi ?? { height: own.height, width: own.width, data: new Uint8Array(own.height * own.width).fill(1) };
      rows.rois.push(labelRecord('roi', roi, item.labels.roi !== undefined));
    }
    const observerRow = item.labels.observer ? rows.observers.push(labelRecord('observer', item.labels.observer)) - 1 : undefined;
    // A volume's voxel size is in its header; a 2D image's is the configured one (after resizing), else pixels.
    const storedSpacing = item.spacing ? scaledSpacing(item.spacing, own, here) : undefined;
    const ownSpacing = item.spacing ?? originalSpacing(config.spacing, own, here);
    const group = pair.group ?? (item.slice !== undefined ? pair.id : undefined);
    samples.push({
      id,
      ...(pair.split ? { split: pair.split } : {}),
      ...(group !== undefined ? { group } : {}),
      ...(item.slice !== undefined ? { volume: pair.id, slice: item.slice } : {}),
      ...(observerRow !== undefined ? { observerRow } : {}),
      ...(storedSpacing ? { spacing: storedSpacing } : {}),
      ...(resized ? { original: { height: own.height, width: own.width, spacing: ownSpacing, ...(originalAt as { mask: number }) } } : {}),
    });
  };
  try {
    for (const [i, pair] of pairs.entries()) {
      if (env.signal?.aborted) throw new MedpipeError('CANCELLED', 'Ingest was cancelled.');
      const files = { image: pair.image, mask: pair.mask, ...(pair.roi ? { roi: pair.roi } : {}), ...(pair.observer ? { observer: pair.observer } : {}) };
      const hashes: Record<string, string> = {};
      for (const [role, file] of Object.entries(files)) hashes[role] = await env.hash(file);
      if (isVolumeFile(pair.image)) {
        for (const slice of await readVolumePair(files, input, classes.length, kinds)) {
          store({ id: `${pair.id}#${slice.k}`, slice: slice.k, image: slice.image, labels: slice.labels, spacing: slice.spacing }, pair, hashes);
        }
      } else {
        const image = await decodeSegmentationImage(await readFile(pair.image), pair.image, input);
        const labels: Record<string, Mask> = {};
        for (const role of ['mask', 'roi', 'observer'] as const) {
          const file = files[role as keyof typeof files];
          if (!file) continue;
          labels[role] = await readMask(file, { kind: kinds[role], classes: classes.length });
          checkMaskMatches(labels[role], file, image.own, pair.image);
        }
        store({ id: pair.id, image, labels }, pair, hashes);
      }
      env.progress?.(i + 1, pairs.length);
    }
  } catch (error) {
    writer.discard();
    throw error;
  }
  const shard = await writer.finish();
  const located = (records: ShardRecord[]) => tableOf(records, { hash: shard.hash, size: shard.size });
  return {
    classes,
    shape: shape!,
    spacing: config.spacing ?? [1, 1],
    input,
    samples,
    images: located(rows.images),
    masks: located(rows.masks),
    ...(hasRoi ? { rois: located(rows.rois) } : {}),
    ...(rows.observers.length > 0 ? { observers: located(rows.observers) } : {}),
    ...(rows.originals.length > 0 ? { originals: located(rows.originals) } : {}),
    objectsDir: env.objectsDir,
  };
}

/** One 2D sample before it is stored: its image (stored size) and label maps (the file's own size). */
interface SegmentationItem {
  readonly id: string;
  /** The slice index of a volume's slice. */
  readonly slice?: number;
  readonly image: DecodedSegmentationImage;
  readonly labels: Readonly<Record<string, Mask>>;
  /** [dy, dx] of one pixel at the file's own size, when the file says (NIfTI). */
  readonly spacing?: readonly [number, number];
}

/** The size of a stored pixel from an original one's. */
function scaledSpacing(spacing: readonly [number, number], own: { height: number; width: number }, stored: readonly number[]): [number, number] {
  return [(spacing[0] * own.height) / stored[0]!, (spacing[1] * own.width) / stored[1]!];
}

/** One original pixel's size: the stored pixel's (`spacing`, after resizing) scaled back; [1, 1] (original pixels) when no spacing was given. */
function originalSpacing(spacing: readonly [number, number] | undefined, own: { height: number; width: number }, stored: readonly number[]): [number, number] {
  if (!spacing) return [1, 1];
  return [(spacing[0] * stored[0]!) / own.height, (spacing[1] * stored[1]!) / own.width];
}

/**
 * What every reader of segmentation images does before the model sees them — fit and evaluate (through
 * readSegmentationSamples) and `medpipe predict`: split.segmentation's contrast enhancement, when set, then
 * its intensity scaling. One function, so a predicted image is prepared exactly as the trained ones were.
 */
export function prepareIntensity(
  pixels: Float32Array,
  [h, w, c]: readonly [number, number, number],
  range: readonly [number, number],
  roi: Uint8Array | undefined,
  mode: 'rescale' | 'zscore',
  enhancement?: EnhanceOptions,
): Float32Array {
  const enhanced = enhancement ? enhance(pixels, h, w, c, range, enhancement) : { pixels, range };
  return scaleIntensity(enhanced.pixels, c, enhanced.range, roi, mode);
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

/**
 * Reads samples `rows` from the shards (CRC-checked), scaled as the set says. `slices` > 1 (a 2.5D
 * model): each sample's pixels are its slice with the neighbouring slices of its volume as channels
 * (edges replicated; neighbour-slices.ts), each slice scaled on its own.
 */
export function readSegmentationSamples(set: SegmentationSet, rows: readonly number[], options: { readonly slices?: number } = {}): SegmentationSample[] {
  const files = new ShardFiles(set.objectsDir);
  const read = (table: RecordTable, row: number) => files.read(table.shards[table.shard[row]]!.hash, table.offset[row]!, table.length[row]!, table.crc[row]!);
  const [h, w, c] = set.shape;
  const count = options.slices ?? 1;
  const volumes = count > 1 ? volumeRows(set) : undefined;
  const scaled = (row: number, roi = set.rois ? read(set.rois, row).slice() : undefined) => {
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
    const stored = [set.images.ranges[row * 2]!, set.images.ranges[row * 2 + 1]!] as const;
    return prepareIntensity(toFloat32(raw), [h, w, c], stored, roi, set.intensity ?? 'rescale', set.enhance);
  };
  try {
    return rows.map((row) => {
      const meta = set.samples[row]!;
      const roi = set.rois ? read(set.rois, row).slice() : undefined;
      let pixels = scaled(row, roi);
      if (volumes) {
        const slices = volumes.get(meta.volume ?? '');
        if (!slices || meta.slice === undefined) {
          throw new MedpipeError('INVALID_CONFIG', `${meta.id} is not a slice of a volume: a 2.5D U-Net (build.unet slices: ${count}) stacks neighbouring slices of NIfTI volumes.`, {
            fix: 'Ingest NIfTI image and label volumes, or drop slices from build.unet.',
          });
        }
        const centre = pixels;
        pixels = stackNeighbours((k) => (k === meta.slice ? centre : scaled(slices[k]!)), meta.slice, slices.length, count, c, h * w);
      }
      const observer = set.observers && meta.observerRow !== undefined ? read(set.observers, meta.observerRow).slice() : undefined;
      const o = set.originals && meta.original;
      const atOwnSize = (r: number | undefined) => (o && r !== undefined ? read(set.originals!, r).slice() : undefined);
      const original = o
        ? { height: o.height, width: o.width, spacing: o.spacing, mask: atOwnSize(o.mask)!, ...(o.roi !== undefined ? { roi: atOwnSize(o.roi)! } : {}), ...(o.observer !== undefined ? { observer: atOwnSize(o.observer)! } : {}) }
        : undefined;
      return {
        id: meta.id,
        height: h,
        width: w,
        channels: c * count,
        pixels,
        mask: read(set.masks, row).slice(),
        ...(roi ? { roi } : {}),
        ...(observer ? { observer } : {}),
        ...(meta.split ? { split: meta.split } : {}),
        ...(meta.spacing ? { spacing: meta.spacing } : {}),
        ...(original ? { original } : {}),
      };
    });
  } finally {
    files.close();
  }
}

/** Each volume's rows by slice index (a volume's slices are ingested in order, all of them). */
function volumeRows(set: SegmentationSet): Map<string, number[]> {
  const out = new Map<string, number[]>();
  set.samples.forEach((s, row) => {
    if (s.volume === undefined || s.slice === undefined) return;
    const rows = out.get(s.volume) ?? [];
    rows[s.slice] = row;
    out.set(s.volume, rows);
  });
  return out;
}

const json = (value: unknown) => new Uint8Array(Buffer.from(JSON.stringify(value), 'utf8'));

export const segmentationSetCodec: Codec<SegmentationSet> = {
  encode: (set): Artifact => {
    const { images, masks, rois, observers, originals, samples, objectsDir: _where, ...meta } = set;
    return {
      meta,
      blobs: { samples: json(samples), images: encodeTable(images), masks: encodeTable(masks), ...(rois ? { rois: encodeTable(rois) } : {}), ...(observers ? { observers: encodeTable(observers) } : {}), ...(originals ? { originals: encodeTable(originals) } : {}) },
      refs: images.shards,
    };
  },
  decode: (artifact): SegmentationSet => {
    if (!artifact.objectsDir) throw new MedpipeError('INTERNAL', 'A segmentation set was decoded without the cache it lives in.', { fix: 'Load it through the cache.' });
    const b = artifact.blobs;
    return {
      ...(artifact.meta as Omit<SegmentationSet, 'images' | 'masks' | 'rois' | 'observers' | 'originals' | 'samples' | 'objectsDir'>),
      samples: JSON.parse(Buffer.from(b.samples!).toString('utf8')),
      images: decodeTable(b.images!),
      masks: decodeTable(b.masks!),
      ...(b.rois ? { rois: decodeTable(b.rois) } : {}),
      ...(b.observers ? { observers: decodeTable(b.observers) } : {}),
      ...(b.originals ? { originals: decodeTable(b.originals) } : {}),
      objectsDir: artifact.objectsDir,
    };
  },
};
