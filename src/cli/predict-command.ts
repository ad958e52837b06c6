import fg from 'fast-glob';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MedpipeError } from '../base/errors.ts';
import { applyPreprocessing } from '../data/preprocess.ts';
import type { ModelInfo } from '../train/trained.ts';

/** `medpipe predict <model-dir> <image|folder>`: scores images with the decode and normalization the model was trained with. */
export async function predictCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { threshold: { type: 'string' }, backend: { type: 'string' } },
  });
  const [modelDir, target] = positionals;
  if (!modelDir || !target)
    throw new MedpipeError('INVALID_CONFIG', 'predict needs a model folder and an image or folder.', { fix: 'medpipe predict out/xray/model scan.png' });
  const { initBackend } = await import('../backend/select.ts');
  await initBackend(values.backend ?? process.env.MEDPIPE_BACKEND);
  const { loadModel, readModelMetadata } = await import('../train/model.ts');
  const meta = (await readModelMetadata(modelDir))?.medpipe as ModelInfo | undefined;
  if (!meta) {
    throw new MedpipeError('MODEL_LOAD', `${modelDir} has no medpipe metadata (decode and normalization steps).`, {
      fix: 'Use the model folder a medpipe run exported (out/<pipeline>/model).',
    });
  }
  const threshold = values.threshold !== undefined ? Number(values.threshold) : meta.threshold;
  if (!(threshold >= 0 && threshold <= 1))
    throw new MedpipeError('INVALID_CONFIG', `--threshold must be in [0, 1], got '${values.threshold}'.`, { fix: '--threshold 0.5' });
  const path = resolve(target);
  const files = statSync(path).isDirectory()
    ? (await fg('**/*.{png,jpg,jpeg,tif,tiff,bmp,webp,dcm,nii,nii.gz}', { cwd: path, caseSensitiveMatch: false })).sort().map((f) => join(path, f))
    : [path];
  const model = await loadModel(modelDir);
  const { predictScores } = await import('../train/predict.ts');
  const [h, w, c] = meta.inputShape;
  process.stdout.write('file\tscore\tlabel\n');
  let failed = 0;
  for (const file of files) {
    try {
      const x = await applyPreprocessing(file, meta.preprocessing, meta.inputShape);
      const [score] = await predictScores(model, { x, y: new Float32Array(1), count: 1, shape: [h, w, c] });
      const label = score! >= threshold ? (meta.classes[1] ?? '1') : (meta.classes[0] ?? '0');
      process.stdout.write(`${file}\t${score!.toFixed(6)}\t${label}\n`);
    } catch (error) {
      failed++;
      process.stderr.write(`${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  model.dispose();
  return failed > 0 ? 1 : 0;
}
