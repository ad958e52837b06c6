/**
 * What a compressed frame says about itself before any decoder runs: the size, component count and
 * precision in its JPEG SOF / JPEG-LS SOF55 marker (ITU T.81 B.2.2, T.87 C.2.2) or JPEG 2000 SIZ
 * marker (T.800 A.5.1). Checked against the DICOM header first, a damaged codestream is reported
 * for what it is, and a decoder is never asked to allocate for a size the file does not have.
 */
export interface CodestreamHeader {
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly precision: number;
  /** JPEG 2000 only: Ssiz's sign bit of the first component. */
  readonly signed?: boolean;
}

/** The JPEG or JPEG-LS frame header (any SOFn, including SOF55 = 0xF7), or undefined when none is found. */
export function jpegFrameHeader(encoded: Uint8Array): CodestreamHeader | undefined {
  let i = 2;
  while (i + 9 < encoded.length) {
    if (encoded[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = encoded[i + 1];
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC); SOF55 for JPEG-LS.
    if ((marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7) {
      return {
        precision: encoded[i + 4],
        height: (encoded[i + 5] << 8) | encoded[i + 6],
        width: (encoded[i + 7] << 8) | encoded[i + 8],
        components: encoded[i + 9],
      };
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0xff) {
      i += marker === 0xff ? 1 : 2;
      continue;
    }
    i += 2 + ((encoded[i + 2] << 8) | encoded[i + 3]);
  }
  return undefined;
}

/** The JPEG 2000 SIZ marker (after SOC, in a raw codestream or inside a JP2 file), or undefined. */
export function j2kSizHeader(encoded: Uint8Array): CodestreamHeader | undefined {
  const limit = Math.min(encoded.length - 42, 4096);
  for (let i = 0; i <= limit; i++) {
    if (encoded[i] === 0xff && encoded[i + 1] === 0x4f && encoded[i + 2] === 0xff && encoded[i + 3] === 0x51) {
      const view = new DataView(encoded.buffer, encoded.byteOffset + i + 4);
      const xsiz = view.getUint32(4);
      const ysiz = view.getUint32(8);
      const x0 = view.getUint32(12);
      const y0 = view.getUint32(16);
      const ssiz = view.getUint8(38);
      return { width: xsiz - x0, height: ysiz - y0, components: view.getUint16(36), precision: (ssiz & 0x7f) + 1, signed: (ssiz & 0x80) !== 0 };
    }
  }
  return undefined;
}
