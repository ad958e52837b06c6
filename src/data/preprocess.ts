import { decodeFile } from '../io/read-image.ts';
import { MedpipeError } from '../runtime/errors.ts';
import { applyZscore, normalizeImageSet } from '../stages/normalize.run.ts';
import type { NormalizeConfig } from '../stages/normalize.ts';
import type { ImageSet } from './image-set.ts';

type Step =
  | { step: 'decode'; size: [number, number]; channels: 1 | 3 }
  | ({ step: 'normalize' } & NormalizeConfig & { scope?: string; mean?: number[]; std?: number[]; perChannel?: boolean });

/**
 * Repeats the recorded decode and normalization steps on one file, so `predict` feeds the model
 * exactly what training did (dataset z-score uses the statistics fitted on the training split).
 */
export async function applyPreprocessing(file: string, steps: readonly unknown[], inputShape: readonly [number, number, number]): Promise<Float32Array> {
  const decode = steps.find((s) => (s as Step).step === 'decode') as Extract<Step, { step: 'decode' }> | undefined;
  const [frame] = await decodeFile(file, { size: decode?.size ?? [inputShape[0], inputShape[1]], channels: decode?.channels ?? (inputShape[2] === 1 ? 1 : 3) });
  if (!frame) throw new MedpipeError('BAD_FILE', `${file} holds no image.`, { file });
  let set: ImageSet = {
    classes: [],
    shape: frame.shape,
    samples: [{ id: file, file, label: 0 }],
    pixels: frame.data,
    skipped: [],
    ranges: new Float32Array(frame.meta.range ?? [0, 255]),
    deferred: [],
    preprocessing: [],
  };
  for (const raw of steps) {
    const step = raw as Step;
    if (step.step !== 'normalize') continue;
    if (step.method === 'zscore' && step.scope === 'dataset' && step.mean && step.std) {
      set = { ...set, pixels: applyZscore(set.pixels, set.shape[2], step.mean, step.std, step.perChannel ?? false) };
    } else if (step.method === 'zscore' && (step.scope ?? 'dataset') === 'dataset') {
      continue; // the fitted statistics follow as their own step
    } else {
      set = normalizeImageSet(set, step);
    }
  }
  if (set.shape.join('x') !== inputShape.join('x')) {
    throw new MedpipeError('SHAPE_MISMATCH', `${file} became ${set.shape.join('x')} but the model takes ${inputShape.join('x')}.`, { file, fix: 'Use images like those the model was trained on.' });
  }
  return set.pixels;
}
