import { readFile } from 'node:fs/promises';
import type { DecodedImage } from './types.ts';
import { MedpipeError } from '../base/errors.ts';
import { decodeDicomFrame } from './dicom-frame.ts';
import { baseMeta, NON_IMAGE, pixelModule } from './dicom-meta.ts';
import { outputChannels } from './dicom-pixels.ts';
import { ParseError } from './dicom-parse-error.ts';
import { fileLayout, parseDicomBytes, type ParsedDicom } from './dicom-parse.ts';
import { KNOWN_UNSUPPORTED, TRANSCODE_FIX, TRANSFER_SYNTAXES } from './dicom-syntax.ts';
import { DEFAULT_GROUP_SALT } from './privacy.ts';

export interface DicomReadOptions {
  /** Which frames of a multi-frame file to return: all of them, or one 0-based index. @default 'all' */
  readonly frames?: 'all' | number;
  /**
   * Salt for the group keys (`meta.groupKeys`). Pass a per-project secret: with the public default,
   * short PatientIDs can be recovered by trying them all. @default DEFAULT_GROUP_SALT
   */
  readonly salt?: string;
}

/**
 * True for a DICOM Part 10 file ('DICM' at byte 128). Files without the 128-byte preamble (written
 * by old or non-conformant tools) are accepted only when they clearly start with a file meta group
 * (0002,xxxx) in Explicit VR, or with a little-endian data set: the first element is (0008,xxxx)
 * with xxxx ≤ 0x0020 (Specific Character Set, Image Type, SOP Class/Instance UID…), encoded either
 * with a valid explicit VR or an implicit length that fits the file. Anything else, e.g. a PNG or a
 * text file, is false.
 */
export function isDicom(bytes: Uint8Array): boolean {
  return fileLayout(bytes) !== undefined;
}

/**
 * Reads a DICOM file into one image per frame: Float32Array, channels-last [rows, cols, 1 or 3],
 * values as the Modality LUT defines them (Hounsfield units for CT), MONOCHROME1 inverted so that
 * higher is brighter, colour as RGB. Patient names and IDs are never returned, only salted hashes.
 * @example
 *   const [ct] = await readDicom('scan.dcm');
 *   ct.meta.window // { center: 40, width: 400 } when the file has one
 */
export async function readDicom(path: string, options: DicomReadOptions = {}): Promise<DecodedImage[]> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MedpipeError(code === 'ENOENT' ? 'DATA_NOT_FOUND' : 'BAD_FILE', `${path}: cannot read the file (${code ?? 'error'}).`, {
      file: path,
      fix: code === 'ENOENT' ? 'Check the path.' : 'Check that the file is readable.',
    });
  }
  return decodeDicom(bytes, path, options);
}

/** Same as readDicom for bytes already in memory; `file` is only used in errors and must be a path, not file content. */
export async function decodeDicom(bytes: Uint8Array, file: string, options: DicomReadOptions = {}): Promise<DecodedImage[]> {
  try {
    return await decodeChecked(bytes, file, options);
  } catch (error) {
    // dicom-parser reports a value read past the end of its buffer as a bare string; anything else
    // that is not a MedpipeError is a bug and stays what it is.
    if (typeof error !== 'string') throw error;
    throw new MedpipeError('BAD_FILE', `${file}: is damaged: ${error.replace(/^dicomParser[.:]\w+: /, '')}.`, {
      file,
      fix: 'Check that the file is DICOM and not damaged (e.g. `dcmdump file`), or set onBadFile: \'skip\'.',
    });
  }
}

async function decodeChecked(bytes: Uint8Array, file: string, options: DicomReadOptions): Promise<DecodedImage[]> {
  const bad = (what: string, fix: string): MedpipeError => new MedpipeError('BAD_FILE', `${file}: ${what}`, { file, fix });
  const { dataSet, syntaxUid, encodingNote } = parse(bytes, file);
  const syntax = TRANSFER_SYNTAXES[syntaxUid];
  if (!syntax) {
    const name = KNOWN_UNSUPPORTED[syntaxUid];
    throw bad(`transfer syntax ${syntaxUid || '(missing)'}${name ? ` (${name})` : ''} is not supported.`, TRANSCODE_FIX);
  }

  const pixelData = dataSet.elements.x7fe00010 ?? dataSet.elements.x7fe00008 ?? dataSet.elements.x7fe00009;
  if (!pixelData) {
    const modality = dataSet.string('x00080060');
    const kind = modality ? NON_IMAGE[modality.trim()] : undefined;
    throw bad(
      `has no Pixel Data (7FE0,0010)${kind ? `: it is ${kind}, not an image` : modality ? ` although its Modality is ${modality.trim()}` : ''}.`,
      "Keep only image objects in the image folders (move SR, RTSTRUCT, RTPLAN, … elsewhere), or set onBadFile: 'skip'.",
    );
  }
  if (pixelData.dataOffset + (pixelData.encapsulatedPixelData ? 0 : pixelData.length) > dataSet.byteArray.length) {
    throw bad('is truncated: the Pixel Data element runs past the end of the file.', 'Copy or export the file again; it was cut short.');
  }

  const px = pixelModule(dataSet, bad);
  const frameCount = numberOfFrames(dataSet.string('x00280008'), bad);
  const wanted = selectFrames(options.frames ?? 'all', frameCount, file);
  const channels = outputChannels(px);
  if (px.rows * px.cols * channels > MAX_FRAME_VALUES) {
    throw bad(`has frames of ${px.rows}×${px.cols}×${channels} values; medpipe reads frames of at most ${MAX_FRAME_VALUES} values (1 GiB as float32).`, 'Check Rows and Columns; crop or downsample the image with a DICOM toolkit first.');
  }

  let meta = baseMeta(dataSet, px, syntaxUid, frameCount, options.salt ?? DEFAULT_GROUP_SALT);
  if (encodingNote) meta = { ...meta, encodingNote };
  const frames: Float32Array[] = [];
  for (const frame of wanted) frames.push(await decodeDicomFrame({ dataSet, pixelData, px, syntax, syntaxUid, frame, frameCount, bad }));
  // Float Pixel Data has no representable range; the values' own extremes stand in for it.
  if (px.floatBits) meta = { ...meta, range: dataRange(frames) };
  return frames.map((data, i) => ({ data, shape: [px.rows, px.cols, channels], meta: Object.freeze({ ...meta, frame: wanted[i] }) }));
}

/** Number of Frames (IS): absent or empty means 1; anything but a whole number is a damaged header. */
function numberOfFrames(text: string | undefined, bad: (what: string, fix: string) => MedpipeError): number {
  const trimmed = text?.replace(/\0/g, '').trim() ?? '';
  if (trimmed === '') return 1;
  const n = Number(trimmed);
  if (!Number.isInteger(n) || n < 0) throw bad(`has Number of Frames "${trimmed.slice(0, 16)}", which is not a whole number.`, 'The image header is damaged; re-export the file from its source.');
  return Math.max(1, n);
}

/** Frames larger than this many values are refused before anything is allocated. */
const MAX_FRAME_VALUES = 2 ** 28;

function dataRange(frames: readonly Float32Array[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const data of frames) {
    for (const v of data) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 0];
}

function parse(bytes: Uint8Array, file: string): ParsedDicom {
  const layout = fileLayout(bytes);
  if (!layout) {
    throw new MedpipeError('BAD_FILE', `${file}: is not a DICOM file (no 'DICM' marker at byte 128 and no recognisable data set).`, {
      file,
      fix: 'Check the file type; DICOM files start with a 128-byte preamble and "DICM".',
    });
  }
  try {
    return parseDicomBytes(bytes, layout);
  } catch (error) {
    if (!(error instanceof ParseError) && !(error instanceof RangeError)) throw error;
    // An element running past the end is what a cut-short file looks like, but a damaged length or
    // item tag reads the same way, so the message names both. RangeError: a DataView read past the
    // end, or a nesting of sequences too deep to follow.
    const truncated = error instanceof ParseError ? error.truncated : true;
    const what = truncated ? `is truncated or damaged (${error.message})` : `could not be parsed as DICOM: ${error.message}`;
    throw new MedpipeError('BAD_FILE', `${file}: ${what}`, {
      file,
      fix: truncated ? 'Copy or export the file again; it was probably cut short.' : 'Check that the file is DICOM and not damaged (e.g. `dcmdump file`).',
    });
  }
}

function selectFrames(frames: 'all' | number, frameCount: number, file: string): number[] {
  if (frames === 'all') return Array.from({ length: frameCount }, (_, i) => i);
  if (!Number.isInteger(frames) || frames < 0 || frames >= frameCount) {
    throw new MedpipeError('INVALID_CONFIG', `${file}: frame ${frames} requested, but the file has ${frameCount} frame(s) (0-based).`, {
      file,
      fix: `Use frames: 'all' or an index from 0 to ${frameCount - 1}.`,
    });
  }
  return [frames];
}
