/**
 * The recorded steps as a lookup table, for 8-bit records: when every step maps a value to a value
 * by itself (dataset z-score, rescale, clip — not minmax, per-image z-score or windowing, which look
 * at the whole image), an image's result is fixed by its byte values, so the steps are run once on
 * the 256 possible bytes (per channel) and each pixel becomes one table read. The table holds the
 * very float32 numbers applySteps writes, so the pixels are the same bit for bit, at a fraction of
 * the cost (the z-score's division per value was most of the loader's time).
 * @example
 *   const table = pointwiseTable(steps, [0, 255], 1);
 *   if (table) for (let k = 0; k < bytes.length; k++) out[k] = table[bytes[k]!]!;
 */
import { nativeCodec, type NativeCodec } from '../io/native-codec.ts';
import type { ImageShape } from './types.ts';
import { isFittedZscore, type PreprocessStep } from './preprocessing.ts';
import { applySteps } from './transform.ts';

/** Whether every step that applySteps runs is value by value (the rest change nothing). */
export function isPointwise(steps: readonly PreprocessStep[]): boolean {
  return steps.every((step) => {
    if (step.step !== 'normalize' || isFittedZscore(step)) return true;
    if (step.method === 'rescale' || step.method === 'clip') return true;
    return step.method === 'zscore' && (step.scope ?? 'dataset') === 'dataset'; // unfitted: skipped
  });
}

/** Only rescale reads the record's value range. */
export const readsRange = (steps: readonly PreprocessStep[]) => steps.some((s) => s.step === 'normalize' && s.method === 'rescale');

/**
 * `steps` applied to every byte value, per channel: entry `v * channels + c` is what byte `v` of
 * channel `c` becomes. Undefined when a step is not value by value.
 */
export function pointwiseTable(steps: readonly PreprocessStep[], range: readonly [number, number], channels: number): Float32Array | undefined {
  if (!isPointwise(steps)) return undefined;
  const ramp = new Float32Array(256 * channels);
  for (let k = 0; k < ramp.length; k++) ramp[k] = Math.floor(k / channels);
  // One "image" of 256 pixels: per-channel steps pick the channel as k % channels, as for a real one.
  const shape: ImageShape = [256, 1, channels];
  return applySteps(ramp, shape, range, steps).pixels;
}

/**
 * out[at + k] = table[bytes[k] · channels + k mod channels], for every byte of one record: in the
 * codec addon when it is built (about 10x faster than this loop), else here.
 */
export function lookUp(bytes: Uint8Array, table: Float32Array, channels: number, out: Float32Array, at: number, native: NativeCodec['lookupU8'] | null = nativeCodec()?.lookupU8): void {
  if (native) {
    native(bytes, table, channels, out, at);
    return;
  }
  const n = bytes.length;
  if (channels === 1) {
    for (let k = 0; k < n; k++) out[at + k] = table[bytes[k]!]!;
    return;
  }
  for (let k = 0, c = 0; k < n; k++) {
    out[at + k] = table[bytes[k]! * channels + c]!;
    if (++c === channels) c = 0;
  }
}
