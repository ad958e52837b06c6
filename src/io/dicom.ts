import { readFile } from 'node:fs/promises';
import dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import type { DecodedImage } from './types.ts';
import { MedpipeError } from '../base/errors.ts';
import { decodeDicomFrame } from './dicom-frame.ts';
import { baseMeta, NON_IMAGE, pixelModule } from './dicom-meta.ts';
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

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';

/**
 * True for a DICOM Part 10 file ('DICM' at byte 128). Files without the 128-byte preamble and
 * meta header (written by old or non-conformant tools) are accepted only when they clearly start
 * with a little-endian data set: the first element is (0008,xxxx) with xxxx ≤ 0x0020 (Specific
 * Character Set, Image Type, SOP Class/Instance UID…), encoded either with a valid explicit VR or
 * an implicit length that fits the file. Anything else, e.g. a PNG or a text file, is false.
 */
export function isDicom(bytes: Uint8Array): boolean {
  if (bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d) {
    return true;
  }
  return bareDataSetSyntax(bytes) !== undefined;
}

/** For a data set without preamble: the little-endian syntax it is written in, or undefined. */
function bareDataSetSyntax(bytes: Uint8Array): string | undefined {
  if (bytes.length < 16) return undefined;
  const group = bytes[0] | (bytes[1] << 8);
  const element = bytes[2] | (bytes[3] << 8);
  if (group !== 0x0008 || element > 0x0020) return undefined;
  const vr = String.fromCharCode(bytes[4], bytes[5]);
  if (/^(AE|AS|CS|DA|DS|DT|IS|LO|LT|PN|SH|ST|TM|UI|UL|US|OB|OW|SQ|UN|UT|UC|UR)$/.test(vr)) return EXPLICIT_LE;
  const length = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16)) + bytes[7] * 2 ** 24;
  return length > 0 && length < 1024 && 8 + length < bytes.length ? IMPLICIT_LE : undefined;
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
  const bad = (what: string, fix: string): MedpipeError => new MedpipeError('BAD_FILE', `${file}: ${what}`, { file, fix });
  const dataSet = parse(bytes, file);
  const syntaxUid = (dataSet.string('x00020010') ?? '').replace(/\0/g, '').trim();
  const syntax = TRANSFER_SYNTAXES[syntaxUid];
  if (!syntax) {
    const name = KNOWN_UNSUPPORTED[syntaxUid];
    throw bad(`transfer syntax ${syntaxUid || '(missing)'}${name ? ` (${name})` : ''} is not supported.`, TRANSCODE_FIX);
  }

  const pixelData = dataSet.elements.x7fe00010;
  if (!pixelData) {
    const modality = dataSet.string('x00080060');
    const hasFloat = dataSet.elements.x7fe00008 || dataSet.elements.x7fe00009;
    if (hasFloat) throw bad('holds Float/Double Float Pixel Data, which is not supported.', 'Convert it to integer Pixel Data, or to NIfTI (e.g. with dcm2niix).');
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
  const frameCount = Math.max(1, dataSet.intString('x00280008') ?? 1);
  const wanted = selectFrames(options.frames ?? 'all', frameCount, file);

  const meta = baseMeta(dataSet, px, syntaxUid, frameCount, options.salt ?? DEFAULT_GROUP_SALT);
  const channels = px.samplesPerPixel === 1 ? 1 : 3;
  const images: DecodedImage[] = [];
  for (const frame of wanted) {
    const data = await decodeDicomFrame({ dataSet, pixelData, px, syntax, syntaxUid, frame, frameCount, bad });
    images.push({ data, shape: [px.rows, px.cols, channels], meta: Object.freeze({ ...meta, frame }) });
  }
  return images;
}

function parse(bytes: Uint8Array, file: string): DataSet {
  // dicom-parser inflates deflated files with Buffer#copy, so hand it a Buffer.
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hasPreamble = buffer.length >= 132 && buffer.toString('latin1', 128, 132) === 'DICM';
  const bare = hasPreamble ? undefined : bareDataSetSyntax(buffer);
  if (!hasPreamble && !bare) {
    throw new MedpipeError('BAD_FILE', `${file}: is not a DICOM file (no 'DICM' marker at byte 128 and no recognisable data set).`, {
      file,
      fix: 'Check the file type; DICOM files start with a 128-byte preamble and "DICM".',
    });
  }
  try {
    return dicomParser.parseDicom(buffer, bare ? { TransferSyntaxUID: bare } : {});
  } catch (error) {
    // dicom-parser throws strings or { exception, dataSet }: keep only its text. The partial data set
    // holds patient attributes and must not travel inside `cause`.
    const text = typeof error === 'string' ? error : error instanceof Error ? error.message : String((error as { exception?: unknown }).exception ?? 'parse error');
    const truncated = /overrun|past (the )?end|beyond|exceed|cannot be greater than or equal to .byteArray. length/i.test(text);
    // An element running past the end is what a cut-short file looks like, but a damaged length or
    // item tag reads the same way, so the message names both.
    throw new MedpipeError('BAD_FILE', `${file}: ${truncated ? 'is truncated or damaged (a data element runs past the end of the file)' : 'could not be parsed as DICOM'}: ${text.replace(/^dicomParser[.:]\w+: /, '')}`, {
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
