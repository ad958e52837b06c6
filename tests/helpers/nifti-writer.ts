// Small NIfTI-1 files for tests: a volume of int16, uint8 or float32 voxels (i fastest, then j, then
// k), its voxel size and an sform affine; gzipped when the name ends in .gz.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export interface NiftiVolume {
  /** [nx, ny, nz] */
  readonly dims: readonly [number, number, number];
  readonly voxels: ArrayLike<number>;
  readonly type: 'uint8' | 'int16' | 'float32';
  /** Voxel size along i, j, k. @default [1, 1, 1] */
  readonly voxelSize?: readonly [number, number, number];
  /** World offset of voxel (0, 0, 0). @default [0, 0, 0] */
  readonly origin?: readonly [number, number, number];
}

const TYPES = { uint8: { code: 2, bytes: 1 }, int16: { code: 4, bytes: 2 }, float32: { code: 16, bytes: 4 } } as const;

export function niftiBytes(volume: NiftiVolume): Buffer {
  const { code, bytes } = TYPES[volume.type];
  const [nx, ny, nz] = volume.dims;
  const [dx, dy, dz] = volume.voxelSize ?? [1, 1, 1];
  const [ox, oy, oz] = volume.origin ?? [0, 0, 0];
  const out = Buffer.alloc(352 + nx * ny * nz * bytes);
  out.writeInt32LE(348, 0);
  [3, nx, ny, nz, 1, 1, 1, 1].forEach((d, i) => out.writeInt16LE(d, 40 + i * 2));
  out.writeInt16LE(code, 70);
  out.writeInt16LE(bytes * 8, 72);
  [1, dx, dy, dz, 0, 0, 0, 0].forEach((d, i) => out.writeFloatLE(d, 76 + i * 4));
  out.writeFloatLE(352, 108);
  out.writeFloatLE(1, 112);
  out.writeInt16LE(0, 252); // qform_code
  out.writeInt16LE(1, 254); // sform_code: scanner
  [
    [dx, 0, 0, ox],
    [0, dy, 0, oy],
    [0, 0, dz, oz],
  ].forEach((row, r) => row.forEach((v, c) => out.writeFloatLE(v, 280 + r * 16 + c * 4)));
  out.write('n+1\0', 344, 'latin1');
  for (let i = 0; i < nx * ny * nz; i++) {
    const v = volume.voxels[i]!;
    if (volume.type === 'uint8') out.writeUInt8(v, 352 + i);
    else if (volume.type === 'int16') out.writeInt16LE(v, 352 + i * 2);
    else out.writeFloatLE(v, 352 + i * 4);
  }
  return out;
}

export function writeNifti(file: string, volume: NiftiVolume): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const bytes = niftiBytes(volume);
  writeFileSync(file, file.endsWith('.gz') ? gzipSync(bytes) : bytes);
}
