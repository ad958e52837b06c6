import { open } from 'node:fs/promises';
import sharp from 'sharp';
import type { DecodedImage, ImageMeta } from './types.ts';
import { MedpipeError } from '../base/errors.ts';
import { convertChannels, resizeBilinear } from './resize.ts';
import { isDicom, readDicom } from './dicom.ts';

export interface ReadImageOptions {
  /** Resize to [height, width] (bilinear). No resizing unless given. */
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

/** Decoder version: part of every per-file cache key, bump when decoding changes. */
export const DECODER_VERSION = 2;

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

/** Every frame / slice of a file, decoded, resized and channel-converted as asked. */
export async function decodeFile(path: string, options: Omit<ReadImageOptions, 'frame'> = {}): Promise<DecodedImage[]> {
  const head = await readHead(path);
  let frames: DecodedImage[];
  if (isDicom(head)) {
    frames = await readDicom(path, options.salt ? { salt: options.salt } : {});
  } else if (/\.nii(\.gz)?$/i.test(path)) {
    const { readNifti } = await import('./nifti.ts');
    frames = await readNifti(path, options.axis === undefined ? {} : { axis: options.axis });
  } else {
    return [await decodeWithSharp(path, options)];
  }
  return frames.map((frame) => shapeFrame(frame, options));
}

function shapeFrame(frame: DecodedImage, options: Omit<ReadImageOptions, 'frame'>): DecodedImage {
  let { data, shape } = frame;
  if (options.channels && options.channels !== shape[2]) ({ data, shape } = convertChannels(data, shape, options.channels));
  if (options.size) {
    data = resizeBilinear(data, shape, options.size[0], options.size[1]);
    shape = [options.size[0], options.size[1], shape[2]];
  }
  return { data, shape, meta: frame.meta };
}

async function readHead(path: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new MedpipeError('BAD_FILE', `${path} cannot be opened (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, {
      file: path,
      fix: 'Check that the file exists and is readable.',
      cause: error,
    });
  }
  try {
    const buffer = new Uint8Array(132);
    const { bytesRead } = await handle.read(buffer, 0, 132, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const SHARP_FORMATS: Record<string, ImageMeta['format']> = {
  png: 'png',
  jpeg: 'jpeg',
  tiff: 'tiff',
  webp: 'webp',
  gif: 'gif',
};

async function decodeWithSharp(path: string, options: Omit<ReadImageOptions, 'frame'>): Promise<DecodedImage> {
  try {
    const input = sharp(path, { failOn: 'error', limitInputPixels: 1e9 });
    const info = await input.metadata();
    const sixteen = info.depth === 'ushort' || info.depth === 'short';
    const sourceChannels = (info.channels ?? 1) - (info.hasAlpha ? 1 : 0);
    const channels = options.channels ?? (sourceChannels >= 3 ? 3 : 1);
    let pipeline = input.rotate(); // EXIF orientation
    if (info.hasAlpha) pipeline = pipeline.removeAlpha();
    if (options.size) {
      pipeline = pipeline.resize(options.size[1], options.size[0], { fit: 'fill', kernel: 'linear' });
    }
    pipeline = channels === 1 ? pipeline.toColourspace(sixteen ? 'grey16' : 'b-w') : pipeline.toColourspace(sixteen ? 'rgb16' : 'srgb');
    const { data, info: out } = await pipeline.raw({ depth: sixteen ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
    const count = out.width * out.height * out.channels;
    const values = new Float32Array(count);
    if (sixteen) {
      const view = new Uint16Array(data.buffer, data.byteOffset, count);
      values.set(view);
    } else {
      for (let i = 0; i < count; i++) values[i] = data[i]!;
    }
    let image: DecodedImage = {
      data: values,
      shape: [out.height, out.width, out.channels],
      meta: {
        format: SHARP_FORMATS[info.format ?? ''] ?? 'other',
        bitDepth: sixteen ? 16 : 8,
        photometric: info.space,
        range: sixteen ? [0, 65535] : [0, 255],
      },
    };
    if (out.channels !== channels) {
      const converted = convertChannels(image.data, image.shape, channels);
      image = { ...image, ...converted };
    }
    return image;
  } catch (error) {
    if (error instanceof MedpipeError) throw error;
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new MedpipeError('BAD_FILE', `${path} cannot be decoded as an image: ${reason}`, {
      file: path,
      fix: "Remove or replace the file, or set onBadFile: 'skip' on the ingest stage to skip unreadable files.",
      cause: error,
    });
  }
}
