/**
 * An image volume and its label volume (NIfTI, `.nii` or `.nii.gz`) as 2D samples: one per slice
 * across k (rows = j, columns = i, as readNifti cuts them), each with its label slice, the in-plane
 * voxel size from the header (so surface distances come out in millimetres) and the volume as its
 * group, so a volume's slices never straddle two splits. The label volume must have the image's
 * dimensions and affine: anything else is an error naming both files. Labels are class indices
 * (0 = background … K); with binary masks every non-zero voxel is foreground. Never interpolated.
 *
 * @example
 *   const slices = await readVolumePair(pair, { channels: 1 }, 2, 'labels');
 */
import { readFile } from 'node:fs/promises';
import { MedpipeError } from '../base/errors.ts';
import { decodeBytes } from '../io/decode-bytes.ts';
import { decodeNifti } from '../io/nifti.ts';
import { affineDifference, niftiGeometry, type NiftiGeometry } from '../io/nifti-header.ts';
import type { Mask } from '../io/read-mask.ts';
import type { DecodedSegmentationImage, SegmentationInput } from './segmentation-decode.ts';

export const isVolumeFile = (file: string): boolean => /\.nii(\.gz)?$/i.test(file);

export interface VolumeSlice {
  readonly k: number;
  readonly image: DecodedSegmentationImage;
  /** Label slices at the file's own size, by role. */
  readonly labels: Readonly<Record<string, Mask>>;
  /** [dy, dx] of one voxel in the slice plane (pixdim of j and i). */
  readonly spacing: readonly [number, number];
}

function sameGeometry(image: NiftiGeometry, imageFile: string, label: NiftiGeometry, labelFile: string): void {
  const fix = 'Pair each image volume with the label volume drawn on it (same dimensions, voxel size and orientation); resample the labels with nearest neighbour if they were saved on another grid.';
  if (image.dims.join('x') !== label.dims.join('x')) {
    throw new MedpipeError('SHAPE_MISMATCH', `${labelFile} has ${label.dims.join('x')} voxels but its image ${imageFile} has ${image.dims.join('x')}.`, { file: labelFile, fix });
  }
  const tolerance = 1e-3 * Math.max(...image.voxelSize.map(Math.abs), 1e-6);
  const off = affineDifference(image.affine, label.affine);
  if (off > tolerance) {
    throw new MedpipeError('SHAPE_MISMATCH', `${labelFile} and its image ${imageFile} have different affines (voxel → world differs by up to ${off.toPrecision(3)}).`, {
      file: labelFile,
      fix,
    });
  }
}

async function labelSlices(raw: Uint8Array, file: string, kind: 'binary' | 'labels', classes: number): Promise<Mask[]> {
  const slices = await decodeNifti(raw, file);
  return slices.map((s) => {
    const data = new Uint8Array(s.data.length);
    for (let i = 0; i < data.length; i++) {
      const v = s.data[i]!;
      if (v !== Math.trunc(v) || v < 0 || (kind === 'labels' && v >= classes)) {
        throw new MedpipeError('BAD_FILE', `${file}: voxel value ${v} is not a class index (0..${classes - 1}).`, {
          file,
          fix: "Store label volumes as integers 0..K (0 = background) and list K + 1 class names; with maskKind: 'binary' any non-zero voxel is foreground.",
        });
      }
      data[i] = kind === 'binary' ? (v > 0 ? 1 : 0) : v;
    }
    return { height: s.shape[0], width: s.shape[1], data };
  });
}

/** The slices of `files.image` with the label slices of every other role (mask, roi, observer). */
export async function readVolumePair(
  files: { readonly image: string } & Readonly<Record<string, string>>,
  input: SegmentationInput,
  classes: number,
  kinds: Readonly<Record<string, 'binary' | 'labels'>>,
): Promise<VolumeSlice[]> {
  if (input.channels === 'green') {
    throw new MedpipeError('INVALID_CONFIG', `${files.image}: channels 'green' picks RGB's green channel, and a NIfTI volume is grey.`, {
      file: files.image,
      fix: 'Use channels: 1 (or 3 to repeat the grey value) for volumes.',
    });
  }
  const raw = await readFile(files.image);
  const geometry = await niftiGeometry(raw, files.image);
  const own = await decodeNifti(raw, files.image);
  if (own.length !== geometry.dims[2]) {
    throw new MedpipeError('BAD_FILE', `${files.image} holds ${own.length / geometry.dims[2]} volumes; a segmentation image is one 3D volume.`, {
      file: files.image,
      fix: 'Split the 4D file into one file per volume (e.g. fslsplit) and pair each with its labels.',
    });
  }
  const frames = input.size ? await decodeBytes(raw, files.image, { size: input.size, channels: input.channels }) : await decodeBytes(raw, files.image, { channels: input.channels });
  const labels: Record<string, Mask[]> = {};
  for (const [role, file] of Object.entries(files)) {
    if (role === 'image') continue;
    const labelRaw = await readFile(file);
    sameGeometry(geometry, files.image, await niftiGeometry(labelRaw, file), file);
    labels[role] = await labelSlices(labelRaw, file, kinds[role] ?? 'labels', classes);
  }
  return frames.map((frame, k) => ({
    k,
    image: { data: frame.data, shape: [frame.shape[0], frame.shape[1], frame.shape[2]], range: frame.range, own: { height: own[k]!.shape[0], width: own[k]!.shape[1] } },
    labels: Object.fromEntries(Object.entries(labels).map(([role, slices]) => [role, slices[k]!])),
    spacing: own[k]!.meta.spacing as [number, number],
  }));
}
