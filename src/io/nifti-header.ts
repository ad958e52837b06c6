/**
 * A NIfTI file's geometry without its voxels (ingest checks that an image volume and its label
 * volume share it), and a label volume written on the geometry of the volume it was predicted from.
 *
 * @example
 *   const geometry = await niftiGeometry(await readFile('ct.nii.gz'), 'ct.nii.gz');
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { MedpipeError } from '../base/errors.ts';

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

export interface NiftiGeometry {
  /** Voxels along i, j, k. */
  readonly dims: readonly [number, number, number];
  /** Voxel size along i, j, k (pixdim 1..3, e.g. mm). */
  readonly voxelSize: readonly [number, number, number];
  /** Voxel → world (sform, else qform, as nifti-reader-js reads it), 4x4 rows. */
  readonly affine: readonly (readonly number[])[];
}

export async function unzipped(raw: Uint8Array): Promise<Uint8Array> {
  return raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b ? new Uint8Array(await gunzipAsync(raw)) : raw;
}

export async function niftiGeometry(raw: Uint8Array, path: string): Promise<NiftiGeometry> {
  const bytes = await unzipped(raw);
  const nifti = await import('nifti-reader-js');
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (!nifti.isNIFTI(buffer)) {
    throw new MedpipeError('BAD_FILE', `${path}: does not have a NIfTI-1/2 header.`, { file: path, fix: 'Check the file type; convert it to .nii/.nii.gz.' });
  }
  const h = nifti.readHeader(buffer);
  const dim = (d: number) => (d <= h.dims[0] ? Math.max(1, h.dims[d]!) : 1);
  return { dims: [dim(1), dim(2), dim(3)], voxelSize: [h.pixDims[1]!, h.pixDims[2]!, h.pixDims[3]!], affine: h.affine };
}

/** The largest absolute difference between two affines (world units). */
export function affineDifference(a: NiftiGeometry['affine'], b: NiftiGeometry['affine']): number {
  let worst = 0;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) worst = Math.max(worst, Math.abs((a[r]?.[c] ?? 0) - (b[r]?.[c] ?? 0)));
  return worst;
}

/**
 * A uint8 label volume (i fastest, then j, then k; `labels.length` = nx·ny·nz) as a NIfTI-1 file on
 * the source's header: same dims (first volume only), voxel sizes, qform and sform; datatype uint8,
 * no scaling, intent NIFTI_INTENT_LABEL, cal range 0..maxLabel. Gzipped when `gz`.
 */
export async function labelVolumeLike(sourceRaw: Uint8Array, sourcePath: string, labels: Uint8Array, maxLabel: number, gz: boolean): Promise<Uint8Array> {
  const source = await unzipped(sourceRaw);
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  const le = view.getInt32(0, true) === 348;
  if (!le && view.getInt32(0, false) !== 348) {
    throw new MedpipeError('BAD_FILE', `${sourcePath}: label volumes are written as NIfTI-1, and this file is not NIfTI-1.`, {
      file: sourcePath,
      fix: 'Convert the volume to NIfTI-1 (e.g. nibabel.Nifti1Image) to get a label volume on its geometry.',
    });
  }
  const out = new Uint8Array(352 + labels.length);
  out.set(source.subarray(0, 348));
  const header = new DataView(out.buffer);
  const rank = header.getInt16(40, le);
  if (rank > 3) {
    header.setInt16(40, 3, le);
    for (let d = 4; d <= 7; d++) header.setInt16(40 + d * 2, 1, le);
  }
  header.setInt16(68, 1002, le); // intent_code NIFTI_INTENT_LABEL
  header.setInt16(70, 2, le); // datatype uint8
  header.setInt16(72, 8, le); // bitpix
  header.setFloat32(108, 352, le); // vox_offset
  header.setFloat32(112, 1, le); // scl_slope
  header.setFloat32(116, 0, le); // scl_inter
  header.setFloat32(124, maxLabel, le); // cal_max
  header.setFloat32(128, 0, le); // cal_min
  out.set([0x6e, 0x2b, 0x31, 0], 344); // magic "n+1": one file
  out.set(labels, 352);
  return gz ? new Uint8Array(await gzipAsync(out)) : out;
}
