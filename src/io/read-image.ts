import type { DecodedImage } from '../data/types.ts';

export interface ReadImageOptions {
  /** Resize to [height, width] (bilinear). No resizing unless given. */
  readonly size?: readonly [number, number];
  /** Output channel count: 1 (luminance), 3 (RGB). Default: the file's own. */
  readonly channels?: 1 | 3;
  /** Frame / slice index for multi-frame inputs. Default 0. */
  readonly frame?: number;
}

/**
 * One decoder for every format medpipe reads; `ingest` uses the same one.
 * @example
 *   const { data, shape, meta } = await readImage('scan.dcm');
 */
export type ReadImage = (path: string, options?: ReadImageOptions) => Promise<DecodedImage>;
