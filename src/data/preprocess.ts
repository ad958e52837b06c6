import { MedpipeError } from '../base/errors.ts';
import { decodeFile } from '../io/read-image.ts';
import type { DecodeStep, PreprocessStep } from './preprocessing.ts';
import { applySteps } from './transform.ts';

/**
 * Repeats the recorded decode and normalization steps on one file, so `predict` feeds the model
 * exactly what training did: the same decoder, and the same per-image transform function the
 * training loader applied (dataset z-score uses the statistics fitted on the training split).
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
  const range = frame.meta.range ?? [0, 255];
  const { pixels, shape } = applySteps(Float32Array.from(frame.data), frame.shape, [Math.fround(range[0]), Math.fround(range[1])], steps);
  if (shape.join('x') !== inputShape.join('x')) {
    throw new MedpipeError('SHAPE_MISMATCH', `${file} became ${shape.join('x')} but the model takes ${inputShape.join('x')}.`, { file, fix: 'Use images like those the model was trained on.' });
  }
  return pixels;
}
