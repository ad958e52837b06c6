/**
 * A minimal DICOM Part 10 writer for tests (explicit VR little endian, native pixel data): enough to
 * make valid CT / CR / SR files with chosen patient identities, rescale and pixel representation.
 * It is checked against pydicom in tests/e2e/ct-pipeline.test.ts, so the files are real DICOM rather
 * than something only our own reader accepts.
 */

export type Vr = 'AE' | 'CS' | 'DA' | 'DS' | 'IS' | 'LO' | 'PN' | 'SH' | 'TM' | 'UI' | 'US' | 'UL' | 'OB' | 'OW';

export interface DicomElement {
  /** 0xGGGGEEEE */
  readonly tag: number;
  readonly vr: Vr;
  readonly value: string | number | readonly number[] | Uint8Array;
}

export const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';
export const SOP_CLASS = {
  ct: '1.2.840.10008.5.1.4.1.1.2',
  cr: '1.2.840.10008.5.1.4.1.1.1',
  basicTextSr: '1.2.840.10008.5.1.4.1.1.88.11',
  rtStructureSet: '1.2.840.10008.5.1.4.1.1.481.3',
} as const;

/** A valid UID under the UUID-derived root 2.25 (PS3.5 B.2), deterministic from the numbers given. */
export function uid(...parts: number[]): string {
  return `2.25.${parts.reduce((acc, p) => acc * 100003n + BigInt(p), 271828182845904523536n)}`;
}

const LONG_LENGTH_VRS = new Set<Vr>(['OB', 'OW']);

function valueBytes(element: DicomElement): Uint8Array {
  const { vr, value } = element;
  if (value instanceof Uint8Array) return value;
  if (vr === 'US' || vr === 'UL') {
    const values = typeof value === 'number' ? [value] : (value as readonly number[]);
    const size = vr === 'US' ? 2 : 4;
    const out = new Uint8Array(values.length * size);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => (size === 2 ? view.setUint16(i * 2, v, true) : view.setUint32(i * 4, v, true)));
    return out;
  }
  const text = Array.isArray(value) ? value.join('\\') : String(value);
  return new TextEncoder().encode(text);
}

function encodeElement(element: DicomElement): Uint8Array {
  let bytes = valueBytes(element);
  if (bytes.length % 2 === 1) {
    // Even length is mandatory; UI and binary values pad with NUL, text with a space (PS3.5 6.2).
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes);
    padded[bytes.length] = element.vr === 'UI' || element.vr === 'OB' ? 0 : 0x20;
    bytes = padded;
  }
  const long = LONG_LENGTH_VRS.has(element.vr);
  const header = new Uint8Array(long ? 12 : 8);
  const view = new DataView(header.buffer);
  view.setUint16(0, element.tag >>> 16, true);
  view.setUint16(2, element.tag & 0xffff, true);
  header[4] = element.vr.charCodeAt(0);
  header[5] = element.vr.charCodeAt(1);
  if (long) view.setUint32(8, bytes.length, true);
  else view.setUint16(6, bytes.length, true);
  return concat([header, bytes]);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A Part 10 file: preamble, 'DICM', file meta group (with its group length), then the data set sorted by tag. */
export function writeDicom(dataSet: readonly DicomElement[]): Uint8Array {
  const sopClass = dataSet.find((e) => e.tag === 0x00080016)?.value as string;
  const sopInstance = dataSet.find((e) => e.tag === 0x00080018)?.value as string;
  if (!sopClass || !sopInstance) throw new Error('writeDicom needs SOPClassUID (0008,0016) and SOPInstanceUID (0008,0018)');
  const meta = concat([
    encodeElement({ tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) }),
    encodeElement({ tag: 0x00020002, vr: 'UI', value: sopClass }),
    encodeElement({ tag: 0x00020003, vr: 'UI', value: sopInstance }),
    encodeElement({ tag: 0x00020010, vr: 'UI', value: EXPLICIT_VR_LE }),
    encodeElement({ tag: 0x00020012, vr: 'UI', value: uid(1) }),
  ]);
  const sorted = [...dataSet].sort((a, b) => a.tag - b.tag);
  return concat([
    new Uint8Array(128),
    new TextEncoder().encode('DICM'),
    encodeElement({ tag: 0x00020000, vr: 'UL', value: meta.length }),
    meta,
    ...sorted.map(encodeElement),
  ]);
}

export interface GreyImageSpec {
  readonly sopClass: string;
  readonly modality: string;
  readonly patientName: string;
  readonly patientId: string;
  /** Distinguishes studies / series / instances in the UIDs. */
  readonly ids: { readonly study: number; readonly series: number; readonly instance: number };
  readonly rows: number;
  readonly cols: number;
  /** Stored values (before rescale), row-major. */
  readonly stored: ArrayLike<number>;
  /** @default true */
  readonly signed?: boolean;
  /** @default 16 */
  readonly bitsStored?: number;
  /** @default 'MONOCHROME2' */
  readonly photometric?: 'MONOCHROME1' | 'MONOCHROME2';
  readonly slope?: number;
  readonly intercept?: number;
  readonly window?: { readonly center: number; readonly width: number };
}

/** A single-frame 16-bit grey image (CT, CR, ...). */
export function greyImage(spec: GreyImageSpec): Uint8Array {
  const signed = spec.signed ?? true;
  const bitsStored = spec.bitsStored ?? 16;
  const pixels = new Uint8Array(spec.rows * spec.cols * 2);
  const view = new DataView(pixels.buffer);
  for (let i = 0; i < spec.rows * spec.cols; i++) {
    const v = spec.stored[i]!;
    const lo = signed ? -(2 ** (bitsStored - 1)) : 0;
    const hi = signed ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`stored value ${v} does not fit ${bitsStored} ${signed ? 'signed' : 'unsigned'} bits`);
    if (signed) view.setInt16(i * 2, v, true);
    else view.setUint16(i * 2, v, true);
  }
  const { study, series, instance } = spec.ids;
  const elements: DicomElement[] = [
    { tag: 0x00080016, vr: 'UI', value: spec.sopClass },
    { tag: 0x00080018, vr: 'UI', value: uid(study, series, instance) },
    { tag: 0x00080060, vr: 'CS', value: spec.modality },
    { tag: 0x00100010, vr: 'PN', value: spec.patientName },
    { tag: 0x00100020, vr: 'LO', value: spec.patientId },
    { tag: 0x0020000d, vr: 'UI', value: uid(study) },
    { tag: 0x0020000e, vr: 'UI', value: uid(study, series) },
    { tag: 0x00200013, vr: 'IS', value: instance },
    { tag: 0x00280002, vr: 'US', value: 1 },
    { tag: 0x00280004, vr: 'CS', value: spec.photometric ?? 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: spec.rows },
    { tag: 0x00280011, vr: 'US', value: spec.cols },
    { tag: 0x00280100, vr: 'US', value: 16 },
    { tag: 0x00280101, vr: 'US', value: bitsStored },
    { tag: 0x00280102, vr: 'US', value: bitsStored - 1 },
    { tag: 0x00280103, vr: 'US', value: signed ? 1 : 0 },
    { tag: 0x7fe00010, vr: 'OW', value: pixels },
  ];
  if (spec.slope !== undefined || spec.intercept !== undefined) {
    elements.push(
      { tag: 0x00281052, vr: 'DS', value: String(spec.intercept ?? 0) },
      { tag: 0x00281053, vr: 'DS', value: String(spec.slope ?? 1) },
    );
    if (spec.modality === 'CT') elements.push({ tag: 0x00281054, vr: 'LO', value: 'HU' });
  }
  if (spec.window) {
    elements.push({ tag: 0x00281050, vr: 'DS', value: String(spec.window.center) }, { tag: 0x00281051, vr: 'DS', value: String(spec.window.width) });
  }
  return writeDicom(elements);
}

/** A DICOM object without pixels (SR, RTSTRUCT): valid, but nothing to train on. */
export function nonImage(spec: { sopClass: string; modality: string; patientName: string; patientId: string; ids: { study: number; instance: number } }): Uint8Array {
  return writeDicom([
    { tag: 0x00080016, vr: 'UI', value: spec.sopClass },
    { tag: 0x00080018, vr: 'UI', value: uid(spec.ids.study, 99, spec.ids.instance) },
    { tag: 0x00080060, vr: 'CS', value: spec.modality },
    { tag: 0x00100010, vr: 'PN', value: spec.patientName },
    { tag: 0x00100020, vr: 'LO', value: spec.patientId },
    { tag: 0x0020000d, vr: 'UI', value: uid(spec.ids.study) },
    { tag: 0x0020000e, vr: 'UI', value: uid(spec.ids.study, 99) },
  ]);
}

/**
 * Stored values of a native (uncompressed) explicit-VR-LE 16-bit grey file, read straight from the
 * bytes of its Pixel Data element, masked to BitsStored: an independent view of what the file holds,
 * for tests that check what our reader makes of it.
 */
export function nativeStoredValues(bytes: Uint8Array, bitsStored: number): Uint16Array {
  const marker = [0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57]; // (7FE0,0010) OW
  let at = -1;
  for (let i = bytes.length - marker.length; i >= 132 && at < 0; i--) {
    if (marker.every((b, k) => bytes[i + k] === b)) at = i;
  }
  if (at < 0) throw new Error('no native OW Pixel Data element found');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(at + 8, true);
  const out = new Uint16Array(length / 2);
  const mask = 2 ** bitsStored - 1;
  for (let i = 0; i < out.length; i++) out[i] = view.getUint16(at + 12 + i * 2, true) & mask;
  return out;
}
