import dicomParser from 'dicom-parser';
import type { Fragment } from './dicom-fragments.ts';
import type { FrameRequest } from './dicom-frame.ts';
import { TRANSCODE_FIX } from './dicom-syntax.ts';

const REEXPORT = 'Copy or export the file again; it was cut short or written inconsistently.';

/**
 * The compressed bytes of one frame of encapsulated Pixel Data (PS3.5 A.4). Fragments belong to
 * frames by the Basic Offset Table when it is usable, else one fragment per frame when the counts
 * agree, else by the codestream start markers (JPEG and JPEG-LS SOI, JPEG 2000 SOC or a JP2
 * signature). A JPEG, JPEG-LS or JPEG 2000 frame must end with its end marker (EOI / EOC, FFD9):
 * decoders fill a cut-short stream with grey and report nothing, so a missing end is an error here.
 */
export function encapsulatedFrameBytes(req: FrameRequest): Uint8Array {
  const { dataSet, pixelData, frame, frameCount, syntax, bad } = req;
  const fragments = (pixelData.fragments ?? []) as readonly Fragment[];
  if (fragments.length === 0) throw bad('has encapsulated Pixel Data with no fragments.', REEXPORT);
  const groups = frameGroups(fragments, pixelData.basicOffsetTable ?? [], frameCount, dataSet.byteArray, syntax.encoding);
  if (!groups) {
    throw bad(`has ${frameCount} frames in ${fragments.length} fragments, and neither its Basic Offset Table nor the codestream markers tell which belong to frame ${frame}.`, TRANSCODE_FIX);
  }
  const [first, count] = groups[frame];
  const bytes = dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, pixelData, first, count, fragments as never) as Uint8Array;
  if (syntax.encoding !== 'rle' && !endsWithEndMarker(bytes)) {
    throw bad(`frame ${frame}: its ${syntax.name} data has no end marker (FFD9); the frame was cut short or damaged.`, REEXPORT);
  }
  return bytes;
}

/** [first fragment, fragment count] per frame, or undefined when the frames cannot be told apart. */
function frameGroups(fragments: readonly Fragment[], table: readonly number[], frames: number, bytes: Uint8Array, encoding: string): [number, number][] | undefined {
  if (frames === 1) return [[0, fragments.length]];
  const starts = table.length === frames ? table.map((offset) => fragments.findIndex((f) => f.offset === offset)) : [];
  if (starts.length === frames && starts.every((s, i) => s >= 0 && (i === 0 || s > starts[i - 1]))) return spans(starts, fragments.length);
  if (fragments.length === frames) return fragments.map((_, i) => [i, 1]);
  if (encoding === 'rle') return undefined;
  const marked = fragments.flatMap((f, i) => (startsCodestream(bytes, f) ? [i] : []));
  return marked.length === frames && marked[0] === 0 ? spans(marked, fragments.length) : undefined;
}

function spans(starts: readonly number[], total: number): [number, number][] {
  return starts.map((s, i) => [s, (i + 1 < starts.length ? starts[i + 1] : total) - s]);
}

function startsCodestream(bytes: Uint8Array, fragment: Fragment): boolean {
  const at = fragment.position;
  if (fragment.length < 4) return false;
  const a = bytes[at];
  const b = bytes[at + 1];
  // JPEG / JPEG-LS SOI, JPEG 2000 SOC, or a JP2 file's signature box length (00 00 00 0C).
  return (a === 0xff && (b === 0xd8 || b === 0x4f)) || (a === 0 && b === 0 && bytes[at + 2] === 0 && bytes[at + 3] === 0x0c);
}

/** FFD9 among the last bytes, after any zero padding to even length (some writers pad more). */
function endsWithEndMarker(bytes: Uint8Array): boolean {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  for (let i = end - 2; i >= Math.max(0, end - 16); i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  return false;
}
