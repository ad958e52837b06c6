/**
 * One file's bytes → its frames as ingest stores them: every sample in the narrowest type that
 * holds it exactly (8-bit images stay uint8, 16-bit stay uint16, DICOM/NIfTI values int16 when they
 * are whole numbers in range, float32 only where needed), resized and channel-converted as asked.
 * PNG and JPEG go through the codec addon (or sharp plus the same pixel maths in JavaScript);
 * DICOM and NIfTI through medpipe's readers, in real units (HU for CT).
 */
import { MedpipeError } from '../base/errors.ts';
import { decodeDicom, isDicom } from './dicom.ts';
import { nativeCodec } from './native-codec.ts';
import { convertIntegerChannels, resampleBilinear } from './resample.ts';
import { convertChannels, resizeBilinear } from './resize.ts';
import type { DecodedImage, ImageMeta, ImageShape } from './types.ts';

/** A frame's samples in their stored type. */
export type Samples = Uint8Array | Uint16Array | Int16Array | Float32Array;

export interface RasterFrame {
  readonly data: Samples;
  readonly shape: ImageShape;
  /** The source type's value range ([0, 255] for 8-bit), else the frame's own min and max. */
  readonly range: readonly [number, number];
  readonly meta: ImageMeta;
  /** Per channel [n, sum, M2] when the decoder computed them on the way (the codec addon). */
  readonly moments?: readonly number[];
}

export interface DecodeOptions {
  /** Resize to [height, width]. No resizing unless given. */
  readonly size?: readonly [number, number];
  /** 1 (grey) or 3 (RGB). @default the file's own (alpha dropped) */
  readonly channels?: 1 | 3;
  /** Salt for DICOM group keys. */
  readonly salt?: string;
  /** NIfTI: the axis to slice across. @default 2 */
  readonly axis?: 0 | 1 | 2;
}

const SHARP_FORMATS: Record<string, ImageMeta['format']> = { png: 'png', jpeg: 'jpeg', tiff: 'tiff', webp: 'webp', gif: 'gif' };

/**
 * Decodes `bytes` (the content of `path`, which only names the file in errors).
 * @example
 *   const [frame] = await decodeBytes(await readFile(f), f, { size: [224, 224], channels: 1 });
 */
export async function decodeBytes(bytes: Uint8Array, path: string, options: DecodeOptions = {}): Promise<RasterFrame[]> {
  if (isDicom(bytes.subarray(0, 132))) {
    const frames = await decodeDicom(bytes, path, options.salt ? { salt: options.salt } : {});
    return frames.map((f) => compactFrame(shapeFloatFrame(f, options)));
  }
  if (/\.nii(\.gz)?$/i.test(path)) {
    const { decodeNifti } = await import('./nifti.ts');
    return (await decodeNifti(bytes, path, options.axis === undefined ? {} : { axis: options.axis })).map((f) => compactFrame(shapeFloatFrame(f, options)));
  }
  const [h, w] = options.size ?? [0, 0];
  const codec = nativeCodec();
  if (codec) {
    let out;
    try {
      out = codec.decode(bytes, options.channels ?? 0, h, w);
    } catch (error) {
      throw undecodable(path, error);
    }
    if (out) {
      const data =
        out.depth === 16
          ? new Uint16Array(out.data.buffer, out.data.byteOffset, out.data.byteLength / 2)
          : new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
      const range: [number, number] = out.depth === 16 ? [0, 65535] : [0, 255];
      return [{ data, shape: [out.height, out.width, out.channels], range, meta: { format: out.format, bitDepth: out.depth, range }, moments: out.moments }];
    }
  }
  return [await decodeWithSharp(bytes, path, options)];
}

/** The error for a file no decoder can read: names the file and the fix. */
export function undecodable(path: string, error: unknown): MedpipeError {
  if (error instanceof MedpipeError) return error;
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return new MedpipeError('BAD_FILE', `${path} cannot be decoded as an image: ${reason}`, {
    file: path,
    fix: "Remove or replace the file, or set onBadFile: 'skip' on the ingest stage to skip unreadable files.",
    cause: error,
  });
}

/** TIFF, WebP, GIF, BMP (and PNG/JPEG without the addon): sharp decodes at full size, the resizing is medpipe's. */
async function decodeWithSharp(bytes: Uint8Array, path: string, options: DecodeOptions): Promise<RasterFrame> {
  try {
    const sharp = (await import('sharp')).default;
    const input = sharp(bytes, { failOn: 'error', limitInputPixels: 1e9 });
    const info = await input.metadata();
    const sixteen = info.depth === 'ushort' || info.depth === 'short';
    // Without an explicit colourspace sharp hands grey images back as 3-channel sRGB (and 16-bit grey
    // as 8-bit values in 16-bit samples): keep grey as grey and the file's bit depth.
    const grey = (info.channels ?? 1) - (info.hasAlpha ? 1 : 0) < 3;
    const { data, info: out } = await input
      .rotate()
      .toColourspace(grey ? (sixteen ? 'grey16' : 'b-w') : sixteen ? 'rgb16' : 'srgb')
      .raw({ depth: sixteen ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
    let samples: Uint8Array | Uint16Array = sixteen
      ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const stored = out.channels;
    const colour = stored >= 3;
    const keep = colour ? 3 : 1;
    if (keep !== stored) {
      // Drop alpha (grey+alpha or RGBA): keep the first `keep` samples of every pixel.
      const n = out.width * out.height;
      const dropped = new (samples.constructor as new (n: number) => Uint8Array | Uint16Array)(n * keep);
      for (let i = 0; i < n; i++) for (let k = 0; k < keep; k++) dropped[i * keep + k] = samples[i * stored + k]!;
      samples = dropped;
    }
    let shape: ImageShape = [out.height, out.width, keep];
    const channels = options.channels ?? keep;
    ({ data: samples, shape } = convertIntegerChannels(samples, shape, channels));
    if (options.size) {
      samples = resampleBilinear(samples, shape, options.size[0], options.size[1]);
      shape = [options.size[0], options.size[1], channels];
    }
    const range: [number, number] = sixteen ? [0, 65535] : [0, 255];
    return {
      data: samples,
      shape,
      range,
      meta: { format: SHARP_FORMATS[info.format ?? ''] ?? 'other', bitDepth: sixteen ? 16 : 8, photometric: info.space, range },
    };
  } catch (error) {
    throw undecodable(path, error);
  }
}

/** Channel conversion and resizing of a real-valued frame (DICOM, NIfTI), as medpipe always did them. */
export function shapeFloatFrame(frame: DecodedImage, options: DecodeOptions): DecodedImage {
  let { data, shape } = frame;
  if (options.channels && options.channels !== shape[2]) ({ data, shape } = convertChannels(data, shape, options.channels));
  if (options.size) {
    data = resizeBilinear(data, shape, options.size[0], options.size[1]);
    shape = [options.size[0], options.size[1], shape[2]];
  }
  return { data, shape, meta: frame.meta };
}

function rangeOf(data: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** The narrowest type that holds every value exactly: uint8, uint16, int16, else float32. */
export function narrowest(data: Float32Array): Samples {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v !== Math.trunc(v)) return data;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo >= 0 && hi <= 255) return Uint8Array.from(data);
  if (lo >= 0 && hi <= 65535) return Uint16Array.from(data);
  if (lo >= -32768 && hi <= 32767) return Int16Array.from(data);
  return data;
}

/** A real-valued frame (DICOM, NIfTI, arrays) in the narrowest exact type, with its value range. */
export function compactFrame(frame: DecodedImage): RasterFrame {
  const range = frame.meta.range ? ([frame.meta.range[0], frame.meta.range[1]] as [number, number]) : rangeOf(frame.data);
  return { data: narrowest(frame.data), shape: frame.shape, range, meta: frame.meta };
}

/** Samples as float32 (a view when they are float32 already). */
export function toFloat32(data: Samples): Float32Array {
  return data instanceof Float32Array ? data : Float32Array.from(data);
}
