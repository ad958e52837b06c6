/**
 * DICOM RLE Lossless (1.2.840.10008.1.2.5), PS3.5 Annex G. No maintained npm package decodes it on
 * its own (cornerstone keeps it inside its image loader), and the format is a 64-byte header plus
 * PackBits, so it lives here.
 *
 * The result is planar: for each sample (R, G, B or the single grey sample) one plane of
 * rows × cols values, assembled from the byte segments most significant byte first.
 */
export class RleError extends Error {}

export function decodeRleFrame(
  frame: Uint8Array,
  rows: number,
  cols: number,
  samplesPerPixel: number,
  bitsAllocated: number,
): Float64Array {
  if (frame.length < 64) throw new RleError(`RLE frame is ${frame.length} bytes, shorter than its 64-byte header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const bytesPerSample = bitsAllocated / 8;
  const expected = samplesPerPixel * bytesPerSample;
  const segments = view.getUint32(0, true);
  if (!Number.isInteger(bytesPerSample) || segments !== expected) {
    throw new RleError(`RLE header lists ${segments} segments; ${samplesPerPixel} samples of ${bitsAllocated} bits need ${expected}`);
  }
  const pixels = rows * cols;
  // PackBits turns 2 bytes into at most 128: a frame that small cannot hold this many pixels, and
  // allocating for them first would let a damaged Rows/Columns exhaust memory.
  if (pixels * segments > 64 * frame.length) throw new RleError(`RLE frame of ${frame.length} bytes cannot hold ${rows}×${cols}×${segments} bytes of pixels`);
  const out = new Float64Array(pixels * samplesPerPixel);
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || end > frame.length || end < start) {
      throw new RleError(`RLE segment ${s + 1} offsets [${start}, ${end}) fall outside the ${frame.length}-byte frame`);
    }
    unpackBits(frame, start, end, plane);
    const sample = Math.floor(s / bytesPerSample);
    // Segment order within a sample is most significant byte first.
    const shift = 8 * (bytesPerSample - 1 - (s % bytesPerSample));
    const factor = 2 ** shift;
    const base = sample * pixels;
    for (let i = 0; i < pixels; i++) out[base + i] += plane[i] * factor;
  }
  return out;
}

/** PackBits as PS3.5 G.3.1 defines it; a segment that decodes short is an error, not zero padding. */
function unpackBits(src: Uint8Array, start: number, end: number, dst: Uint8Array): void {
  let i = start;
  let o = 0;
  while (o < dst.length && i < end) {
    const n = src[i++];
    if (n < 128) {
      const count = n + 1;
      if (i + count > end || o + count > dst.length) throw new RleError('RLE literal run overruns its segment');
      dst.set(src.subarray(i, i + count), o);
      i += count;
      o += count;
    } else if (n > 128) {
      const count = 257 - n;
      if (i >= end || o + count > dst.length) throw new RleError('RLE replicate run overruns its segment');
      dst.fill(src[i++], o, o + count);
      o += count;
    }
    // n === 128 (-128 as a signed byte) is a no-op by definition.
  }
  if (o < dst.length) throw new RleError(`RLE segment decodes to ${o} bytes; the image needs ${dst.length}`);
}
