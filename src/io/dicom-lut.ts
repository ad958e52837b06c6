/**
 * Lookup tables of the Image Pixel and Modality LUT modules: the Modality LUT Sequence (PS3.3
 * C.11.1) and the Palette Color LUTs of PALETTE COLOR images (C.7.6.3.1.5-6), plain or segmented
 * (C.7.9.2). A LUT maps a stored value v to entry clamp(v − firstMapped, 0, entries − 1).
 */
import type { DataSet } from 'dicom-parser';

export interface Lut {
  readonly firstMapped: number;
  readonly entries: ArrayLike<number>;
  /** Bits per entry (8 or 16, as the data holds them): the output range is [0, 2^bits − 1]. */
  readonly bits: number;
  readonly min: number;
  readonly max: number;
}

export interface Palette {
  readonly red: Lut;
  readonly green: Lut;
  readonly blue: Lut;
}

export class LutError extends Error {}

export function lookup(lut: Lut, value: number): number {
  const i = value - lut.firstMapped;
  const n = lut.entries.length;
  return lut.entries[i <= 0 ? 0 : i >= n ? n - 1 : i];
}

/** The first item's LUT of a Modality LUT Sequence, or undefined when the file has none. */
export function modalityLut(dataSet: DataSet, signed: boolean): Lut | undefined {
  const sequence = dataSet.elements.x00283000;
  const item = sequence?.items?.[0]?.dataSet;
  if (!sequence) return undefined;
  if (!item || !item.elements.x00283002 || !item.elements.x00283006) throw new LutError('its Modality LUT Sequence has no LUT Descriptor or LUT Data');
  const [count, first, bits] = descriptor(item, 'x00283002', signed);
  const entries = words(item, 'x00283006', count, bits);
  return finish(first, entries, bits);
}

/** The three Palette Color LUTs of a PALETTE COLOR image (plain or segmented data). */
export function paletteLuts(dataSet: DataSet, signed: boolean): Palette {
  const read = (colour: 'Red' | 'Green' | 'Blue', descriptorTag: string, dataTag: string, segmentedTag: string): Lut => {
    if (!dataSet.elements[descriptorTag]) throw new LutError(`its ${colour} Palette Color Lookup Table Descriptor is missing`);
    const [count, first, bits] = descriptor(dataSet, descriptorTag, signed);
    if (dataSet.elements[dataTag]) return finish(first, paletteData(dataSet, dataTag, count), bits);
    if (dataSet.elements[segmentedTag]) {
      const segmented = words(dataSet, segmentedTag, Math.floor(dataSet.elements[segmentedTag].length / 2), 16);
      const entries = expandSegmented(segmented);
      if (entries.length !== count) throw new LutError(`its segmented ${colour} palette expands to ${entries.length} entries; the descriptor says ${count}`);
      return finish(first, entries, bits);
    }
    throw new LutError(`its ${colour} Palette Color Lookup Table Data is missing`);
  };
  const palette = {
    red: read('Red', 'x00281101', 'x00281201', 'x00281221'),
    green: read('Green', 'x00281102', 'x00281202', 'x00281222'),
    blue: read('Blue', 'x00281103', 'x00281203', 'x00281223'),
  };
  const bits = Math.max(palette.red.bits, palette.green.bits, palette.blue.bits);
  return { red: { ...palette.red, bits }, green: { ...palette.green, bits }, blue: { ...palette.blue, bits } };
}

/** [entries (0 means 65536), first mapped value, bits per entry]; the first mapped value has the pixels' sign. */
function descriptor(dataSet: DataSet, tag: string, signed: boolean): [number, number, number] {
  const element = dataSet.elements[tag];
  if (element.length < 6) throw new LutError(`its LUT Descriptor (${tag.slice(1, 5)},${tag.slice(5)}) has ${element.length} bytes; it needs three values`);
  const count = dataSet.uint16(tag, 0) || 65536;
  const raw = dataSet.uint16(tag, 1) ?? 0;
  const first = signed || element.vr === 'SS' ? (raw >= 32768 ? raw - 65536 : raw) : raw;
  const bits = dataSet.uint16(tag, 2) ?? 16;
  if (bits < 1 || bits > 16) throw new LutError(`its LUT Descriptor gives ${bits} bits per entry; 1 to 16 are allowed`);
  return [count, first, bits];
}

function words(dataSet: DataSet, tag: string, count: number, bits: number): Uint16Array {
  const element = dataSet.elements[tag];
  if (element.length < 2 * count || element.dataOffset + 2 * count > dataSet.byteArray.length) {
    throw new LutError(`its LUT data (${tag.slice(1, 5)},${tag.slice(5)}) holds ${Math.floor(element.length / 2)} entries; the descriptor says ${count}`);
  }
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = dataSet.uint16(tag, i) ?? 0;
  void bits;
  return out;
}

/** Palette data holds one byte per entry or one 16-bit word per entry (pydicom and GDCM read both). */
function paletteData(dataSet: DataSet, tag: string, count: number): Uint8Array | Uint16Array {
  const element = dataSet.elements[tag];
  if (element.length === count && element.dataOffset + count <= dataSet.byteArray.length) {
    return dataSet.byteArray.slice(element.dataOffset, element.dataOffset + count);
  }
  return words(dataSet, tag, count, 16);
}

function finish(firstMapped: number, entries: ArrayLike<number>, descriptorBits: number): Lut {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < entries.length; i++) {
    if (entries[i] < min) min = entries[i];
    if (entries[i] > max) max = entries[i];
  }
  // Some writers declare 8 bits and store 16-bit entries; the data decides.
  const bits = max > 255 ? 16 : entries instanceof Uint8Array ? 8 : Math.max(descriptorBits, 8);
  return { firstMapped, entries, bits, min, max };
}

/**
 * PS3.3 C.7.9.2: segments of type 0 (discrete: n values), 1 (linear: n values ramping from the
 * previous entry to y1) and 2 (indirect: copy n segments starting at an offset). Linear values are
 * rounded half to even, as pydicom's numpy.around does; the offset of an indirect segment counts
 * 16-bit words, least significant word first, as pydicom reads it.
 */
export function expandSegmented(data: ArrayLike<number>, maxSegments = Infinity, previous?: number, depth = 0): number[] {
  if (depth > 8) throw new LutError('its segmented palette nests indirect segments too deeply');
  const out: number[] = [];
  let at = 0;
  let segments = 0;
  while (at + 1 < data.length && segments < maxSegments) {
    const opcode = data[at];
    const length = data[at + 1];
    at += 2;
    if (opcode === 0) {
      if (at + length > data.length) throw new LutError('its segmented palette has a discrete segment running past its data');
      for (let i = 0; i < length; i++) out.push(data[at + i]);
      at += length;
    } else if (opcode === 1) {
      const y0 = out.length ? out[out.length - 1] : previous;
      if (y0 === undefined) throw new LutError('its segmented palette starts with a linear segment');
      const y1 = data[at++];
      for (let i = 1; i <= length; i++) out.push(roundHalfEven(y0 + ((y1 - y0) * i) / length));
    } else if (opcode === 2) {
      if (!out.length) throw new LutError('its segmented palette starts with an indirect segment');
      const offset = data[at] | (data[at + 1] << 16);
      at += 2;
      if (offset >= data.length) throw new LutError('its segmented palette has an indirect segment pointing past its data');
      const copied = expandSegmented(Array.prototype.slice.call(data, offset), length, out[out.length - 1], depth + 1);
      for (const v of copied) out.push(v);
    } else {
      throw new LutError(`its segmented palette has an unknown segment type ${opcode}`);
    }
    if (out.length > 65536) throw new LutError('its segmented palette expands past 65536 entries');
    segments++;
  }
  return out;
}

function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
