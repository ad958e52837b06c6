// NIfTI label volumes in ingest.segmentation: each slice across k becomes a sample with its label
// slice (class indices, never interpolated), the in-plane voxel size from the header and its volume
// as group (split keeps a volume's slices together); gzipped and plain files, folder pairs and the CSV
// form; a label volume of other dimensions or another affine is an error naming both files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pairSegmentationFiles } from '../../../src/data/segmentation-listing.ts';
import { ingestSegmentation, readSegmentationSamples } from '../../../src/data/segmentation-set.ts';
import { splitSegmentation } from '../../../src/data/segmentation-split.ts';
import { failure } from '../../helpers/expect-error.ts';
import { writeNifti } from '../../helpers/nifti-writer.ts';

const S = suite<{ dir: string }>('segmentation volumes (NIfTI)', { dir: '' });
S.before.each((ctx) => {
  ctx.dir = mkdtempSync(path.join(tmpdir(), 'medpipe-segvol-'));
});
S.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

/** pixdim is float32 in the header. */
const f32 = (values: readonly number[]) => values.map((v) => Math.fround(v));
const env = (dir: string) => ({ objectsDir: path.join(dir, 'objects'), hash: async (f: string) => (f.length.toString(16) + '0'.repeat(64)).slice(0, 64) });
const [NX, NY, NZ] = [4, 3, 2];
const image = (seed: number) => Array.from({ length: NX * NY * NZ }, (_, i) => (i * 37 + seed * 11) % 200 - 50);
// Voxel (i, j, k) is class (i + j + k) % 3.
const labels = Array.from({ length: NX * NY * NZ }, (_, v) => ((v % NX) + (Math.floor(v / NX) % NY) + Math.floor(v / (NX * NY))) % 3);
const volume = (voxels: ArrayLike<number>, type: 'uint8' | 'int16', extra: object = {}) => ({ dims: [NX, NY, NZ] as const, voxels, type, voxelSize: [0.8, 0.5, 2.5] as const, ...extra });

S('slices with their label slices, voxel size in mm, one group per volume; gzip and plain', async ({ dir }) => {
  for (const [n, ext] of [
    ['case1', '.nii.gz'],
    ['case2', '.nii'],
    ['case3', '.nii.gz'],
  ] as const) {
    writeNifti(path.join(dir, 'images', `${n}${ext}`), volume(image(n.length), 'int16'));
    writeNifti(path.join(dir, 'labels', `${n}${ext}`), volume(labels, 'uint8'));
  }
  const pairs = pairSegmentationFiles([{ images: 'images', masks: 'labels' }], dir);
  assert.equal(
    pairs.map((p) => p.id),
    ['images/case1.nii.gz', 'images/case2.nii', 'images/case3.nii.gz'],
  );
  const set = await ingestSegmentation(pairs, { sources: [], channels: 1, maskKind: 'labels', classes: ['background', 'a', 'b'] }, env(dir));
  assert.equal(set.shape, [NY, NX, 1]);
  assert.equal(
    set.samples.map((s) => [s.id, s.group]),
    [
      ['images/case1.nii.gz#0', 'images/case1.nii.gz'],
      ['images/case1.nii.gz#1', 'images/case1.nii.gz'],
      ['images/case2.nii#0', 'images/case2.nii'],
      ['images/case2.nii#1', 'images/case2.nii'],
      ['images/case3.nii.gz#0', 'images/case3.nii.gz'],
      ['images/case3.nii.gz#1', 'images/case3.nii.gz'],
    ],
  );
  const samples = readSegmentationSamples(set, [0, 1, 2, 3, 4, 5]);
  for (const [row, s] of samples.entries()) {
    const k = row % 2;
    // Rows are j, columns i (readNifti's cut across k).
    const expected = Array.from({ length: NX * NY }, (_, p) => labels[k * NX * NY + p]);
    assert.equal(Array.from(s.mask), expected, `${s.id} labels`);
    assert.equal(s.spacing, f32([0.5, 0.8]), 'dy = pixdim of j, dx = pixdim of i');
  }
  // Whole volumes per split: both slices of a case land together.
  const split = splitSegmentation(set, { fractions: { train: 1, val: 1, test: 1 } }, 3);
  for (const name of ['train', 'val', 'test'] as const) {
    const groups = new Set(split.splits![name].map((r) => set.samples[r]!.group));
    assert.is(groups.size, 1, `${name}: one volume`);
    assert.is(split.splits![name].length, 2, `${name}: both of its slices`);
  }
});

S('2.5D: a slice with its neighbours as channels, the volume edges replicated', async ({ dir }) => {
  writeNifti(path.join(dir, 'im', 'v.nii.gz'), volume(image(2), 'int16', { dims: [NX, NY, 3], voxels: image(2).concat(image(3).slice(0, NX * NY)) }));
  writeNifti(path.join(dir, 'lb', 'v.nii.gz'), volume(labels.map((v) => Math.min(v, 1)), 'uint8', { dims: [NX, NY, 3], voxels: labels.concat(labels.slice(0, NX * NY)).map((v) => Math.min(v, 1)) }));
  const set = { ...(await ingestSegmentation(pairSegmentationFiles([{ images: 'im', masks: 'lb' }], dir), { sources: [], channels: 1 }, env(dir))), intensity: 'rescale' as const };
  const flat = readSegmentationSamples(set, [0, 1, 2]).map((s) => Array.from(s.pixels));
  const stacked = readSegmentationSamples(set, [0, 1, 2], { slices: 3 });
  const channel = (s: (typeof stacked)[number], j: number) => Array.from({ length: NX * NY }, (_, p) => s.pixels[p * 3 + j]!);
  assert.is(stacked[0]!.channels, 3);
  assert.equal([channel(stacked[0]!, 0), channel(stacked[0]!, 1), channel(stacked[0]!, 2)], [flat[0], flat[0], flat[1]], 'first slice: its own copy below');
  assert.equal([channel(stacked[1]!, 0), channel(stacked[1]!, 1), channel(stacked[1]!, 2)], [flat[0], flat[1], flat[2]]);
  assert.equal([channel(stacked[2]!, 0), channel(stacked[2]!, 1), channel(stacked[2]!, 2)], [flat[1], flat[2], flat[2]], 'last slice: its own copy above');
  assert.equal(Array.from(stacked[1]!.mask), Array.from(readSegmentationSamples(set, [1])[0]!.mask), "the centre slice's mask");
});

S('resized slices keep their labels at the file size; spacing scales with the resize', async ({ dir }) => {
  writeNifti(path.join(dir, 'im', 'v.nii.gz'), volume(image(1), 'int16'));
  writeNifti(path.join(dir, 'lb', 'v.nii.gz'), volume(labels.map((v) => (v === 1 ? 1 : 0)), 'uint8'));
  writeFileSync(path.join(dir, 'pairs.csv'), 'image,mask,split\nim/v.nii.gz,lb/v.nii.gz,test\n');
  const pairs = pairSegmentationFiles([{ csv: 'pairs.csv' }], dir);
  const set = await ingestSegmentation(pairs, { sources: [], channels: 1, size: [6, 8] }, env(dir));
  const [s] = readSegmentationSamples(set, [0]);
  assert.equal([s!.height, s!.width], [6, 8]);
  assert.equal(s!.spacing, [0.25, (Math.fround(0.8) * 4) / 8]);
  assert.equal(s!.original!.spacing, f32([0.5, 0.8]));
  assert.equal(Array.from(s!.original!.mask), labels.slice(0, NX * NY).map((v) => (v === 1 ? 1 : 0)));
  // Nearest neighbour: stored labels are only 0/1 and each is a copy of the original pixel under it.
  for (let y = 0; y < 6; y++) for (let x = 0; x < 8; x++) assert.is(s!.mask[y * 8 + x], s!.original!.mask[Math.floor(y / 2) * NX + Math.floor(x / 2)]);
  assert.is(set.samples[0]!.split, 'test');
});

S('labels of other dimensions or another affine: an error naming both files', async ({ dir }) => {
  writeNifti(path.join(dir, 'im', 'v.nii'), volume(image(1), 'int16'));
  writeNifti(path.join(dir, 'lb', 'v.nii'), { ...volume(labels.slice(0, NX * NY), 'uint8'), dims: [NX, NY, 1] });
  const pairs = pairSegmentationFiles([{ images: 'im', masks: 'lb' }], dir);
  const wrongSize = await failure(() => ingestSegmentation(pairs, { sources: [], channels: 1 }, env(dir)));
  assert.is(wrongSize.code, 'SHAPE_MISMATCH');
  assert.match(wrongSize.message, /lb\/v\.nii has 4x3x1 voxels but its image .*im\/v\.nii has 4x3x2/);
  writeNifti(path.join(dir, 'lb', 'v.nii'), volume(labels.map((v) => Math.min(v, 1)), 'uint8', { origin: [0, 0, 5] }));
  const shifted = await failure(() => ingestSegmentation(pairs, { sources: [], channels: 1 }, env(dir)));
  assert.is(shifted.code, 'SHAPE_MISMATCH');
  assert.match(shifted.message, /lb\/v\.nii and its image .*im\/v\.nii have different affines \(voxel → world differs by up to 5\.00\)/);
  writeNifti(path.join(dir, 'lb', 'v.nii'), volume(labels, 'uint8'));
  const badLabel = await failure(() => ingestSegmentation(pairs, { sources: [], channels: 1, maskKind: 'labels' }, env(dir)));
  assert.is(badLabel.code, 'BAD_FILE');
  assert.match(badLabel.message, /voxel value 2 is not a class index \(0\.\.1\)/);
});

S.run();
