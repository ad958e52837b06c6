import { readFile } from 'node:fs/promises';
import { MedpipeError } from '../base/errors.ts';
import type { Work } from '../base/work.ts';
import { parseNpz } from '../io/npy.ts';
import { convertChannels, resizeBilinear } from '../io/resize.ts';
import { sampleSize, type ImageSet } from './image-set.ts';
import type { NpzIngestConfig } from './ingest-config.ts';
import type { ImageShape, SampleMeta, SplitName } from './types.ts';

const PREFIXES: Record<string, SplitName> = { train: 'train', val: 'val', test: 'test' };

/**
 * MedMNIST-style arrays (`<split>_images` (N,H,W[,C]) and `<split>_labels` (N[,1])) as an ImageSet
 * that keeps the arrays' own train/val/test split.
 * @example
 *   const set = await readNpzSet('/data/pneumoniamnist.npz', { file: 'pneumoniamnist.npz' }, work);
 */
export async function readNpzSet(path: string, config: NpzIngestConfig, work: Work): Promise<ImageSet> {
  const arrays = parseNpz(new Uint8Array(await readFile(path)), path);
  const samples: SampleMeta[] = [];
  const chunks: Float32Array[] = [];
  let shape: ImageShape | undefined;
  let maxLabel = 0;
  for (const [prefix, split] of Object.entries(PREFIXES)) {
    const images = arrays[`${prefix}_images`];
    const labels = arrays[`${prefix}_labels`];
    if (!images && !labels) continue;
    if (!images || !labels) {
      throw new MedpipeError('BAD_FILE', `${path}: has ${prefix}_${images ? 'images' : 'labels'} but not its partner.`, { file: path, fix: `Store both ${prefix}_images and ${prefix}_labels.` });
    }
    const n = images.shape[0]!;
    const [h, w, c = 1] = images.shape.slice(1) as number[];
    if (labels.data.length !== n) {
      throw new MedpipeError('SHAPE_MISMATCH', `${path}: ${prefix}_labels has ${labels.data.length} values for ${n} images.`, { file: path, fix: 'Use one label per image (multi-label arrays are not supported).' });
    }
    const size = h! * w! * c;
    for (let i = 0; i < n; i++) {
      let data = images.data.subarray(i * size, (i + 1) * size);
      let s: ImageShape = [h!, w!, c];
      if (config.channels && config.channels !== c) ({ data, shape: s } = convertChannels(data, s, config.channels));
      if (config.size) {
        data = resizeBilinear(data, s, config.size[0], config.size[1]);
        s = [config.size[0], config.size[1], s[2]];
      }
      shape ??= s;
      const label = labels.data[i]!;
      maxLabel = Math.max(maxLabel, label);
      samples.push({ id: `${split}/${String(i).padStart(5, '0')}`, file: `${config.file}:${prefix}_images[${i}]`, label, split });
      chunks.push(data === images.data ? data.slice() : data);
    }
    work.emit({ type: 'stage-progress', done: samples.length, total: samples.length, unit: 'images' });
  }
  if (!shape || samples.length === 0) {
    throw new MedpipeError('NO_SAMPLES', `${path} holds no train_/val_/test_ images.`, { file: path, fix: 'Use the MedMNIST layout: train_images, train_labels, val_images, ...' });
  }
  const size = sampleSize(shape);
  const pixels = new Float32Array(samples.length * size);
  chunks.forEach((chunk, i) => pixels.set(chunk, i * size));
  const isByte = arrays.train_images?.dtype.endsWith('u1') ?? true;
  const ranges = new Float32Array(samples.length * 2);
  for (let i = 0; i < samples.length; i++) ranges.set(isByte ? [0, 255] : [0, 65535], i * 2);
  const classes = config.classes ?? Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
  return { classes, shape, samples, pixels, skipped: [], ranges, deferred: [], preprocessing: [{ step: 'decode', size: [shape[0], shape[1]], channels: shape[2] }] };
}
