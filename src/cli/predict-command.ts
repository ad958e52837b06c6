import fg from 'fast-glob';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MedpipeError } from '../base/errors.ts';
import { applyPreprocessing } from '../data/preprocess.ts';
import { argmax } from '../metrics/confusion-matrix.ts';
import type { SegmentationModelInfo } from '../train/segmentation-model.ts';
import type { ModelInfo } from '../train/trained.ts';

/**
 * `medpipe predict <model-dir> <image|folder>`: a segmentation model writes masks (predict-segmentation.ts);
 * a classifier scores images with the decode and normalization the
 * model was trained with. Binary: the positive class's score and the label at the threshold;
 * K classes: every class's probability and the predicted (most probable) class; findings: each
 * finding's score and those at or above their thresholds.
 */
export async function predictCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      threshold: { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      probabilities: { type: 'boolean' },
      roi: { type: 'string' },
      'roi-match': { type: 'string' },
    },
  });
  const [modelDir, target] = positionals;
  if (!modelDir || !target)
    throw new MedpipeError('INVALID_CONFIG', 'predict needs a model folder and an image or folder.', { fix: 'medpipe predict out/xray/model scan.png' });
  const { initBackend } = await import('../backend/select.ts');
  await initBackend(values.backend ?? process.env.MEDPIPE_BACKEND);
  const { loadModel, readModelMetadata } = await import('../train/model.ts');
  const stored = (await readModelMetadata(modelDir))?.medpipe as ModelInfo | SegmentationModelInfo | undefined;
  if (!stored) {
    throw new MedpipeError('MODEL_LOAD', `${modelDir} has no medpipe metadata (decode and normalization steps).`, {
      fix: 'Use the model folder a medpipe run exported (out/<pipeline>/model).',
    });
  }
  const path = resolve(target);
  const isDir = statSync(path).isDirectory();
  const listFiles = async () =>
    isDir
      ? (await fg('**/*.{png,jpg,jpeg,tif,tiff,gif,bmp,webp,dcm,nii,nii.gz}', { cwd: path, caseSensitiveMatch: false })).sort().map((f) => join(path, f))
      : [path];
  const threshold0 = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold0 !== undefined && !(threshold0 >= 0 && threshold0 <= 1))
    throw new MedpipeError('INVALID_CONFIG', `--threshold must be in [0, 1], got '${values.threshold}'.`, { fix: '--threshold 0.5' });
  if (stored.task === 'segmentation') {
    const { predictSegmentation } = await import('./predict-segmentation.ts');
    return predictSegmentation(modelDir, stored, await listFiles(), {
      out: resolve(values.out ?? 'predictions'),
      probabilities: values.probabilities ?? false,
      ...(values.roi ? { roi: resolve(values.roi) } : {}),
      ...(values['roi-match'] ? { roiMatch: values['roi-match'] } : {}),
      ...(threshold0 !== undefined ? { threshold: threshold0 } : {}),
    });
  }
  const meta = stored;
  const segmentationOnly = (['out', 'probabilities', 'roi', 'roi-match'] as const).filter((k) => values[k] !== undefined);
  if (segmentationOnly.length > 0) {
    throw new MedpipeError(
      'INVALID_CONFIG',
      `--${segmentationOnly.join(', --')} ${segmentationOnly.length > 1 ? 'are' : 'is'} for segmentation models; this one is a ${meta.task ?? 'binary'} classifier.`,
      {
        fix: 'Drop the option: a classifier prints one line per image.',
      },
    );
  }
  const task = meta.task ?? 'binary';
  const k = meta.classes.length;
  if (values.threshold !== undefined && (task === 'multiclass' || task === 'ordinal')) {
    throw new MedpipeError('INVALID_CONFIG', `--threshold is for binary and multi-label models; this one is ${task} and predicts its most probable class.`, {
      fix: 'Drop --threshold.',
    });
  }
  const threshold = threshold0 ?? meta.threshold;
  const thresholds = values.threshold !== undefined ? meta.classes.map(() => threshold) : (meta.thresholds ?? meta.classes.map(() => 0.5));
  const files = await listFiles();
  const model = await loadModel(modelDir);
  const { predictTta } = await import('../train/tta.ts');
  const [h, w, c] = meta.inputShape;
  const fitShape = {
    y: new Float32Array(task === 'multilabel' ? k : 1),
    count: 1,
    shape: [h, w, c] as [number, number, number],
    ...(task === 'binary' ? {} : { task, classes: k }),
  };
  // Binary: the score of the positive class (1 − output when evaluate named the first class positive).
  const positive = meta.positiveClass ?? meta.classes[1] ?? '1';
  const negative = meta.classes.find((name) => name !== positive) ?? '0';
  const flipped = meta.positiveClass !== undefined && meta.positiveClass === meta.classes[0];
  const header =
    task === 'binary'
      ? ['file', 'score', 'label']
      : task === 'multilabel'
        ? ['file', ...meta.classes.map((name) => `p_${name}`), 'findings']
        : ['file', ...meta.classes.map((name) => `p_${name}`), 'predicted'];
  process.stdout.write(header.join('\t') + '\n');
  let failed = 0;
  for (const file of files) {
    try {
      const x = await applyPreprocessing(file, meta.preprocessing, meta.inputShape);
      const out = await predictTta(model, { x, ...fitShape }, meta.tta);
      let row: string[];
      if (task === 'binary') {
        const score = flipped ? 1 - out[0]! : out[0]!;
        row = [score.toFixed(6), score >= threshold ? positive : negative];
      } else if (task === 'multilabel') {
        const found = meta.classes.filter((_, j) => out[j]! >= thresholds[j]!);
        row = [...Array.from(out, (p) => p.toFixed(6)), found.join('|') || '(none)'];
      } else {
        row = [...Array.from(out, (p) => p.toFixed(6)), meta.classes[argmax(out)]!];
      }
      process.stdout.write(`${[file, ...row].join('\t')}\n`);
    } catch (error) {
      failed++;
      process.stderr.write(`${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  model.dispose();
  return failed > 0 ? 1 : 0;
}
