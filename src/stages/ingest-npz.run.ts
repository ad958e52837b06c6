import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { decodeImageSet, encodeImageSet, sampleSize, type ImageSet } from '../data/image-set.ts';
import type { ImageShape, SampleMeta, SplitName } from '../data/types.ts';
import { parseNpz } from '../io/npy.ts';
import { convertChannels, resizeBilinear } from '../io/resize.ts';
import { MedpipeError } from '../runtime/errors.ts';
import type { StageImpl } from '../runtime/stage-impl.ts';
import type { NpzIngestConfig } from './ingest.ts';

const PREFIXES: Record<string, SplitName> = { train: 'train', val: 'val', test: 'test' };

/** MedMNIST-style arrays: `<split>_images` (N,H,W[,C]) and `<split>_labels` (N[,1]). */
export const ingestNpzImpl: StageImpl<NpzIngestConfig, undefined, ImageSet> = {
  kind: 'ingest.npz',
  version: 1,
  validate(config, ctx) {
    if (typeof config.file !== 'string') return ['file (the .npz path) is required'];
    const path = isAbsolute(config.file) ? config.file : resolve(ctx.baseDir, config.file);
    return existsSync(path) ? [] : [`array file ${path} does not exist`];
  },
  async fingerprint(config, ctx) {
    const path = isAbsolute(config.file) ? config.file : resolve(ctx.baseDir, config.file);
    return { files: { [config.file]: await ctx.hasher.hash(path) }, data: path };
  },
  async run(_input, config, ctx, fingerprint) {
    const path = fingerprint!.data as string;
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
        throw new MedpipeError('BAD_FILE', `${path}: has ${prefix}_${images ? 'images' : 'labels'} but not its partner.`, {
          file: path,
          fix: `Store both ${prefix}_images and ${prefix}_labels.`,
        });
      }
      const n = images.shape[0]!;
      const [h, w, c = 1] = images.shape.slice(1) as number[];
      if (labels.data.length !== n) {
        throw new MedpipeError('SHAPE_MISMATCH', `${path}: ${prefix}_labels has ${labels.data.length} values for ${n} images.`, {
          file: path,
          fix: 'Use one label per image (multi-label arrays are not supported).',
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
        const label = labels.data[i]!;
        maxLabel = Math.max(maxLabel, label);
        samples.push({ id: `${split}/${String(i).padStart(5, '0')}`, file: `${config.file}:${prefix}_images[${i}]`, label, split });
        chunks.push(data === images.data ? data.slice() : data);
      }
      ctx.emit({ type: 'stage-progress', done: samples.length, total: samples.length, unit: 'images' });
    }
    if (!shape || samples.length === 0) {
      throw new MedpipeError('NO_SAMPLES', `${path} holds no train_/val_/test_ images.`, {
        file: path,
        fix: 'Use the MedMNIST layout: train_images, train_labels, val_images, ...',
      });
    }
    const size = sampleSize(shape);
    const pixels = new Float32Array(samples.length * size);
    chunks.forEach((chunk, i) => pixels.set(chunk, i * size));
    const isByte = arrays.train_images?.dtype.endsWith('u1') ?? true;
    const ranges = new Float32Array(samples.length * 2);
    for (let i = 0; i < samples.length; i++) ranges.set(isByte ? [0, 255] : [0, 65535], i * 2);
    const classes = config.classes ?? Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
    return {
      classes,
      shape,
      samples,
      pixels,
      skipped: [],
      ranges,
      deferred: [],
      preprocessing: [{ step: 'decode', size: shape.slice(0, 2), channels: shape[2] }],
    };
  },
  encode: encodeImageSet,
  decode: decodeImageSet,
  summary: (set) => `${set.samples.length} images ${set.shape.join('x')} from arrays, classes ${set.classes.join('/')}`,
};
