import { MedpipeError } from '../base/errors.ts';
import { decodeFile } from '../io/read-image.ts';
import type { ImageSet } from './image-set.ts';
import { normalizeImageSet } from './normalize.ts';
import { isFittedZscore, type DecodeStep, type PreprocessStep } from './preprocessing.ts';
import { applyZscore } from './zscore.ts';

/**
 * Repeats the recorded decode and normalization steps on one file, so `predict` feeds the model
 * exactly what training did (dataset z-score uses the statistics fitted on the training split).
 * @example
 *   const x = await applyPreprocessing('scan.png', info.preprocessing, info.inputShape);
 */
export async function applyPreprocessing(file: string, steps: readonly PreprocessStep[], inputShape: readonly [number, number, number]): Promise<Float32Array> {
  const decode = steps.find((s): s is DecodeStep => s.step === 'decode');
  const [frame] = await decodeFile(file, {
    size: decode ? [decode.size[0], decode.size[1]] : [inputShape[0], inputShape[1]],
    channels: decode?.channels === 1 || (!decode && inputShape[2] === 1) ? 1 : 3,
  });
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
  for (const step of steps) {
    if (step.step !== 'normalize') continue;
    if (isFittedZscore(step)) {
      set = { ...set, pixels: applyZscore(set.pixels, set.shape[2], step.mean, step.std, step.perChannel) };
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
