/**
 * `medpipe predict <model-dir> <image|folder>` for a segmentation model (evaluate.segmentation's
 * model/ folder): one mask PNG per image at the image's own size (0/255 for binary models, class
 * indices otherwise), optionally its probability map(s), and one line per image on stdout.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { MedpipeError } from '../base/errors.ts';
import { readMask, type Mask } from '../io/read-mask.ts';
import { encodePng, pngNames } from '../report/segmentation-files.ts';
import type { SegmentationModelInfo } from '../train/segmentation-model.ts';

export interface SegmentationPredictOptions {
  /** Folder for the masks. */
  readonly out: string;
  /** Also write each class's probability as an 8-bit PNG (value = round(255·p)). */
  readonly probabilities: boolean;
  /** A region-of-interest mask (file) or folder of them (matched by the image's name stem, or `roiMatch`). */
  readonly roi?: string;
  /** ROI names from the image's stem: '{id}_test_mask.gif'. */
  readonly roiMatch?: string;
  readonly threshold?: number;
}

const stem = (file: string) => basename(file).replace(/(\.nii)?\.[^.]+$/i, '');

async function roiFor(file: string, options: SegmentationPredictOptions, isDir: boolean): Promise<Mask | undefined> {
  if (!options.roi) return undefined;
  if (!isDir) return readMask(options.roi);
  const name = options.roiMatch ? options.roiMatch.replace('{id}', stem(file)) : undefined;
  const { readdir } = await import('node:fs/promises');
  const found = name ?? (await readdir(options.roi)).find((n) => n.slice(0, n.length - extname(n).length) === stem(file));
  if (!found) {
    throw new MedpipeError('DATA_NOT_FOUND', `${file} has no ROI mask in ${options.roi}.`, { file, fix: "Add it, or give --roi-match '{id}_mask.gif'." });
  }
  return readMask(join(options.roi, found));
}

export async function predictSegmentation(
  modelDir: string,
  info: SegmentationModelInfo,
  files: readonly string[],
  options: SegmentationPredictOptions,
): Promise<number> {
  const { loadModel } = await import('../train/model.ts');
  const { segmentImage } = await import('../train/segment-image.ts');
  const { statSync } = await import('node:fs');
  const model = await loadModel(modelDir);
  const roiIsDir = options.roi ? statSync(options.roi).isDirectory() : false;
  await mkdir(options.out, { recursive: true });
  const names = pngNames(files);
  const binary = info.classes.length === 2;
  process.stdout.write(['file', 'mask', ...info.classes.slice(1).map((c) => `fraction_${c}`)].join('\t') + '\n');
  let failed = 0;
  try {
    for (const [i, file] of files.entries()) {
      try {
        if (/\.nii(\.gz)?$/i.test(file)) {
          const { predictVolume } = await import('./predict-volume.ts');
          const written = await predictVolume(model, info, file, options);
          process.stdout.write(`${[file, written.mask, ...written.fractions.map((f) => f.toFixed(6))].join('\t')}\n`);
          continue;
        }
        if (info.slices) {
          throw new MedpipeError(
            'INVALID_CONFIG',
            `${file}: this is a 2.5D model (${info.slices} adjacent slices as channels); it segments NIfTI volumes, not single images.`,
            {
              file,
              fix: 'Give the .nii / .nii.gz volume.',
            },
          );
        }
        const roi = await roiFor(file, options, roiIsDir);
        const result = await segmentImage(model, info, await readFile(file), file, {
          ...(roi ? { roi } : {}),
          ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
        });
        const maskPath = join(options.out, names[i]!);
        await writeFile(maskPath, await encodePng(binary ? result.mask.map((v) => v * 255) : result.mask, result.height, result.width, 1));
        if (options.probabilities) {
          for (let j = 0; j < result.channels; j++) {
            const p = new Uint8Array(result.height * result.width);
            for (let q = 0; q < p.length; q++) p[q] = Math.round(255 * result.probs[q * result.channels + j]!);
            const className = binary ? info.classes[1]! : info.classes[j]!;
            await writeFile(join(options.out, names[i]!.replace(/\.png$/, `_p_${className}.png`)), await encodePng(p, result.height, result.width, 1));
          }
        }
        const fractions = info.classes.slice(1).map((_, k) => result.mask.reduce((n, v) => n + (v === k + 1 ? 1 : 0), 0) / result.mask.length);
        process.stdout.write(`${[file, maskPath, ...fractions.map((f) => f.toFixed(6))].join('\t')}\n`);
      } catch (error) {
        failed++;
        process.stderr.write(`${file}: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  } finally {
    model.dispose();
  }
  return failed > 0 ? 1 : 0;
}
