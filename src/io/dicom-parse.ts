import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { ByteStream, DataSet, Element } from 'dicom-parser';
import { readFragments, type Fragments } from './dicom-fragments.ts';
import { ParseError } from './dicom-parse-error.ts';

/**
 * From file bytes to a data set, the way pydicom and DCMTK read real archives:
 * - with the 128-byte preamble and 'DICM', with a file meta group but no preamble, or as a bare
 *   data set (old writers);
 * - in the encoding the data set is really written in: a file whose meta says Explicit VR but whose
 *   data set is Implicit VR (or the reverse) is read as written, since the meta is only a label;
 * - Deflated Explicit VR Little Endian inflated with a size cap, so a damaged stream cannot exhaust memory;
 * - parsing stops at the top-level Pixel Data element, whose encapsulated fragments are read by
 *   dicom-fragments.ts (dicom-parser's own scan mistakes the Basic Offset Table for a sequence
 *   in Implicit VR files and accepts a fragment list that runs off the end of the file).
 * Errors are thrown as ParseError with a plain reason; dicom.ts turns them into MedpipeErrors.
 */
export interface ParsedDicom {
  readonly dataSet: DataSet;
  /** The transfer syntax the file declares, or the one its bare data set is written in. */
  readonly syntaxUid: string;
  /** Present when the data set is not encoded the way its transfer syntax says (read as written). */
  readonly encodingNote?: string;
  /** The fragments of encapsulated Pixel Data, when the Pixel Data is encapsulated. */
  readonly fragments?: Fragments;
}

export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';
export const DEFLATED_LE = '1.2.840.10008.1.2.1.99';

/** Inflated data sets larger than this are refused rather than risk running out of memory. */
export const MAX_INFLATED_BYTES = 1024 * 1024 * 1024;

/** dicom-parser's DataSet class; its type declarations describe only the interface. */
const DataSetClass = (dicomParser as unknown as { DataSet: new (parser: unknown, byteArray: Uint8Array, elements: Record<string, Element>) => DataSet }).DataSet;

/** How dicom-parser words a read past the end of its buffer: a cut-short file, or a damaged length. */
const RUNS_PAST_END = /overrun|past (the )?end|beyond|exceed|byteArray. length|eof|greater than or equal/i;

const VRS = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));

type Layout = 'part10' | 'meta-only' | 'bare';

/** How the file starts, or undefined when it is not DICOM at all. */
export function fileLayout(bytes: Uint8Array): Layout | undefined {
  if (bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d) return 'part10';
  if (bytes.length < 16) return undefined;
  const group = bytes[0] | (bytes[1] << 8);
  const element = bytes[2] | (bytes[3] << 8);
  if (group === 0x0002 && element <= 0x0010 && hasExplicitVr(bytes, 0)) return 'meta-only';
  if (group !== 0x0008 || element > 0x0020) return undefined;
  if (hasExplicitVr(bytes, 0)) return 'bare';
  const length = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16)) + bytes[7] * 2 ** 24;
  return length > 0 && length < 1024 && 8 + length < bytes.length ? 'bare' : undefined;
}

function hasExplicitVr(bytes: Uint8Array, at: number): boolean {
  return at + 6 <= bytes.length && VRS.has(String.fromCharCode(bytes[at + 4], bytes[at + 5]));
}

/** Parses `bytes`; `layout` from fileLayout. Every failure is a ParseError (dicom-parser throws bare strings). */
export function parseDicomBytes(bytes: Uint8Array, layout: Layout): ParsedDicom {
  try {
    return parseLayout(bytes, layout);
  } catch (error) {
    if (error instanceof ParseError) throw error;
    const text = parserText(error);
    throw new ParseError(text, RUNS_PAST_END.test(text));
  }
}

function parseLayout(bytes: Uint8Array, layout: Layout): ParsedDicom {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const meta = layout === 'bare' ? undefined : readMeta(buffer, layout === 'part10' ? 132 : 0);
  const declared = meta ? metaSyntax(meta.dataSet) : hasExplicitVr(buffer, 0) ? EXPLICIT_LE : IMPLICIT_LE;
  let byteArray: Buffer = buffer;
  let start = meta?.end ?? 0;
  if (declared === DEFLATED_LE) {
    byteArray = inflate(buffer, start);
    start = 0;
  }
  if (start >= byteArray.length) throw new ParseError('the file ends before its data set begins', true);
  const bigEndian = declared === EXPLICIT_BE;
  const explicit = hasExplicitVr(byteArray, start);
  const declaredExplicit = declared !== IMPLICIT_LE;
  const encodingNote =
    explicit === declaredExplicit ? undefined : `its data set is ${explicit ? 'Explicit' : 'Implicit'} VR although the transfer syntax says otherwise; read as written`;
  const parser = bigEndian ? dicomParser.bigEndianByteArrayParser : dicomParser.littleEndianByteArrayParser;
  const stream = new dicomParser.ByteStream(parser, byteArray, start) as ByteStream;
  const dataSet = new DataSetClass(parser, byteArray, {});
  dataSet.warnings = [];
  try {
    const options = { untilTag: 'x7fe00010' };
    if (explicit) dicomParser.parseDicomDataSetExplicit(dataSet, stream, byteArray.length, options);
    else dicomParser.parseDicomDataSetImplicit(dataSet, stream, byteArray.length, options);
  } catch (error) {
    throw new ParseError(parserText(error), RUNS_PAST_END.test(parserText(error)));
  }
  // Implicit VR parsing stops quietly when an element's length runs past the end; reading its value
  // later would then fail. A length past the end is a cut-short or damaged file, whatever the VR.
  for (const element of Object.values(dataSet.elements)) {
    if (element.length !== 0xffffffff && element.tag !== 'x7fe00010' && element.dataOffset + element.length > byteArray.length) {
      throw new ParseError(`element (${element.tag.slice(1, 5)},${element.tag.slice(5)}) runs past the end of the file`, true);
    }
  }
  for (const [tag, element] of Object.entries(meta?.dataSet.elements ?? {})) dataSet.elements[tag] = element;
  const pixelData = dataSet.elements.x7fe00010 as Element | undefined;
  let fragments: Fragments | undefined;
  if (pixelData && pixelData.length === 0xffffffff) {
    fragments = readFragments(byteArray, pixelData.dataOffset);
    Object.assign(pixelData, { encapsulatedPixelData: true, basicOffsetTable: fragments.offsets, fragments: fragments.items, length: fragments.end - pixelData.dataOffset });
  }
  if (pixelData) checkTrailingElements(parser, byteArray, pixelData.dataOffset + pixelData.length, explicit);
  return { dataSet, syntaxUid: meta ? declared : explicit ? EXPLICIT_LE : IMPLICIT_LE, ...(encodingNote && meta ? { encodingNote } : {}), ...(fragments ? { fragments } : {}) };
}

/**
 * Elements after Pixel Data (padding, signatures) are not needed, but a file cut short inside them
 * is still a cut-short file: they are walked by their lengths, and running past the end is an error.
 */
function checkTrailingElements(parser: unknown, byteArray: Buffer, from: number, explicit: boolean): void {
  if (from >= byteArray.length) {
    if (from > byteArray.length) throw new ParseError('the Pixel Data element runs past the end of the file', true);
    return;
  }
  const stream = new dicomParser.ByteStream(parser as never, byteArray, from) as ByteStream;
  const scratch = new DataSetClass(parser, byteArray, {});
  try {
    if (explicit) dicomParser.parseDicomDataSetExplicit(scratch, stream, byteArray.length);
    else dicomParser.parseDicomDataSetImplicit(scratch, stream, byteArray.length);
  } catch (error) {
    throw new ParseError(`the elements after its Pixel Data run past the end of the file (${parserText(error)})`, true);
  }
  if (stream.position > byteArray.length) throw new ParseError('the elements after its Pixel Data run past the end of the file', true);
}

function readMeta(buffer: Buffer, from: number): { dataSet: DataSet; end: number } {
  const stream = new dicomParser.ByteStream(dicomParser.littleEndianByteArrayParser, buffer, from) as ByteStream;
  const elements: Record<string, Element> = {};
  const warnings: string[] = [];
  try {
    while (stream.position + 8 <= buffer.length) {
      const position = stream.position;
      if ((buffer[position] | (buffer[position + 1] << 8)) !== 0x0002) break;
      const element = dicomParser.readDicomElementExplicit(stream, warnings) as Element & { parser?: unknown };
      element.parser = dicomParser.littleEndianByteArrayParser;
      elements[element.tag] = element;
    }
  } catch (error) {
    throw new ParseError(`its file meta information cannot be read (${parserText(error)})`, true);
  }
  if (stream.position > buffer.length) throw new ParseError('its file meta information runs past the end of the file', true);
  const dataSet = new DataSetClass(dicomParser.littleEndianByteArrayParser, buffer, elements);
  return { dataSet, end: stream.position };
}

function metaSyntax(meta: DataSet): string {
  const uid = (meta.string('x00020010') ?? '').replace(/\0/g, '').trim();
  return uid || IMPLICIT_LE;
}

function inflate(buffer: Buffer, from: number): Buffer {
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(buffer.subarray(from), { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (error) {
    const tooBig = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw new ParseError(tooBig ? `its deflated data set inflates to more than ${MAX_INFLATED_BYTES / 2 ** 30} GiB` : `its deflated data set cannot be inflated (${(error as Error).message})`, !tooBig);
  }
  return inflated;
}

/** dicom-parser throws strings or { exception, dataSet }; keep only the text (the data set holds patient attributes). */
export function parserText(error: unknown): string {
  const text = typeof error === 'string' ? error : error instanceof Error ? error.message : String((error as { exception?: unknown })?.exception ?? 'parse error');
  return text.replace(/^dicomParser[.:]\w+: /, '');
}
