import { codecName } from './native-codec.ts';

/**
 * Decoder version: part of every decode's cache key, bump when decoding changes. 2: DICOM values
 * (RT dose scaling, palettes, LUTs, 12-bit JPEG). 3: records keep their stored type; PNG/JPEG resized as
 * PIL's bilinear, RGB → grey as PIL's luma (JPEG: its own luma). 4: the sharp path (TIFF, WebP, GIF, BMP;
 * PNG/JPEG without the addon) keeps grey as one channel and 16-bit as 16-bit.
 */
export const DECODER_VERSION = 4;

/** The decoder's part of cache keys: its version and which codec (the addon or sharp) decodes PNG/JPEG. */
export function decoderKey(): string {
  return `${DECODER_VERSION}/${codecName()}`;
}
