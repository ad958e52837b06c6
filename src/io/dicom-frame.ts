import type { DataSet, Element } from 'dicom-parser';
import type { MedpipeError } from '../base/errors.ts';
import { decodeJpeg2000, decodeJpegBaseline, decodeJpegIjg, decodeJpegLs, type CodecFrame } from './dicom-codecs.ts';
import { j2kSizHeader, jpegFrameHeader, type CodestreamHeader } from './dicom-codestream.ts';
import { encapsulatedFrameBytes } from './dicom-frame-locate.ts';
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

export const REEXPORT = 'Copy or export the file again; it was cut short or written inconsistently.';

/** Decodes one frame to output values (see toValues for the arithmetic). */
export async function decodeDicomFrame(req: FrameRequest): Promise<Float32Array> {
  const { px, syntax, bad } = req;
  if (px.floatBits) return floatFrame(req);
  if (syntax.encoding === 'native') {
    if (req.pixelData.encapsulatedPixelData) throw bad(`declares ${syntax.name} but its Pixel Data is encapsulated (compressed).`, REEXPORT);
    return nativeFrame(req);
  }
  if (!req.pixelData.encapsulatedPixelData) throw bad(`declares ${syntax.name} but its Pixel Data is not encapsulated.`, REEXPORT);
  const encoded = encapsulatedFrameBytes(req);
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
  if (frame.samples.length < px.rows * px.cols * components) {
    throw bad(`frame ${req.frame}: the decoder returned ${frame.samples.length} samples for ${px.cols}×${px.rows}×${components}.`, TRANSCODE_FIX);
  }
  return toValues(frame.samples, frame.planar, frame.convertedToRgb, px, frame.coding);
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

/** Float (OF) and Double Float (OD) Pixel Data: IEEE values in the data set's byte order, taken as stored. */
function floatFrame(req: FrameRequest): Float32Array {
  const { px, dataSet, frame, frameCount, syntax, bad } = req;
  const element = dataSet.elements[px.floatBits === 32 ? 'x7fe00008' : 'x7fe00009'];
  const size = px.floatBits === 32 ? 4 : 8;
  const perFrame = px.rows * px.cols;
  const available = Math.min(element.length, dataSet.byteArray.length - element.dataOffset);
  if (available < perFrame * frameCount * size) {
    throw bad(`is truncated: its float Pixel Data holds ${available} bytes, but ${frameCount} frame(s) of ${px.rows}×${px.cols} need ${perFrame * frameCount * size}.`, REEXPORT);
  }
  const view = new DataView(dataSet.byteArray.buffer, dataSet.byteArray.byteOffset + element.dataOffset, available);
  const out = new Float32Array(perFrame);
  const start = frame * perFrame * size;
  let nonFinite = 0;
  for (let i = 0; i < perFrame; i++) {
    out[i] = size === 4 ? view.getFloat32(start + 4 * i, syntax.littleEndian) : view.getFloat64(start + 8 * i, syntax.littleEndian);
    if (!Number.isFinite(out[i])) nonFinite++;
  }
  // NaN or infinity is no pixel value a pipeline can use, and silently passing it on poisons every statistic.
  if (nonFinite) throw bad(`frame ${frame}: its float Pixel Data holds ${nonFinite} NaN or infinite value(s).`, 'Replace them with a number (e.g. 0) in the tool that wrote the file, or exclude the file.');
  return out;
}

/**
 * The codestream's own size must be the header's before a decoder allocates for it (a damaged
 * SIZ or SOF marker otherwise asks for gigabytes, or yields an image of the wrong shape).
 */
function checkCodestream(req: FrameRequest, encoded: Uint8Array): CodestreamHeader | undefined {
  const { px, syntax, bad, frame } = req;
  if (syntax.encoding === 'rle') return undefined;
  const header = syntax.encoding === 'jpeg2000' ? j2kSizHeader(encoded) : jpegFrameHeader(encoded);
  const kind = syntax.encoding === 'jpeg2000' ? 'SIZ' : 'SOF';
  if (!header) throw bad(`frame ${frame}: its ${syntax.name} data has no ${kind} marker; the codestream is damaged.`, REEXPORT);
  const height = header.height === 0 && syntax.encoding !== 'jpeg2000' ? px.rows : header.height; // JPEG may defer the height to a DNL marker
  if (header.width !== px.cols || height !== px.rows || header.components !== px.samplesPerPixel) {
    throw bad(
      `frame ${frame}: its ${syntax.name} codestream (${kind} marker) says ${header.width}×${header.height}×${header.components}, the DICOM header ${px.cols}×${px.rows}×${px.samplesPerPixel}; the codestream is damaged.`,
      REEXPORT,
    );
  }
  if (header.precision < 1 || header.precision > 16 || header.precision > px.bitsAllocated) {
    throw bad(`frame ${frame}: its ${syntax.name} codestream has ${header.precision}-bit samples, which do not fit BitsAllocated ${px.bitsAllocated}.`, REEXPORT);
  }
  return header;
}

async function runCodec(req: FrameRequest, encoded: Uint8Array): Promise<CodecFrame> {
  const { px, syntax } = req;
  const codestream = checkCodestream(req, encoded);
  const header = { rows: px.rows, cols: px.cols, components: px.samplesPerPixel, bitsAllocated: px.bitsAllocated, bitsStored: px.bitsStored, photometric: px.photometric };
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
      // libjpeg-turbo for 8-bit samples (colour conversion as DICOM wants it), DCMTK's 12-bit IJG above.
      if ((codestream?.precision ?? 8) > 8) return decodeJpegIjg(encoded, header);
      return decodeJpegBaseline(encoded, px.photometric);
    }
    case 'jpeg-lossless':
      return decodeJpegIjg(encoded, header);
    case 'jpeg-ls':
      return decodeJpegLs(encoded);
    case 'jpeg2000':
      return decodeJpeg2000(encoded);
    default:
      throw req.bad(`internal: no decoder for ${syntax.name}.`, TRANSCODE_FIX);
  }
}

function isMedpipeError(error: unknown): error is MedpipeError {
  return error instanceof Error && error.name === 'MedpipeError';
}

/** Codec errors are strings, numbers (WASM aborts) or Errors; none of them carry patient data. */
export function codecMessage(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/^(\w+::)+/, '');
  // WASM codecs throw C++ exceptions as bare pointers: nothing readable to pass on.
  if (typeof error === 'number') return 'the decoder rejected the data';
  if (typeof error === 'object' && error && 'exception' in error) return String((error as { exception: unknown }).exception);
  return String(error);
}
