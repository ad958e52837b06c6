import { readFile } from 'node:fs/promises';
import { MedpipeError } from '../base/errors.ts';
import type { Work } from '../base/work.ts';
import { narrowest } from '../io/decode-bytes.ts';
import { parseNpz, type NpyArray } from '../io/npy.ts';
import { convertChannels, resizeBilinear } from '../io/resize.ts';
import type { ImageSet } from './image-set.ts';
import type { NpzIngestConfig } from './ingest-config.ts';
import { assembleImageSet, type Located } from './store/assemble-set.ts';
import { dtypeOf } from './store/format.ts';
import { recordMoments } from './store/record-moments.ts';
import { MAX_SHARD_BYTES } from './store/ingest.ts';
import { ShardWriter } from './store/shard-writer.ts';
import { inferTask, resolveTask, type InferredTask } from './task.ts';
import type { ImageShape, SplitName } from './types.ts';
import type { InputFile } from './file-listing.ts';

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
  return arraysTask(
    parseNpz(new Uint8Array(await readFile(path)), path, (name) => name.endsWith('_labels')),
    config,
    path,
  );
}

/** Where an npz ingest writes its records, and the file's content hash. */
export interface NpzEnv extends Work {
  readonly objectsDir: string;
  readonly fileHash: string;
}

/**
 * MedMNIST-style arrays (`<split>_images` (N,H,W[,C]) and `<split>_labels` (N[,1]), or (N, K) 0/1
 * findings) as an ImageSet
 * that keeps the arrays' own train/val/test split; the images go into the store as records in the
 * narrowest exact type (MedMNIST's uint8 stays uint8).
 * @example
 *   const set = await readNpzSet('/data/pneumoniamnist.npz', { file: 'pneumoniamnist.npz' }, env);
 */
export async function readNpzSet(path: string, config: NpzIngestConfig, env: NpzEnv): Promise<ImageSet> {
  const arrays = parseNpz(new Uint8Array(await readFile(path)), path);
  const { task, reason, classes } = arraysTask(arrays, config, path);
  // The listing names classes by index; `classes` (the names) replace them in the set.
  const indexClasses = classes.map((_, i) => String(i));
  const rows: InputFile[] = [];
  const records = new Map<string, Located[]>();
  let shape: ImageShape | undefined;
  let writer: ShardWriter | undefined;
  const pending: { key: string; record: ReturnType<ShardWriter['add']> }[] = [];
  const flush = async () => {
    if (!writer) return;
    const shard = await writer.finish();
    for (const { key, record } of pending) records.set(key, [{ shard: { hash: shard.hash, size: shard.size }, record }]);
    pending.length = 0;
    writer = undefined;
  };
  const isByte = arrays.train_images?.dtype.endsWith('u1') ?? true;
  try {
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
        throw new MedpipeError('SHAPE_MISMATCH', `${path}: ${prefix}_labels has shape (${labels.shape.join(', ')}) for ${n} images.`, {
          file: path,
          fix: 'Use one label per image, shape (N,) or (N, 1), or (N, K) 0/1 findings for multi-label data.',
        });
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
        const file = `${config.file}:${prefix}_images[${i}]`;
        const stored = narrowest(data);
        if (writer && writer.bytes + stored.byteLength > MAX_SHARD_BYTES) await flush();
        writer ??= new ShardWriter(env.objectsDir);
        const record = writer.add({ file, fileHash: env.fileHash, frames: 1, dtype: dtypeOf(stored), shape: s, range: isByte ? [0, 255] : [0, 65535], moments: recordMoments(stored, s[2]) }, stored);
        pending.push({ key: file, record });
        if (task === 'multilabel') {
          const findings = indexClasses.filter((_, j) => labels.data[i * width + j] === 1);
          rows.push({ rel: file, abs: file, className: findings.join('|'), findings, split });
        } else rows.push({ rel: file, abs: file, className: String(labels.data[i]!), split });
      }
      env.emit({ type: 'stage-progress', done: rows.length, total: rows.length, unit: 'images' });
    }
    await flush();
  } finally {
    writer?.discard();
  }
  if (!shape || rows.length === 0) {
    throw new MedpipeError('NO_SAMPLES', `${path} holds no train_/val_/test_ images.`, { file: path, fix: 'Use the MedMNIST layout: train_images, train_labels, val_images, ...' });
  }
  const set = assembleImageSet({
    listing: { files: rows, classes: indexClasses, ...(task === 'multilabel' ? { multiLabel: true } : {}) },
    config: { root: path, size: [shape[0], shape[1]], channels: shape[2] === 1 ? 1 : 3 },
    spec: { size: [shape[0], shape[1]], channels: shape[2] === 1 ? 1 : 3, decoder: 'npz' },
    records,
    problems: new Map(),
    objectsDir: env.objectsDir,
    task,
  });
  // Sample ids as before: <split>/<index within the split>.
  const counters: Record<string, number> = {};
  const samples = set.samples.map((s) => {
    const split = s.split!;
    const k = (counters[split] = (counters[split] ?? -1) + 1);
    return { ...s, id: `${split}/${String(k).padStart(5, '0')}` };
  });
  const { decode: _spec, ...rest } = set;
  env.emit({ type: 'log', level: 'info', message: reason });
  return { ...rest, classes, samples, preprocessing: [{ step: 'decode', size: [shape[0], shape[1]], channels: shape[2] }] };
}
