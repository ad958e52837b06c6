import dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import type { MedpipeError } from '../base/errors.ts';
import { decodeJpeg2000, decodeJpegBaseline, decodeJpegLossless, decodeJpegLs, jpegPrecision, type CodecFrame } from './dicom-codecs.ts';
import { expandYbr422, toValues, unpackNative, type PixelModule } from './dicom-pixels.ts';
import { decodeRleFrame } from './dicom-rle.ts';
import { TRANSCODE_FIX, type TransferSyntax } from './dicom-syntax.ts';

export interface FrameRequest {
  readonly dataSet: DataSet;
  readonly pixelData: Element;
  readonly px: PixelModule;
  readonly syntax: TransferSyntax;
  readonly syntaxUid: string;
  readonly frame: number;
  readonly frameCount: number;
  readonly bad: (what: string, fix: string) => MedpipeError;
}

const REEXPORT = 'Copy or export the file again; it was cut short or written inconsistently.';

/** Decodes one frame to output values (see toValues for the arithmetic). */
export async function decodeDicomFrame(req: FrameRequest): Promise<Float32Array> {
  const { px, syntax, bad } = req;
  if (syntax.encoding === 'native') {
    if (req.pixelData.encapsulatedPixelData) throw bad(`declares ${syntax.name} but its Pixel Data is encapsulated (compressed).`, REEXPORT);
    return nativeFrame(req);
  }
  if (!req.pixelData.encapsulatedPixelData) throw bad(`declares ${syntax.name} but its Pixel Data is not encapsulated.`, REEXPORT);
  const encoded = encapsulatedFrame(req);
  let frame: CodecFrame;
  try {
    frame = await runCodec(req, encoded);
  } catch (error) {
    if (isMedpipeError(error)) throw error;
    throw bad(`frame ${req.frame}: the ${syntax.name} data could not be decoded (${codecMessage(error)}).`, `The compressed data is damaged or unusual. ${TRANSCODE_FIX}`);
  }
  if (frame.width === 0 || frame.height === 0) {
    throw bad(`frame ${req.frame}: the ${syntax.name} data could not be decoded (the decoder returned no image).`, `The compressed data is damaged or unusual. ${TRANSCODE_FIX}`);
  }
  const components = px.samplesPerPixel;
  if (frame.width !== px.cols || frame.height !== px.rows || frame.components !== components) {
    throw bad(
      `frame ${req.frame}: decoded ${frame.width}×${frame.height}×${frame.components}, but the header says ${px.cols}×${px.rows}×${components}.`,
      REEXPORT,
    );
  }
  return toValues(frame.samples, frame.planar, frame.convertedToRgb, px);
}

function nativeFrame(req: FrameRequest): Float32Array {
  const { px, pixelData, dataSet, frame, frameCount, syntax, bad } = req;
  const ybr422 = px.samplesPerPixel === 3 && px.photometric === 'YBR_FULL_422';
  if (px.samplesPerPixel === 3 && px.photometric.startsWith('YBR_PARTIAL')) {
    throw bad(`stores uncompressed ${px.photometric} samples, which are not supported.`, TRANSCODE_FIX);
  }
  // YBR_FULL_422 stores two values per pixel (Y plus half a chroma pair) instead of three.
  const valuesPerFrame = ybr422 ? px.rows * px.cols * 2 : px.rows * px.cols * px.samplesPerPixel;
  const bitsPerFrame = valuesPerFrame * px.bitsAllocated;
  const needed = Math.ceil((bitsPerFrame * frameCount) / 8);
  const available = Math.min(pixelData.length, dataSet.byteArray.length - pixelData.dataOffset);
  if (available < needed) {
    throw bad(`is truncated: Pixel Data holds ${available} bytes, but ${frameCount} frame(s) of ${px.rows}×${px.cols}×${px.samplesPerPixel} at ${px.bitsAllocated} bits need ${needed}.`, REEXPORT);
  }
  const bytes = new Uint8Array(dataSet.byteArray.buffer, dataSet.byteArray.byteOffset + pixelData.dataOffset, available);
  const swapOw = !syntax.littleEndian && px.bitsAllocated === 8 && pixelData.vr === 'OW';
  let raw = unpackNative(bytes, frame * bitsPerFrame, valuesPerFrame, px.bitsAllocated, syntax.littleEndian, swapOw);
  if (ybr422) raw = expandYbr422(raw, px.rows, px.cols);
  const planar = px.samplesPerPixel === 3 && px.planarConfiguration === 1 && !ybr422;
  return toValues(raw, planar, false, px);
}

function encapsulatedFrame(req: FrameRequest): Uint8Array {
  const { dataSet, pixelData, frame, frameCount, syntax, bad } = req;
  const fragments = pixelData.fragments ?? [];
  if (fragments.length === 0) throw bad('has encapsulated Pixel Data with no fragments.', REEXPORT);
  const last = fragments[fragments.length - 1];
  if (last.position + last.length > dataSet.byteArray.length) {
    throw bad('is truncated: the last Pixel Data fragment runs past the end of the file.', REEXPORT);
  }
  try {
    if (frameCount === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, pixelData, 0, fragments.length);
    if ((pixelData.basicOffsetTable ?? []).length > 0) return dicomParser.readEncapsulatedImageFrame(dataSet, pixelData, frame);
    if (fragments.length === frameCount) return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, pixelData, frame, 1);
    if (syntax.encoding.startsWith('jpeg') && syntax.encoding !== 'jpeg2000' && syntax.encoding !== 'jpeg-ls') {
      // No offset table and several fragments per frame: find frame starts by their JPEG SOI markers.
      const table = dicomParser.createJPEGBasicOffsetTable(dataSet, pixelData);
      return dicomParser.readEncapsulatedImageFrame(dataSet, pixelData, frame, table);
    }
  } catch (error) {
    throw bad(`frame ${frame}: cannot locate its compressed data (${codecMessage(error)}).`, REEXPORT);
  }
  throw bad(`has ${frameCount} frames in ${fragments.length} fragments and no Basic Offset Table, so frame ${frame} cannot be located.`, TRANSCODE_FIX);
}

async function runCodec(req: FrameRequest, encoded: Uint8Array): Promise<CodecFrame> {
  const { px, syntax, syntaxUid, bad } = req;
  switch (syntax.encoding) {
    case 'rle':
      return {
        samples: decodeRleFrame(encoded, px.rows, px.cols, px.samplesPerPixel, px.bitsAllocated),
        width: px.cols,
        height: px.rows,
        components: px.samplesPerPixel,
        bitsPerSample: px.bitsAllocated,
        planar: true,
        convertedToRgb: false,
      };
    case 'jpeg-baseline': {
      const precision = jpegPrecision(encoded);
      if (precision !== undefined && precision > 8) {
        throw bad(
          `uses ${precision}-bit JPEG (${syntaxUid}, ${syntax.name}); only 8-bit lossy JPEG is supported, and 16-bit data is never squeezed through 8 bits.`,
          TRANSCODE_FIX,
        );
      }
      return decodeJpegBaseline(encoded, px.photometric);
    }
    case 'jpeg-lossless':
      if (px.samplesPerPixel === 3 && px.bitsAllocated > 8) throw bad('uses JPEG Lossless with 16-bit colour samples, which is not supported.', TRANSCODE_FIX);
      return decodeJpegLossless(encoded, px.bitsAllocated);
    case 'jpeg-ls':
      return decodeJpegLs(encoded);
    case 'jpeg2000':
      return decodeJpeg2000(encoded);
    default:
      throw bad(`internal: no decoder for ${syntax.name}.`, TRANSCODE_FIX);
  }
}

function isMedpipeError(error: unknown): error is MedpipeError {
  return error instanceof Error && error.name === 'MedpipeError';
}

/** Codec errors are strings, numbers (WASM aborts) or Errors; none of them carry patient data. */
function codecMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  // WASM codecs throw C++ exceptions as bare pointers: nothing readable to pass on.
  if (typeof error === 'number') return 'the decoder rejected the data';
  if (typeof error === 'object' && error && 'exception' in error) return String((error as { exception: unknown }).exception);
  return String(error);
}
