/**
 * What real archives throw at the DICOM reader, one case per test, with values known by
 * construction: RT dose units, palettes and segmented LUTs, the Modality LUT Sequence, signed 32-bit
 * and float pixels, encapsulated fragments with unusual delimiters, frames found without a Basic
 * Offset Table, and codestreams whose precision and sign differ from the DICOM header. The same
 * fixtures are compared with pydicom and GDCM value for value in dicom-corpus.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeDicom, readDicom } from '../../../src/io/dicom.ts';
import { expandSegmented } from '../../../src/io/dicom-lut.ts';
import { concat as concatParts } from '../../helpers/dicom-writer.ts';
import { failure } from '../../helpers/expect-error.ts';
import { FIXTURES } from '../../helpers/paths.ts';

const concat = (...parts: Uint8Array[]): Uint8Array => concatParts(parts);

const require = createRequire(import.meta.url);
const FIX = path.join(FIXTURES, 'dicom');
const fixture = (name: string): string => path.join(FIX, name);
const edge = (name: string): string => path.join(FIX, 'edge', name);

const Edge = suite('DICOM edge cases');

Edge('RT Dose: values are doses, and meta says so (relative, or Gy)', async () => {
  const [relative] = await readDicom(fixture('rtdose.dcm'), { frames: 0 });
  assert.is(relative.meta.units, 'relative dose');
  assert.is(relative.meta.doseGridScaling, 1e-6);
  assert.is(relative.meta.doseType, 'PHYSICAL');
  assert.match(String(relative.meta.values), /dose/);
  assert.ok(Math.abs(relative.data[0] - 1.249) < 1e-6, `first dose ${relative.data[0]}`); // stored 1249000 × 1e-6
  const [gy] = await readDicom(edge('rtdose_gy.dcm'), { frames: 2 });
  assert.is(gy.meta.units, 'Gy');
  assert.equal(gy.meta.range, [0, (2 ** 32 - 1) * 1e-4]);
  const largest = gy.data.reduce((a, b) => Math.max(a, b), 0);
  assert.ok(Math.abs(largest - 4e5) < 1, `largest stored value 4e9 × 1e-4, got ${largest}`);
});

Edge('PALETTE COLOR → RGB through the LUTs; LE, BE and RLE give the same pixels', async () => {
  const [le] = await readDicom(edge('palette_le.dcm'));
  assert.equal([...le.shape], [48, 64, 3]);
  assert.equal(le.meta.range, [0, 65535]);
  assert.is(le.meta.bitDepth, 16);
  // make_edge_fixtures.py: index i → (i·257, (255 − i)·257, (3i mod 256)·256); pixel 0 has index 0.
  assert.equal(Array.from(le.data.slice(0, 3)), [0, 65535, 0]);
  for (const name of ['palette_be.dcm', 'palette_rle.dcm']) {
    const [other] = await readDicom(edge(name));
    assert.equal(Array.from(other.data), Array.from(le.data), name);
  }
});

Edge('segmented palettes: discrete, linear (rounded half to even) and indirect segments', () => {
  assert.equal(expandSegmented([0, 3, 10, 20, 30]), [10, 20, 30]);
  assert.equal(expandSegmented([0, 1, 0, 1, 4, 10]), [0, 2, 5, 8, 10]); // 2.5 → 2, 7.5 → 8
  // Indirect: copy the 2 segments at word offset 0 (discrete 5, linear to 9 over 2) after a linear segment.
  assert.equal(expandSegmented([0, 1, 5, 1, 2, 9, 2, 2, 0, 0]), [5, 7, 9, 5, 7, 9]);
  assert.throws(() => expandSegmented([1, 4, 100]), /starts with a linear segment/);
  assert.throws(() => expandSegmented([0, 1, 5, 7, 1, 0]), /unknown segment type 7/);
});

Edge('Modality LUT Sequence: entries by stored value (signed first-mapped), clamped, MONOCHROME1 inverted over the LUT range', async () => {
  const [image] = await readDicom(edge('mlut_signed_mono1.dcm'));
  const lutMin = 50;
  const lutMax = 1023 * 3 + 50;
  assert.equal(image.meta.range, [lutMin, lutMax]);
  assert.is(image.meta.inverted, true);
  assert.is(image.meta.units, 'HU');
  const stored = [-700, -512, 0, 511, 700];
  const expected = (s: number): number => lutMin + lutMax - (Math.min(1023, Math.max(0, s + 512)) * 3 + 50);
  const bytes = await readFile(edge('mlut_signed_mono1.dcm'));
  const ds = dicomParser.parseDicom(bytes);
  const pixels = new Int16Array(
    bytes.buffer.slice(bytes.byteOffset + ds.elements.x7fe00010.dataOffset, bytes.byteOffset + ds.elements.x7fe00010.dataOffset + 40 * 36 * 2),
  );
  for (const s of stored) {
    const i = pixels.indexOf(s);
    if (i >= 0) assert.is(image.data[i], expected(s), `stored ${s}`);
  }
  for (let i = 0; i < pixels.length; i++) assert.is(image.data[i], expected(pixels[i]), `pixel ${i}`);
});

Edge("BitsAllocated 32, signed: two's complement kept across the full range, then rescaled", async () => {
  const frames = await readDicom(edge('int32_signed.dcm'));
  assert.is(frames.length, 2);
  assert.equal(frames[0].meta.range, [-(2 ** 31) * 0.5 - 100, (2 ** 31 - 1) * 0.5 - 100]);
  let min = Infinity;
  let max = -Infinity;
  for (const v of frames[0].data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.is(min, Math.fround(-2e9 * 0.5 - 100));
  assert.is(max, Math.fround(2e9 * 0.5 - 100));
});

Edge("Float Pixel Data is read as stored; the range is the data's own", async () => {
  const [image] = await readDicom(edge('float32.dcm'));
  const bytes = await readFile(edge('float32.dcm'));
  const ds = dicomParser.parseDicom(bytes);
  const element = ds.elements.x7fe00008;
  const stored = new Float32Array(bytes.buffer.slice(bytes.byteOffset + element.dataOffset, bytes.byteOffset + element.dataOffset + element.length));
  assert.equal(Array.from(image.data), Array.from(stored));
  assert.equal(image.meta.range, [Math.min(...stored), Math.max(...stored)]);
});

Edge('odd-length pixel data: a 3×3 RGB image with its pad byte, without it, and followed by trailing padding', async () => {
  const bytes = new Uint8Array(await readFile(fixture('SC_rgb_small_odd.dcm')));
  const [padded] = await decodeDicom(bytes, 'padded.dcm');
  // pydicom's values (the corpus suite checks the whole file): first pixel, first of the second row, last.
  assert.equal(Array.from(padded.data.slice(0, 3)), [166, 141, 52]);
  assert.equal(Array.from(padded.data.slice(9, 12)), [63, 87, 176]);
  assert.equal(Array.from(padded.data.slice(24)), [158, 158, 158]);
  const ds = dicomParser.parseDicom(bytes);
  const at = ds.elements.x7fe00010.dataOffset;
  assert.is(ds.elements.x7fe00010.length, 28);
  // A non-conformant writer: length 27, no pad byte, then a Data Set Trailing Padding element.
  const unpadded = concat(
    bytes.slice(0, at - 4),
    new Uint8Array(u32(27)),
    bytes.slice(at, at + 27),
    new Uint8Array([...u16(0xfffc), ...u16(0xfffc), 0x4f, 0x42, 0, 0, ...u32(2), 0, 0]),
  );
  const [odd] = await decodeDicom(unpadded, 'unpadded.dcm');
  assert.equal(Array.from(odd.data), Array.from(padded.data));
  const short = concat(bytes.slice(0, at - 4), new Uint8Array(u32(26)), bytes.slice(at, at + 26));
  assert.match((await failure(() => decodeDicom(short, 'short.dcm'))).message, /truncated: Pixel Data holds 26 bytes/);
});

Edge('a data set written in Implicit VR under an Explicit VR JPEG transfer syntax is read as written, and meta says so', async () => {
  const [image] = await readDicom(fixture('SC_rgb_jpeg.dcm'));
  assert.equal([...image.shape], [256, 256, 3]);
  assert.match(String(image.meta.encodingNote), /Implicit VR although the transfer syntax says otherwise/);
  // A near-grey card averaging 244 in pydicom and GDCM (the corpus suite compares every value); read
  // as YCbCr, as libjpeg would without the RGB marker medpipe adds, its red channel comes out near 255.
  const mean = image.data.reduce((a, b) => a + b, 0) / image.data.length;
  assert.ok(Math.abs(mean - 244) < 0.5, `mean ${mean}`);
});

// ---------------------------------------------------------------- encapsulated pixel data surgery

interface Source {
  readonly head: Uint8Array; // everything before the top-level Pixel Data element
  readonly codestream: Uint8Array;
}

async function jpegLsSource(): Promise<Source> {
  const bytes = new Uint8Array(await readFile(fixture('MR_small_jpeg_ls_lossless.dcm')));
  const ds = dicomParser.parseDicom(bytes);
  const pixel = ds.elements.x7fe00010;
  const codestream = dicomParser.readEncapsulatedPixelDataFromFragments(ds, pixel, 0, pixel.fragments!.length) as Uint8Array;
  return { head: bytes.slice(0, pixel.dataOffset - 12), codestream: new Uint8Array(codestream) };
}

function u16(v: number): number[] {
  return [v & 0xff, v >> 8];
}
function u32(v: number): number[] {
  return [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
}
function item(element: number, body: Uint8Array | number[] = [], length = body.length): number[] {
  return [...u16(0xfffe), ...u16(element), ...u32(length), ...body];
}

type Ending = 'sequence' | 'item-delimiter' | 'sequence-with-length' | 'padding' | 'none';

function encapsulated(fragments: readonly Uint8Array[], ending: Ending, table: readonly number[] = []): Uint8Array {
  const bytes = [...u16(0x7fe0), ...u16(0x0010), 0x4f, 0x42, 0, 0, ...u32(0xffffffff), ...item(0xe000, table.flatMap(u32))];
  for (const f of fragments) bytes.push(...item(0xe000, Array.from(f)));
  if (ending === 'sequence') bytes.push(...item(0xe0dd));
  if (ending === 'item-delimiter') bytes.push(...item(0xe00d));
  if (ending === 'sequence-with-length') bytes.push(...item(0xe0dd, [], 4)); // a length field that is not 0, and no content
  if (ending === 'padding') bytes.push(...u16(0xfffc), ...u16(0xfffc), 0x4f, 0x42, 0, 0, ...u32(4), 0, 0, 0, 0);
  return new Uint8Array(bytes);
}

/** Inserts (0028,0008) Number of Frames before (0028,0010) Rows in an Explicit VR LE data set. */
function withFrames(head: Uint8Array, frames: number): Uint8Array {
  const rows = Buffer.from(head).indexOf(Buffer.from([0x28, 0x00, 0x10, 0x00, 0x55, 0x53]), 132);
  const value = `${frames}`.padEnd(2, ' ');
  const element = new Uint8Array([...u16(0x0028), ...u16(0x0008), 0x49, 0x53, ...u16(value.length), ...Buffer.from(value)]);
  return concat(head.subarray(0, rows), element, head.subarray(rows));
}

Edge('fragments: the sequence may end in an Item Delimiter, a delimiter with a length, or trailing padding', async () => {
  const { head, codestream } = await jpegLsSource();
  const [reference] = await readDicom(fixture('MR_small_jpeg_ls_lossless.dcm'));
  for (const ending of ['sequence', 'item-delimiter', 'sequence-with-length', 'padding'] as const) {
    const [image] = await decodeDicom(concat(head, encapsulated([codestream], ending)), `${ending}.dcm`);
    assert.equal(Array.from(image.data), Array.from(reference.data), ending);
  }
});

Edge('fragments: a frame split over several items reads the same; delimiter bytes inside a fragment are data', async () => {
  const { head, codestream } = await jpegLsSource();
  const [reference] = await readDicom(fixture('MR_small_jpeg_ls_lossless.dcm'));
  const cut = [0, 1000, 1001, 3000, codestream.length];
  const parts = cut.slice(1).map((end, i) => codestream.slice(cut[i], end));
  const [split] = await decodeDicom(concat(head, encapsulated(parts, 'sequence')), 'split.dcm');
  assert.equal(Array.from(split.data), Array.from(reference.data));
  // A fragment holding FFFE,E0DD bytes after its codestream (as in pydicom's JPEG2000-embedded-sequence-delimiter.dcm).
  const tail = new Uint8Array([...codestream, ...item(0xe0dd)]);
  const [embedded] = await decodeDicom(concat(head, encapsulated([tail], 'sequence')), 'embedded.dcm');
  assert.equal(Array.from(embedded.data), Array.from(reference.data));
});

Edge('fragments: cut short, undefined-length, or a foreign tag where an item should be → BAD_FILE naming the file', async () => {
  const { head, codestream } = await jpegLsSource();
  const whole = concat(head, encapsulated([codestream], 'sequence'));
  const cases: [string, Uint8Array, RegExp][] = [
    ['no-delimiter.dcm', concat(head, encapsulated([codestream], 'none')), /without a Sequence Delimitation Item/],
    ['cut-in-fragment.dcm', whole.subarray(0, whole.length - 100), /runs past the end of the file/],
    ['cut-in-header.dcm', whole.subarray(0, head.length + 12 + 8 + 4), /cut short|past the end/],
    ['undefined-fragment.dcm', concat(head, encapsulated([], 'none'), new Uint8Array(item(0xe000, [], 0xffffffff))), /undefined length/],
    ['foreign-tag.dcm', concat(head, encapsulated([], 'none'), new Uint8Array([...u16(0x0008), ...u16(0x0060), ...u32(0)])), /where a fragment item should be/],
    ['no-eoi.dcm', concat(head, encapsulated([codestream.slice(0, -2)], 'sequence')), /no end marker/],
  ];
  for (const [name, bytes, pattern] of cases) {
    const err = await failure(() => decodeDicom(bytes, name));
    assert.is(err.code, 'BAD_FILE', name);
    assert.is(err.file, name);
    assert.match(err.message, pattern, `${name}: ${err.message}`);
  }
});

Edge('multi-frame without a Basic Offset Table: frames found by their start markers, or by the table when there is one', async () => {
  const { head, codestream } = await jpegLsSource();
  const [reference] = await readDicom(fixture('MR_small_jpeg_ls_lossless.dcm'));
  const halves = [codestream.slice(0, 2000), codestream.slice(2000)];
  const twoFrames = withFrames(head, 2);
  const noTable = await decodeDicom(concat(twoFrames, encapsulated([...halves, ...halves], 'sequence')), 'no-table.dcm');
  assert.is(noTable.length, 2);
  for (const frame of noTable) assert.equal(Array.from(frame.data), Array.from(reference.data));
  const second = 2 * 8 + halves[0].length + halves[1].length;
  const table = await decodeDicom(concat(twoFrames, encapsulated([...halves, ...halves], 'sequence', [0, second])), 'table.dcm', { frames: 1 });
  assert.equal(Array.from(table[0].data), Array.from(reference.data));
  const err = await failure(() => decodeDicom(concat(withFrames(head, 3), encapsulated([...halves, ...halves], 'sequence')), 'three.dcm'));
  assert.match(err.message, /3 frames in 4 fragments/);
});

// ------------------------------------------------ codestream precision and sign vs the DICOM header

interface Encoder {
  getDecodedBuffer(info: { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean }): Uint8Array;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}

async function encode(kind: 'jls' | 'j2k', values: Uint16Array, bits: number): Promise<Uint8Array> {
  const factory = require(kind === 'jls' ? '@cornerstonejs/codec-charls/wasmjs' : '@cornerstonejs/codec-openjpeg/wasmjs') as (
    o: object,
  ) => Promise<Record<string, new () => Encoder>>;
  const module = await factory({ print: () => {}, printErr: () => {} });
  const encoder = new module[kind === 'jls' ? 'JpegLSEncoder' : 'J2KEncoder']();
  try {
    const input = encoder.getDecodedBuffer({ width: 64, height: 64, bitsPerSample: bits, componentCount: 1, isSigned: false });
    input.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    encoder.encode();
    return encoder.getEncodedBuffer().slice();
  } finally {
    encoder.delete();
  }
}

Edge('a 12-bit unsigned codestream in a signed 16-bit image carries its sign in bit 11 (JPEG-LS has no signed mode)', async () => {
  const { head } = await jpegLsSource(); // MR_small: 64×64, BitsStored 16, PixelRepresentation 1, no rescale
  const signed = Int16Array.from({ length: 64 * 64 }, (_, i) => ((i * 37) % 4096) - 2048);
  const patterns = Uint16Array.from(signed, (v) => v & 0xfff);
  for (const kind of ['jls', 'j2k'] as const) {
    const codestream = await encode(kind, patterns, 12);
    const syntax = kind === 'jls' ? '1.2.840.10008.1.2.4.80' : '1.2.840.10008.1.2.4.90';
    const file = Buffer.from(concat(head, encapsulated([codestream.length % 2 ? concat(codestream, new Uint8Array(1)) : codestream], 'sequence')));
    const labelled = kind === 'jls' ? file : Buffer.from(file.toString('latin1').replace('1.2.840.10008.1.2.4.80', syntax), 'latin1');
    const [image] = await decodeDicom(labelled, `${kind}.dcm`);
    assert.equal(Array.from(image.data), Array.from(signed), kind);
  }
});

Edge.run();
