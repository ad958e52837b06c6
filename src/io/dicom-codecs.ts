import { createRequire } from 'node:module';

import { decodeIjg } from './dicom-ijg.ts';
import type { Coding } from './dicom-pixels.ts';

/**
 * Decoders for encapsulated (compressed) DICOM pixel data, all from maintained npm packages:
 * libjpeg-turbo, CharLS and OpenJPEG as the WASM builds the Cornerstone project publishes, and
 * DCMTK's IJG (dcmjs-codecs, see dicom-ijg.ts) for 12-bit lossy and for lossless JPEG. The
 * Cornerstone builds ship CommonJS factories, hence createRequire; each WASM module is instantiated
 * once, on first use, so that reading PNGs never pays for them.
 */
const require = createRequire(import.meta.url);

/** One decoded frame: interleaved samples (pixel by pixel) unless `planar`. */
export interface CodecFrame {
  readonly samples: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly bitsPerSample: number;
  readonly planar: boolean;
  /** The codec already turned YCbCr into RGB (JPEG baseline/extended, JPEG 2000 with MCT). */
  readonly convertedToRgb: boolean;
  /** Precision and signedness as the codestream gives them (see toValues). */
  readonly coding?: Coding;
}

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  readHeader?(): void;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getInterleaveMode?(): number;
  delete(): void;
}

type WasmModule = Record<string, new () => WasmDecoder>;

const modules = new Map<string, Promise<WasmModule>>();

function loadWasm(specifier: string): Promise<WasmModule> {
  let loading = modules.get(specifier);
  if (!loading) {
    const factory = require(specifier) as (options: object) => Promise<WasmModule>;
    // OpenJPEG prints [INFO] lines for every tile to stdout; a library must not write to the terminal.
    loading = factory({ print: () => {}, printErr: () => {} });
    modules.set(specifier, loading);
  }
  return loading;
}

async function runWasm(specifier: string, className: string, encoded: Uint8Array): Promise<{ info: FrameInfo; bytes: Uint8Array; interleave: number }> {
  const module = await loadWasm(specifier);
  const decoder = new module[className]();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.readHeader?.();
    decoder.decode();
    const info = decoder.getFrameInfo();
    // The decoded buffer is a view into WASM memory, which the next decode may reuse: copy it out.
    const bytes = decoder.getDecodedBuffer().slice();
    const interleave = decoder.getInterleaveMode ? decoder.getInterleaveMode() : 1;
    return { info: { ...info }, bytes, interleave };
  } finally {
    decoder.delete();
  }
}

function samplesOf(bytes: Uint8Array, bitsPerSample: number, signed: boolean): ArrayLike<number> {
  if (bitsPerSample <= 8) return signed ? new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length) : bytes;
  const count = bytes.length >> 1;
  // The WASM heap is little endian, like every host Node runs on.
  return signed ? new Int16Array(bytes.buffer, bytes.byteOffset, count) : new Uint16Array(bytes.buffer, bytes.byteOffset, count);
}

/**
 * libjpeg treats a 3-component JPEG as YCbCr unless an Adobe APP14 marker says otherwise (or the
 * components are labelled 'R','G','B'). DICOM says the Photometric Interpretation decides: RGB means
 * the JPEG holds RGB without colour transform (PS3.5 8.2.1). For such a stream with neither a JFIF
 * nor an Adobe marker, an APP14 "transform = 0" marker is inserted after SOI so libjpeg does not
 * apply a YCbCr conversion the encoder never did.
 */
export function markRgbJpeg(encoded: Uint8Array): Uint8Array {
  for (let i = 2; i + 10 < encoded.length && encoded[i] === 0xff; ) {
    const marker = encoded[i + 1];
    if (marker === 0xda) break; // start of scan: no more header markers
    const isApp0Jfif = marker === 0xe0 && String.fromCharCode(...encoded.subarray(i + 4, i + 8)) === 'JFIF';
    // libjpeg honours an Adobe segment only when it has all 12 data bytes; a shorter one is ignored.
    const isApp14Adobe = marker === 0xee && ((encoded[i + 2] << 8) | encoded[i + 3]) >= 14 && String.fromCharCode(...encoded.subarray(i + 4, i + 9)) === 'Adobe';
    if (isApp0Jfif || isApp14Adobe) return encoded;
    i += 2 + ((encoded[i + 2] << 8) | encoded[i + 3]);
  }
  const app14 = [0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00];
  const out = new Uint8Array(encoded.length + app14.length);
  out.set(encoded.subarray(0, 2), 0);
  out.set(app14, 2);
  out.set(encoded.subarray(2), 2 + app14.length);
  return out;
}

export async function decodeJpegBaseline(encoded: Uint8Array, photometric: string): Promise<CodecFrame> {
  const stream = photometric === 'RGB' ? markRgbJpeg(encoded) : encoded;
  const { info, bytes } = await runWasm('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', 'JPEGDecoder', stream);
  return {
    samples: bytes,
    width: info.width,
    height: info.height,
    components: info.componentCount,
    bitsPerSample: 8,
    planar: false,
    // libjpeg converts YCbCr to RGB for 3-component images (and leaves Adobe-marked or
    // 'R','G','B'-labelled components alone), so the output is RGB whatever the DICOM header says.
    convertedToRgb: info.componentCount === 3,
  };
}

export async function decodeJpegLs(encoded: Uint8Array): Promise<CodecFrame> {
  const { info, bytes, interleave } = await runWasm('@cornerstonejs/codec-charls/decodewasmjs', 'JpegLSDecoder', encoded);
  return {
    samples: samplesOf(bytes, info.bitsPerSample, false),
    width: info.width,
    height: info.height,
    components: info.componentCount,
    bitsPerSample: info.bitsPerSample,
    // CharLS keeps interleave mode NONE (0) as separate planes.
    planar: info.componentCount > 1 && interleave === 0,
    convertedToRgb: false,
    // JPEG-LS has no signed mode: samples are P-bit unsigned (ITU T.87), whatever the DICOM header says.
    coding: { precision: info.bitsPerSample, signed: false },
  };
}

export async function decodeJpeg2000(encoded: Uint8Array): Promise<CodecFrame> {
  const { info, bytes } = await runWasm('@cornerstonejs/codec-openjpeg/decodewasmjs', 'J2KDecoder', encoded);
  return {
    samples: samplesOf(bytes, info.bitsPerSample, info.isSigned === true),
    width: info.width,
    height: info.height,
    components: info.componentCount,
    bitsPerSample: info.bitsPerSample,
    planar: false,
    // OpenJPEG undoes the multi-component transform (YBR_RCT / YBR_ICT) itself.
    convertedToRgb: info.componentCount === 3,
    // The SIZ marker's precision and sign (Ssiz) are what OpenJPEG decoded to.
    coding: { precision: info.bitsPerSample, signed: info.isSigned === true },
  };
}

/**
 * JPEG processes 2 & 4 above 8 bits and process 14 (lossless) through DCMTK's IJG, at the precision
 * of the SOF marker: 12-bit CT stays 12-bit, nothing is squeezed through 8 bits.
 */
export function decodeJpegIjg(
  encoded: Uint8Array,
  header: { rows: number; cols: number; components: number; bitsAllocated: number; bitsStored: number; photometric: string },
): CodecFrame {
  const frame = decodeIjg(encoded, header);
  return {
    samples: frame.samples,
    width: frame.width,
    height: frame.height,
    components: frame.components,
    bitsPerSample: frame.precision,
    planar: false,
    convertedToRgb: false,
    coding: { precision: frame.precision, signed: false },
  };
}
