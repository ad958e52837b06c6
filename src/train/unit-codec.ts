/** Helpers for the codecs of training units: float and int arrays as blobs, read back aligned. */
import { bytesOf, floatsOf } from '../data/image-set.ts';
import type { FitData } from './predict.ts';

export { bytesOf, floatsOf };

export function intBytes(array: Int32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

export function intsOf(bytes: Uint8Array | undefined): Int32Array {
  if (!bytes) return new Int32Array(0);
  if (bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Int32Array(bytes.slice().buffer);
}

/** A FitData's pixels and labels as two blobs named `<name>X` and `<name>Y`. */
export function fitDataBlobs(name: string, data: FitData): Record<string, Uint8Array> {
  return { [`${name}X`]: bytesOf(data.x), [`${name}Y`]: bytesOf(data.y) };
}

export function fitDataOf(name: string, blobs: Readonly<Record<string, Uint8Array>>, shape: readonly [number, number, number]): FitData {
  const y = floatsOf(blobs[`${name}Y`]);
  return { x: floatsOf(blobs[`${name}X`]), y, count: y.length, shape };
}
