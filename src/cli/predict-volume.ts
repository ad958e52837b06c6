/**
 * `medpipe predict` on a NIfTI volume: every slice across k decoded and scaled as ingest did, segmented
 * (sliding windows, probabilities back to the slice's own size, then thresholded), and the labels
 * written as one NIfTI label volume on the input's geometry (`<name>_seg.nii.gz`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { MedpipeError } from '../base/errors.ts';
import { stackNeighbours } from '../data/neighbour-slices.ts';
import { scaleIntensity } from '../data/segmentation-set.ts';
import { decodeBytes, toFloat32 } from '../io/decode-bytes.ts';
import { labelVolumeLike, niftiGeometry } from '../io/nifti-header.ts';
import { segmentPixels } from '../train/segment-image.ts';
import type { SegmentationModelInfo } from '../train/segmentation-model.ts';

export async function predictVolume(
  model: tf.LayersModel,
  info: SegmentationModelInfo,
  file: string,
  options: { readonly out: string; readonly threshold?: number },
): Promise<{ mask: string; fractions: number[] }> {
  if (info.input.channels === 'green') {
    throw new MedpipeError('INVALID_CONFIG', `${file}: this model reads RGB's green channel and cannot take a grey volume.`, {
      file,
      fix: 'Use a model trained on volumes.',
    });
  }
  const raw = await readFile(file);
  const { dims } = await niftiGeometry(raw, file);
  const [cols, rows, slices] = dims; // slices across k: rows = j, columns = i (readNifti)
  const frames = await decodeBytes(raw, file, { ...(info.input.size ? { size: info.input.size } : {}), channels: info.input.channels });
  const labels = new Uint8Array(rows * cols * slices);
  const scaled = frames.slice(0, slices).map((f) => scaleIntensity(toFloat32(f.data), f.shape[2], f.range, undefined, info.intensity));
  const count = info.slices ?? 1;
  for (let k = 0; k < slices; k++) {
    const [h, w, c] = frames[k]!.shape;
    // 2.5D: the slice with its neighbours as channels, edges replicated (as fit and evaluate saw them).
    const pixels = count > 1 ? stackNeighbours((j) => scaled[j]!, k, slices, count, c, h * w) : scaled[k]!;
    const result = await segmentPixels(model, info, pixels, [h, w, c * count], { height: rows, width: cols }, options.threshold);
    labels.set(result.mask, k * rows * cols);
  }
  const name = `${basename(file).replace(/\.nii(\.gz)?$/i, '')}_seg.nii.gz`;
  const path = join(options.out, name);
  await writeFile(path, await labelVolumeLike(raw, file, labels, info.classes.length - 1, true));
  const fractions = info.classes.slice(1).map((_, j) => labels.reduce((n, v) => n + (v === j + 1 ? 1 : 0), 0) / labels.length);
  return { mask: path, fractions };
}
