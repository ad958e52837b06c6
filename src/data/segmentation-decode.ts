/**
 * One segmentation image decoded as ingest.segmentation stores it and `medpipe predict` reads it:
 * resized bilinearly to `size` when given, grey, RGB or RGB's green channel. Shared so that predict
 * sees exactly the pixels the model was trained on.
 *
 * @example
 *   const image = await decodeSegmentationImage(await readFile(f), f, { size: [288, 288], channels: 'green' });
 */
import { MedpipeError } from '../base/errors.ts';
import { decodeBytes, type Samples } from '../io/decode-bytes.ts';

export interface SegmentationInput {
  readonly size?: readonly [number, number];
  readonly channels: 1 | 3 | 'green';
}

export interface DecodedSegmentationImage {
  readonly data: Samples;
  /** [height, width, channels] as stored (after resizing). */
  readonly shape: [number, number, number];
  readonly range: readonly [number, number];
  /** The file's own size. */
  readonly own: { readonly height: number; readonly width: number };
}

export async function decodeSegmentationImage(bytes: Uint8Array, file: string, input: SegmentationInput): Promise<DecodedSegmentationImage> {
  // sharp (libvips) loads when a segmentation image is decoded, not with the ports that name this module.
  const sharp = (await import('sharp')).default;
  const meta = await sharp(bytes)
    .metadata()
    .catch((error: unknown) => {
      throw new MedpipeError('BAD_FILE', `${file} cannot be decoded as an image: ${(error as Error).message}`, { file, fix: 'Remove or replace the file.', cause: error });
    });
  const own = { height: meta.height ?? 0, width: meta.width ?? 0 };
  const [frame] = await decodeBytes(bytes, file, { size: input.size ?? [own.height, own.width], channels: input.channels === 1 ? 1 : 3 });
  let data = frame!.data;
  let c = frame!.shape[2];
  if (input.channels === 'green') {
    const green = new (data.constructor as Uint8ArrayConstructor)(data.length / 3);
    for (let p = 0; p < green.length; p++) green[p] = data[p * 3 + 1]!;
    data = green;
    c = 1;
  }
  return { data, shape: [frame!.shape[0], frame!.shape[1], c], range: frame!.range, own };
}
