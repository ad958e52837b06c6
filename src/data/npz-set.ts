import { readFile } from 'node:fs/promises';
import { MedpipeError } from '../base/errors.ts';
import type { Work } from '../base/work.ts';
import { parseNpz, type NpyArray } from '../io/npy.ts';
import { convertChannels, resizeBilinear } from '../io/resize.ts';
import { sampleSize, type ImageSet } from './image-set.ts';
import type { NpzIngestConfig } from './ingest-config.ts';
import { inferTask, resolveTask, taskField, type InferredTask } from './task.ts';
import type { ImageShape, SampleMeta, SplitName } from './types.ts';

const PREFIXES: Record<string, SplitName> = { train: 'train', val: 'val', test: 'test' };

/** Findings per label row: 1 for one label value per image, K for (N, K) multi-label arrays. */
const widthOf = (labels: NpyArray) => (labels.shape.length >= 2 ? labels.shape.slice(1).reduce((a, b) => a * b, 1) : 1);

/** The task the label arrays imply (or the stated one, checked), with the class names. */
function arraysTask(arrays: Record<string, NpyArray>, config: NpzIngestConfig, path: string): InferredTask & { classes: string[] } {
  const labelArrays = Object.keys(PREFIXES).flatMap((prefix) => (arrays[`${prefix}_labels`] ? [arrays[`${prefix}_labels`]!] : []));
  const width = Math.max(1, ...labelArrays.map(widthOf));
  const multiLabel = width > 1;
  let maxLabel = 0;
  for (const labels of labelArrays) for (const v of labels.data) maxLabel = Math.max(maxLabel, v);
  const count = multiLabel ? width : maxLabel + 1;
  const classes = config.classes ? [...config.classes] : Array.from({ length: count }, (_, i) => String(i));
  const inferred = inferTask(classes, { multiLabel, numbersAreNames: !config.classes });
  return { ...resolveTask(config.task, inferred, classes, `ingest.npz ${path}`), classes };
}

/**
 * The task of a MedMNIST-style file from its label arrays alone (read without the images), so it
 * can join the ingest's cache key before anything is decoded.
 */
export async function npzTask(path: string, config: NpzIngestConfig): Promise<InferredTask> {
  return arraysTask(parseNpz(new Uint8Array(await readFile(path)), path, (name) => name.endsWith('_labels')), config, path);
}

/**
 * MedMNIST-style arrays (`<split>_images` (N,H,W[,C]) and `<split>_labels` (N[,1])) as an ImageSet
 * that keeps the arrays' own train/val/test split.
 * @example
 *   const set = await readNpzSet('/data/pneumoniamnist.npz', { file: 'pneumoniamnist.npz' }, work);
 */
export async function readNpzSet(path: string, config: NpzIngestConfig, work: Work): Promise<ImageSet> {
  const arrays = parseNpz(new Uint8Array(await readFile(path)), path);
  const { task, reason, classes } = arraysTask(arrays, config, path);
  const samples: SampleMeta[] = [];
  const chunks: Float32Array[] = [];
  let shape: ImageShape | undefined;
  for (const [prefix, split] of Object.entries(PREFIXES)) {
    const images = arrays[`${prefix}_images`];
    const labels = arrays[`${prefix}_labels`];
    if (!images && !labels) continue;
    if (!images || !labels) {
      throw new MedpipeError('BAD_FILE', `${path}: has ${prefix}_${images ? 'images' : 'labels'} but not its partner.`, { file: path, fix: `Store both ${prefix}_images and ${prefix}_labels.` });
    }
    const n = images.shape[0]!;
    const [h, w, c = 1] = images.shape.slice(1) as number[];
    const width = widthOf(labels);
    if (labels.shape[0] !== n || labels.data.length !== n * width) {
      throw new MedpipeError('SHAPE_MISMATCH', `${path}: ${prefix}_labels has shape (${labels.shape.join(', ')}) for ${n} images.`, { file: path, fix: 'Use one label per image, shape (N,) or (N, 1), or (N, K) 0/1 findings for multi-label data.' });
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
      const findings = task === 'multilabel' ? { labels: Array.from(labels.data.subarray(i * width, (i + 1) * width)) } : {};
      const label = task === 'multilabel' ? -1 : labels.data[i]!;
      samples.push({ id: `${split}/${String(i).padStart(5, '0')}`, file: `${config.file}:${prefix}_images[${i}]`, label, ...findings, split });
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
  work.emit({ type: 'log', level: 'info', message: reason });
  return { classes, ...taskField(task), shape, samples, pixels, skipped: [], ranges, deferred: [], preprocessing: [{ step: 'decode', size: [shape[0], shape[1]], channels: shape[2] }] };
}
