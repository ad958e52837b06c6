import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { jpegFrameHeader } from './dicom-codestream.ts';

/**
 * JPEG through DCMTK's IJG libraries (8-, 12- and 16-bit builds, lossless process 14 included), as
 * the WebAssembly build that the npm package dcmjs-codecs ships. medpipe talks to the module's C
 * functions itself instead of through the package's JavaScript wrapper, for three reasons:
 * - the wrapper turns IJG *warnings* ("Corrupt JPEG data: premature end of data segment") into log
 *   lines; a damaged stream then decodes to grey garbage with no error. Here they are collected and
 *   the corrupting ones fail the decode.
 * - an IJG error reaches JavaScript as an exception thrown through the WebAssembly frames, which
 *   leaves the module's stack pointer where the failed call had moved it. The glue restores it.
 * - the compiled module is kept, so a fresh instance after many failed decodes (whose C++ objects
 *   the exception leaked) costs an instantiation, not a compilation.
 */
const require = createRequire(import.meta.url);

export class IjgError extends Error {}

/** One decoded JPEG frame: samples as unsigned integers of `precision` bits, interleaved unless `planar`. */
export interface IjgFrame {
  readonly samples: Uint8Array | Uint16Array;
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly precision: number;
}

interface Exports {
  readonly memory: WebAssembly.Memory;
  _initialize(): void;
  emscripten_stack_get_current(): number;
  _emscripten_stack_restore(sp: number): void;
  CreateCodecsContext(): number;
  ReleaseCodecsContext(ctx: number): void;
  CreateDecoderParameters(): number;
  ReleaseDecoderParameters(params: number): void;
  SetConvertColorspaceToRgb(params: number, on: number): void;
  SetColumns(ctx: number, v: number): void;
  SetRows(ctx: number, v: number): void;
  SetBitsAllocated(ctx: number, v: number): void;
  SetBitsStored(ctx: number, v: number): void;
  SetSamplesPerPixel(ctx: number, v: number): void;
  SetPixelRepresentation(ctx: number, v: number): void;
  SetPlanarConfiguration(ctx: number, v: number): void;
  SetPhotometricInterpretation(ctx: number, v: number): void;
  SetEncodedBufferSize(ctx: number, size: number): void;
  GetEncodedBuffer(ctx: number): number;
  GetDecodedBuffer(ctx: number): number;
  GetDecodedBufferSize(ctx: number): number;
  GetColumns(ctx: number): number;
  GetRows(ctx: number): number;
  GetSamplesPerPixel(ctx: number): number;
  GetBitsAllocated(ctx: number): number;
  DecodeJpeg(ctx: number, params: number): void;
}

/** The package's photometric enumeration order (its constants.PhotometricInterpretation). */
const PHOTOMETRIC = ['MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR', 'RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_PARTIAL_422', 'YBR_PARTIAL_420', 'YBR_ICT', 'YBR_RCT'];

/** IJG warnings after which the pixels are not what was encoded (jerror.h JWRN_*). */
const CORRUPTING = /premature end|Premature end of JPEG file|bad Huffman code|found marker .* instead of RST|Corrupt JPEG data: \d+ extraneous bytes before marker 0xd[0-7]|Invalid SOS parameters for progressive/i;

/** A fresh instance is made once the heap has grown past this, since failed decodes leak. */
const HEAP_LIMIT = 768 * 1024 * 1024;

let compiled: WebAssembly.Module | undefined;
let instance: { exports: Exports; messages: string[] } | undefined;

function wasmPath(): string {
  try {
    return path.join(path.dirname(require.resolve('dcmjs-codecs')), 'dcmjs-native-codecs.wasm');
  } catch {
    throw new IjgError('the JPEG decoder for 12-bit and lossless JPEG (npm package dcmjs-codecs) is not installed; run `npm install`');
  }
}

function text(memory: WebAssembly.Memory, pointer: number, length: number): string {
  return Buffer.from(memory.buffer, pointer, length).toString('latin1');
}

function instantiate(): { exports: Exports; messages: string[] } {
  compiled ??= new WebAssembly.Module(readFileSync(wasmPath()));
  const messages: string[] = [];
  let memory: WebAssembly.Memory | undefined;
  const view = (): DataView => new DataView(memory!.buffer);
  const imports = {
    env: {
      onCodecsException: (pointer: number, length: number) => {
        throw new IjgError(text(memory!, pointer, length));
      },
      onCodecsInfo: (pointer: number, length: number) => {
        messages.push(text(memory!, pointer, length));
      },
      onCodecsTrace: () => {},
      emscripten_notify_memory_growth: () => {},
    },
    // A reactor module: it never exits, reads no files and needs no environment.
    wasi_snapshot_preview1: {
      proc_exit: (code: number) => {
        throw new IjgError(`the codec module exited (${code})`);
      },
      clock_time_get: (_id: number, _precision: bigint, out: number) => {
        view().setBigUint64(out, BigInt(Date.now()) * 1_000_000n, true);
        return 0;
      },
      fd_write: (_fd: number, iovs: number, count: number, written: number) => {
        let total = 0;
        for (let i = 0; i < count; i++) total += view().getUint32(iovs + 8 * i + 4, true);
        view().setUint32(written, total, true);
        return 0;
      },
      fd_close: () => 0,
      fd_seek: () => 70, // ESPIPE
      environ_sizes_get: (count: number, size: number) => {
        view().setUint32(count, 0, true);
        view().setUint32(size, 0, true);
        return 0;
      },
      environ_get: () => 0,
    },
  };
  const created = new WebAssembly.Instance(compiled, imports);
  const exports = created.exports as unknown as Exports;
  memory = exports.memory;
  exports._initialize();
  return { exports, messages };
}

/**
 * Decodes one JPEG (processes 1, 2 & 4, 14) frame at the precision its SOF marker gives, 2 to 16 bits.
 * `signed` frames come back as stored (two's complement of `precision` bits); the caller sign-extends.
 * @example
 *   const frame = decodeIjg(encoded, { rows: 512, cols: 512, components: 1, bitsAllocated: 16, bitsStored: 12, photometric: 'MONOCHROME2' });
 */
export function decodeIjg(
  encoded: Uint8Array,
  header: { rows: number; cols: number; components: number; bitsAllocated: number; bitsStored: number; photometric: string },
): IjgFrame {
  if (!instance || instance.exports.memory.buffer.byteLength > HEAP_LIMIT) instance = instantiate();
  const { exports, messages } = instance;
  messages.length = 0;
  const stack = exports.emscripten_stack_get_current();
  const ctx = exports.CreateCodecsContext();
  const params = exports.CreateDecoderParameters();
  try {
    exports.SetColumns(ctx, header.cols);
    exports.SetRows(ctx, header.rows);
    exports.SetBitsAllocated(ctx, header.bitsAllocated);
    exports.SetBitsStored(ctx, header.bitsStored);
    exports.SetSamplesPerPixel(ctx, header.components);
    // Unsigned on purpose: the samples come back as coded, and the DICOM arithmetic is done in one place.
    exports.SetPixelRepresentation(ctx, 0);
    exports.SetPlanarConfiguration(ctx, 0);
    exports.SetPhotometricInterpretation(ctx, Math.max(0, PHOTOMETRIC.indexOf(header.photometric)));
    exports.SetConvertColorspaceToRgb(params, 0);
    exports.SetEncodedBufferSize(ctx, encoded.length);
    new Uint8Array(exports.memory.buffer, exports.GetEncodedBuffer(ctx), encoded.length).set(encoded);
    exports.DecodeJpeg(ctx, params);
    const corrupt = messages.find((m) => CORRUPTING.test(m));
    if (corrupt) throw new IjgError(corrupt.replace(/^.*EmitMessage::/, ''));
    const size = exports.GetDecodedBufferSize(ctx);
    const bytes = new Uint8Array(exports.memory.buffer, exports.GetDecodedBuffer(ctx), size).slice();
    const width = exports.GetColumns(ctx);
    const height = exports.GetRows(ctx);
    const components = exports.GetSamplesPerPixel(ctx);
    const wide = size >= width * height * components * 2;
    return {
      samples: wide ? new Uint16Array(bytes.buffer, 0, size >> 1) : bytes,
      width,
      height,
      components,
      precision: jpegFrameHeader(encoded)?.precision ?? header.bitsStored,
    };
  } catch (error) {
    exports._emscripten_stack_restore(stack);
    throw error instanceof IjgError ? error : new IjgError(error instanceof Error ? error.message : String(error));
  } finally {
    exports.ReleaseDecoderParameters(params);
    exports.ReleaseCodecsContext(ctx);
  }
}
