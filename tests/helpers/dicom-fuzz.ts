/**
 * The DICOM fuzzer behind tests/dicom-fuzz.test.ts, run as its own process so that a hang, a crash
 * of a WebAssembly codec or an out-of-memory is seen as such (the test kills it after a deadline
 * and reports the last case it started). Usage:
 *   node --import tsx tests/helpers/dicom-fuzz.ts <seed> <cases> <scratch dir>
 * Prints one line per case started ("> i"), then one JSON line with the summary.
 *
 * Every case mutates one of the seed files below and decodes it: random files and every 8th case are
 * written to the scratch folder and read with decodeFile (what readImage and ingest use, sniffing
 * included), the others go to decodeDicom in memory under the same file name (the same decoder
 * without the file system's latency). The outcome must be a MedpipeError naming the file, or images
 * that pass the oracle for that kind of damage:
 * - any damage: every frame has rows × cols × channels finite values inside meta.range;
 * - truncation, or bits flipped inside the value of an element that cannot change pixel values
 *   (a patient name, a date, a UID…): exactly the original values (a cut exactly between trailing
 *   elements leaves a valid, shorter file);
 * - bits flipped inside native (uncompressed) pixel data: the original values except at the flipped
 *   samples' pixels.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import type { DecodedImage } from '../../src/data/types.ts';
import { decodeDicom } from '../../src/io/dicom.ts';
import { decodeFile } from '../../src/io/read-image.ts';
import { MedpipeError } from '../../src/base/errors.ts';
import { prng } from './prng.ts';

const FIX = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'fixtures', 'dicom');

/** One of every encoding and pixel arrangement the reader handles, small enough for thousands of cases. */
export const FUZZ_SEEDS = [
  'CT_small.dcm', 'MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'MR_small_RLE.dcm', 'SC_rgb_rle_2frame.dcm',
  'CT_small_jpeg_lossless_sv1.dcm', 'MR_small_jpeg_ls_lossless.dcm', 'MR_small_jp2klossless.dcm', 'JPGExtended.dcm',
  'SC_rgb_jpeg_dcmtk.dcm', 'image_dfl.dcm', 'rtdose.dcm', 'liver_1frame.dcm', 'SC_ybr_full_422_uncompressed.dcm',
  'ExplVR_BigEnd.dcm', 'CR_monochrome1.dcm', 'edge/palette_rle.dcm', 'edge/palette_segmented.dcm',
  'edge/mlut_signed_mono1.dcm', 'edge/float32.dcm', 'edge/int32_signed.dcm',
];

type Kind = 'truncate' | 'flip-inert' | 'flip-native-pixels' | 'flip-any' | 'overwrite' | 'length-field' | 'insert' | 'random';

interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly frames: readonly DecodedImage[];
  /** [start, end) byte ranges whose content cannot change pixel values. */
  readonly inert: readonly [number, number][];
  /** Native pixel data: [start, end) and bytes per sample; undefined for compressed. */
  readonly pixels?: { readonly start: number; readonly end: number; readonly bytesPerSample: number };
  /** Offsets of top-level element length fields, and their size in bytes. */
  readonly lengths: readonly [number, 2 | 4][];
}

export interface FuzzSummary {
  readonly seed: number;
  readonly cases: number;
  readonly byKind: Record<string, { cases: number; refused: number; decoded: number }>;
  readonly slowest: { readonly case: number; readonly kind: string; readonly source: string; readonly ms: number };
  readonly totalMs: number;
  /** Resident set size at the end, MiB: a leak in a codec's heap shows here. */
  readonly rssMiB: number;
  readonly failures: readonly string[];
}

/** Groups and tags whose values take part in decoding: everything else is inert. */
function affectsPixels(tag: string): boolean {
  const group = tag.slice(1, 5);
  return ['0002', '0028', '3004', '7fe0'].includes(group) || tag === 'x00080060' || tag.startsWith('xfffe');
}

async function loadSeed(name: string): Promise<Seed> {
  const bytes = new Uint8Array(await readFile(path.join(FIX, name)));
  const frames = await decodeFile(path.join(FIX, name));
  const ds = dicomParser.parseDicom(Buffer.from(bytes));
  const syntax = ds.string('x00020010')?.replace(/\0/g, '').trim();
  const inert: [number, number][] = [];
  const lengths: [number, 2 | 4][] = [];
  // A deflated data set's offsets point into the inflated bytes, not the file: no targeted mutations.
  const deflated = syntax === '1.2.840.10008.1.2.1.99';
  for (const [tag, element] of deflated ? [] : Object.entries(ds.elements)) {
    const longForm = ['OB', 'OW', 'OF', 'OD', 'SQ', 'UN', 'UT', 'UC', 'UR', 'OL', 'OV', 'SV', 'UV'].includes(element.vr ?? '') || element.vr === undefined;
    const lengthAt = element.dataOffset - (longForm ? 4 : 2);
    if (lengthAt > 132) lengths.push([lengthAt, longForm ? 4 : 2]);
    if (!affectsPixels(tag) && element.vr !== 'SQ' && !element.items && element.length !== 0xffffffff && element.length > 0) {
      inert.push([element.dataOffset, element.dataOffset + element.length]);
    }
  }
  const pixel = ds.elements.x7fe00010;
  const native = pixel && !pixel.encapsulatedPixelData && ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2'].includes(syntax ?? '');
  const bitsAllocated = ds.uint16('x00280100') ?? 8;
  return {
    name,
    bytes,
    frames,
    inert,
    lengths,
    ...(native && bitsAllocated >= 8 ? { pixels: { start: pixel.dataOffset, end: pixel.dataOffset + pixel.length, bytesPerSample: bitsAllocated / 8 } } : {}),
  };
}

const KINDS: readonly [Kind, number][] = [
  ['truncate', 3], ['flip-inert', 2], ['flip-native-pixels', 1], ['flip-any', 4], ['overwrite', 2], ['length-field', 2], ['insert', 1], ['random', 1],
];

function pickKind(random: () => number): Kind {
  const total = KINDS.reduce((n, [, w]) => n + w, 0);
  let r = random() * total;
  for (const [kind, weight] of KINDS) {
    r -= weight;
    if (r < 0) return kind;
  }
  return 'flip-any';
}

interface Mutation {
  readonly kind: Kind;
  readonly bytes: Uint8Array;
  /** Byte offsets flipped (for the oracles that need them). */
  readonly flipped: readonly number[];
}

function mutate(seed: Seed, kind: Kind, random: () => number): Mutation | undefined {
  const int = (n: number): number => Math.floor(random() * n);
  const source = seed.bytes;
  const flipAt = (offsets: number[]): Mutation => {
    const bytes = source.slice();
    for (const at of offsets) bytes[at] ^= 1 << int(8);
    return { kind, bytes, flipped: offsets };
  };
  switch (kind) {
    case 'truncate':
      return { kind, bytes: source.slice(0, int(source.length)), flipped: [] };
    case 'flip-inert': {
      if (seed.inert.length === 0) return undefined;
      const offsets = Array.from({ length: 1 + int(4) }, () => {
        const [a, b] = seed.inert[int(seed.inert.length)];
        return a + int(b - a);
      });
      return flipAt(offsets);
    }
    case 'flip-native-pixels': {
      if (!seed.pixels) return undefined;
      const { start, end } = seed.pixels;
      return flipAt(Array.from({ length: 1 + int(4) }, () => start + int(end - start)));
    }
    case 'flip-any':
      return flipAt(Array.from({ length: 1 + int(8) }, () => int(source.length)));
    case 'overwrite': {
      const bytes = source.slice();
      const at = int(source.length);
      const fill = int(3);
      for (let i = at; i < Math.min(source.length, at + 1 + int(16)); i++) bytes[i] = fill === 0 ? 0 : fill === 1 ? 0xff : int(256);
      return { kind, bytes, flipped: [] };
    }
    case 'length-field': {
      if (seed.lengths.length === 0) return undefined;
      const [at, size] = seed.lengths[int(seed.lengths.length)];
      const bytes = source.slice();
      const view = new DataView(bytes.buffer);
      const old = size === 2 ? view.getUint16(at, true) : view.getUint32(at, true);
      const choices = [0, 1, old + 1, old - 1, old + 2, old * 2, 0xffff, 0xfffffffe, 0xffffffff, int(2 ** 31)];
      const value = choices[int(choices.length)] >>> 0;
      if (size === 2) view.setUint16(at, value & 0xffff, true);
      else view.setUint32(at, value, true);
      return { kind, bytes, flipped: [] };
    }
    case 'insert': {
      const at = int(source.length);
      const extra = Uint8Array.from({ length: 1 + int(12) }, () => int(256));
      const bytes = new Uint8Array(source.length + extra.length);
      bytes.set(source.subarray(0, at));
      bytes.set(extra, at);
      bytes.set(source.subarray(at), at + extra.length);
      return { kind, bytes, flipped: [] };
    }
    case 'random': {
      // Pure noise, noise behind a DICM preamble, or noise behind a seed's real file meta.
      const noise = Uint8Array.from({ length: int(4096) }, () => int(256));
      const style = int(3);
      if (style === 0) return { kind, bytes: noise, flipped: [] };
      const prefix = style === 1 ? new Uint8Array([...new Uint8Array(128), 0x44, 0x49, 0x43, 0x4d]) : source.slice(0, 132 + 12 + new DataView(source.buffer, source.byteOffset).getUint32(140, true));
      const bytes = new Uint8Array(prefix.length + noise.length);
      bytes.set(prefix);
      bytes.set(noise, prefix.length);
      return { kind, bytes, flipped: [] };
    }
  }
}

/** Why the decoded images break the oracle for this mutation, or undefined when they pass. */
function judge(seed: Seed, mutation: Mutation, frames: readonly DecodedImage[]): string | undefined {
  if (frames.length === 0) return 'no frames and no error';
  for (const [i, frame] of frames.entries()) {
    const [rows, cols, channels] = frame.shape;
    if (frame.data.length !== rows * cols * channels) return `frame ${i}: ${frame.data.length} values for shape ${frame.shape}`;
    const range = frame.meta.range as [number, number] | undefined;
    const slack = range ? 1e-6 * Math.max(1, Math.abs(range[0]), Math.abs(range[1])) : 0;
    for (const v of frame.data) {
      if (!Number.isFinite(v)) return `frame ${i}: a non-finite value`;
      if (range && (v < range[0] - slack || v > range[1] + slack)) return `frame ${i}: value ${v} outside meta.range ${range}`;
    }
  }
  const exact = mutation.kind === 'truncate' || mutation.kind === 'flip-inert';
  if (exact || mutation.kind === 'flip-native-pixels') {
    if (frames.length !== seed.frames.length) return `${frames.length} frames, the original has ${seed.frames.length}`;
    let differing = 0;
    for (const [i, frame] of frames.entries()) {
      const original = seed.frames[i];
      if (frame.data.length !== original.data.length) return `frame ${i}: ${frame.data.length} values, the original ${original.data.length}`;
      const channels = original.shape[2];
      for (let p = 0; p < frame.data.length; p += channels) {
        for (let c = 0; c < channels; c++) {
          if (!Object.is(frame.data[p + c], original.data[p + c])) {
            differing++;
            break;
          }
        }
      }
    }
    // A flipped byte changes one sample; YBR 4:2:2 shares chroma between two pixels.
    const allowed = exact ? 0 : 2 * mutation.flipped.length;
    if (differing > allowed) return `${differing} pixels differ from the original (allowed ${allowed})`;
  }
  return undefined;
}

export async function runFuzz(seedNumber: number, cases: number, dir: string, log: (line: string) => void = () => {}): Promise<FuzzSummary> {
  const seeds = await Promise.all(FUZZ_SEEDS.map(loadSeed));
  const random = prng(seedNumber);
  const byKind: Record<string, { cases: number; refused: number; decoded: number }> = {};
  const failures: string[] = [];
  let slowest = { case: -1, kind: '', source: '', ms: 0 };
  const started = performance.now();
  for (let i = 0; i < cases; i++) {
    const seed = seeds[Math.floor(random() * seeds.length)];
    const kind = pickKind(random);
    const mutation = mutate(seed, kind, random) ?? mutate(seed, 'flip-any', random)!;
    const file = path.join(dir, `case-${i % 16}.dcm`);
    const viaFile = mutation.kind === 'random' || i % 8 === 0;
    if (viaFile) await writeFile(file, mutation.bytes);
    const stats = (byKind[mutation.kind] ??= { cases: 0, refused: 0, decoded: 0 });
    stats.cases++;
    log(`> ${i} ${mutation.kind} ${seed.name}`);
    const t0 = performance.now();
    try {
      const frames = viaFile ? await decodeFile(file) : await decodeDicom(mutation.bytes, file);
      stats.decoded++;
      const why = judge(seed, mutation, frames);
      if (why) failures.push(`case ${i} (${mutation.kind} of ${seed.name}, seed ${seedNumber}): ${why}`);
    } catch (error) {
      stats.refused++;
      const named = error instanceof MedpipeError && error.file === file && error.message.includes(file);
      if (!named) {
        const what = error instanceof MedpipeError ? `MedpipeError not naming the file: ${error.message}` : `${(error as Error)?.name ?? typeof error}: ${(error as Error)?.message ?? String(error)}`;
        failures.push(`case ${i} (${mutation.kind} of ${seed.name}, seed ${seedNumber}): ${what}`);
      }
    }
    const ms = performance.now() - t0;
    if (ms > slowest.ms) slowest = { case: i, kind: mutation.kind, source: seed.name, ms };
  }
  return { seed: seedNumber, cases, byKind, slowest, totalMs: performance.now() - started, rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20), failures };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [seed, cases, dir] = process.argv.slice(2);
  const summary = await runFuzz(Number(seed), Number(cases), dir, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}
