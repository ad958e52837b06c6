import { readFile } from 'node:fs/promises';
import type { DecodedImage } from './types.ts';
import { MedpipeError } from '../base/errors.ts';
import { decodeBytes, toFloat32 } from './decode-bytes.ts';
export { DECODER_VERSION, decoderKey } from './decoder-version.ts';

export interface ReadImageOptions {
  /** Resize to [height, width] (PIL's bilinear for 8/16-bit images; pixel-centre bilinear for DICOM/NIfTI values). No resizing unless given. */
  readonly size?: readonly [number, number];
  /** Output channel count: 1 (luminance), 3 (RGB). @default the file's own (alpha dropped) */
  readonly channels?: 1 | 3;
  /** Frame / slice index for multi-frame inputs. @default 0 */
  readonly frame?: number;
  /** Salt for DICOM group keys (hashed PatientID / StudyInstanceUID). @default medpipe's public salt */
  readonly salt?: string;
  /** NIfTI: the voxel axis to slice across. @default 2 (axial) */
  readonly axis?: 0 | 1 | 2;
}

/**
 * Reads one image the way `ingest` does, with real values: 8-bit files in [0, 255], 16-bit in
 * [0, 65535], DICOM in stored × slope + intercept (HU for CT), NIfTI with scl_slope/inter.
 * EXIF orientation is applied; alpha is dropped. No resizing unless `size` is given.
 * @example
 *   const { data, shape, meta } = await readImage('scan.dcm');
 */
export async function readImage(path: string, options: ReadImageOptions = {}): Promise<DecodedImage> {
  const frames = await decodeFile(path, options);
  const index = options.frame ?? 0;
  const frame = frames[index];
  if (!frame) {
    throw new MedpipeError('BAD_FILE', `${path} has ${frames.length} frame(s); frame ${index} does not exist.`, {
      file: path,
      fix: `Pass a frame index below ${frames.length}.`,
    });
  }
  return frame;
}

/** Reads a whole file, with an error that names it and says what to check. */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MedpipeError(code === 'ENOENT' ? 'DATA_NOT_FOUND' : 'BAD_FILE', `${path} cannot be opened (${code ?? 'error'}).`, {
      file: path,
      fix: 'Check that the file exists and is readable.',
      cause: error,
    });
  }
}

/** Every frame / slice of a file, decoded, resized and channel-converted as asked, as float32 values. */
export async function decodeFile(path: string, options: Omit<ReadImageOptions, 'frame'> = {}): Promise<DecodedImage[]> {
  const frames = await decodeBytes(await readInputFile(path), path, options);
  return frames.map((f) => ({ data: toFloat32(f.data), shape: f.shape, meta: { ...f.meta, range: f.meta.range ?? f.range } }));
}
