import { unzipSync } from 'fflate';
import { MedpipeError } from '../base/errors.ts';

export interface NpyArray {
  readonly shape: readonly number[];
  readonly dtype: string;
  /** Values as float32 (uint8 images stay exact). */
  readonly data: Float32Array;
}

/** Parses one `.npy` (format 1.0–3.0, C order, little-endian or single-byte dtypes). */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (!magic.every((b, i) => bytes[i] === b)) {
    throw new MedpipeError('BAD_FILE', `${name} is not a .npy array (bad magic).`, { file: name, fix: 'Save it with numpy.save / numpy.savez.' });
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = Buffer.from(bytes.subarray(start, start + headerLength)).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) {
    throw new MedpipeError('BAD_FILE', `${name}: unreadable .npy header.`, { file: name, fix: 'Re-save the array with numpy.' });
  }
  if (fortran)
    throw new MedpipeError('BAD_FILE', `${name}: Fortran-order arrays are not supported.`, { file: name, fix: 'Save with numpy.ascontiguousarray(a).' });
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLength;
  const body = bytes.slice(offset);
  const kind = descr.replace(/^[<|=]/, '');
  if (descr.startsWith('>'))
    throw new MedpipeError('BAD_FILE', `${name}: big-endian arrays are not supported.`, {
      file: name,
      fix: 'Convert with a.astype(a.dtype.newbyteorder("<")).',
    });
  const readers: Record<string, () => ArrayLike<number>> = {
    u1: () => new Uint8Array(body.buffer, 0, count),
    i1: () => new Int8Array(body.buffer, 0, count),
    b1: () => new Uint8Array(body.buffer, 0, count),
    u2: () => new Uint16Array(body.buffer, 0, count),
    i2: () => new Int16Array(body.buffer, 0, count),
    u4: () => new Uint32Array(body.buffer, 0, count),
    i4: () => new Int32Array(body.buffer, 0, count),
    f4: () => new Float32Array(body.buffer, 0, count),
    f8: () => new Float64Array(body.buffer, 0, count),
    i8: () => Array.from(new BigInt64Array(body.buffer, 0, count), Number),
    u8: () => Array.from(new BigUint64Array(body.buffer, 0, count), Number),
  };
  const read = readers[kind];
  if (!read) throw new MedpipeError('BAD_FILE', `${name}: dtype ${descr} is not supported.`, { file: name, fix: 'Convert to uint8, uint16 or float32.' });
  const needed = count * Number(kind.slice(1));
  if (body.byteLength < needed)
    throw new MedpipeError('BAD_FILE', `${name}: truncated (${body.byteLength} of ${needed} bytes).`, { file: name, fix: 'Re-save the file.' });
  return { shape, dtype: descr, data: Float32Array.from(read()) };
}

/** Reads every array of a `.npz` archive (stored or deflated), or those whose name `only` accepts. */
export function parseNpz(bytes: Uint8Array, file: string, only?: (array: string) => boolean): Record<string, NpyArray> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, only ? { filter: (entry) => only(entry.name.replace(/\.npy$/, '')) } : undefined);
  } catch (error) {
    throw new MedpipeError('BAD_FILE', `${file} is not a readable .npz (zip) archive: ${String(error)}`, {
      file,
      fix: 'Check the file; re-save with numpy.savez.',
      cause: error,
    });
  }
  const out: Record<string, NpyArray> = {};
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('.npy')) out[name.slice(0, -4)] = parseNpy(data, `${file}:${name}`);
  }
  return out;
}
