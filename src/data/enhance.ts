/**
 * Contrast enhancement before intensity scaling, the usual preprocessing for fundus vessels
 * (Retina-UNet, LadderNet): CLAHE (OpenCV's, see clahe.ts) and a gamma curve, per channel, on the
 * 8-bit grey levels of the image: a stored image whose range is not [0, 255] is first mapped
 * linearly from its source range to 0…255 and rounded (256 levels, as OpenCV's 8-bit CLAHE needs).
 * Gamma: v → 255 · (v / 255)^gamma (skimage's `adjust_gamma` convention: < 1 brightens; Retina-UNet's
 * "gamma 1.2" is gamma = 1/1.2 here). The result keeps the range [0, 255] for the scaling that follows.
 *
 * @example const { pixels, range } = enhance(raw, 584, 565, 1, [0, 255], { clahe: { clipLimit: 2 }, gamma: 1 / 1.2 });
 */
import { clahe, type ClaheOptions } from './clahe.ts';

export interface EnhanceOptions {
  readonly clahe?: ClaheOptions;
  readonly gamma?: number;
}

export function enhance(
  pixels: Float32Array,
  height: number,
  width: number,
  channels: number,
  range: readonly [number, number],
  options: EnhanceOptions,
): { pixels: Float32Array; range: readonly [number, number] } {
  const span = range[1] - range[0] || 1;
  const plane = new Uint8Array(height * width);
  const out = new Float32Array(pixels.length);
  const gammaLut = options.gamma === undefined ? undefined : Float32Array.from({ length: 256 }, (_, v) => 255 * (v / 255) ** options.gamma!);
  for (let k = 0; k < channels; k++) {
    for (let p = 0; p < plane.length; p++) {
      const v = Math.round(((pixels[p * channels + k]! - range[0]) / span) * 255);
      plane[p] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    const equalized = options.clahe ? clahe(plane, height, width, options.clahe) : plane;
    for (let p = 0; p < plane.length; p++) out[p * channels + k] = gammaLut ? gammaLut[equalized[p]!]! : equalized[p]!;
  }
  return { pixels: out, range: [0, 255] };
}
