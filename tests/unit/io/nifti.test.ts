import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readDicom } from '../../../src/io/dicom.ts';
import { isNifti, readNifti } from '../../../src/io/nifti.ts';
import { MedpipeError } from '../../../src/base/errors.ts';
import { failure } from '../../helpers/expect-error.ts';
import { FIXTURES } from '../../helpers/paths.ts';

const FIX = path.join(FIXTURES, 'nifti');
const fixture = (name: string): string => path.join(FIX, name);

interface Ctx {
  dir: string;
}

const Nifti = suite<Ctx>('readNifti');

Nifti.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'medpipe-nifti-'));
});
Nifti.after.each(async (ctx) => {
  await rm(ctx.dir, { recursive: true, force: true });
});

Nifti('slices along each axis with the documented row/column order', async () => {
  const axial = await readNifti(fixture('anatomical.nii'));
  assert.is(axial.length, 25); // 33 × 41 × 25
  assert.equal([...axial[0].shape], [41, 33, 1]);
  assert.ok(axial.every((img, i) => img.meta.slice === i && img.meta.frames === 25 && img.meta.format === 'nifti'));
  const sagittal = await readNifti(fixture('anatomical.nii'), { axis: 0 });
  assert.equal([...sagittal[0].shape], [25, 41, 1]);
  const coronal = await readNifti(fixture('anatomical.nii'), { axis: 1 });
  assert.equal([...coronal[0].shape], [25, 33, 1]);
  // The same voxel (i, j, k) = (7, 11, 13) seen from all three sides.
  const [i, j, k] = [7, 11, 13];
  const v = axial[k].data[j * 33 + i];
  assert.is(sagittal[i].data[k * 41 + j], v);
  assert.is(coronal[j].data[k * 33 + i], v);
});

Nifti('slice selection: range (end exclusive), every n-th, one volume', async () => {
  const range = await readNifti(fixture('anatomical.nii'), { slices: { start: 3, end: 6 } });
  assert.equal(
    range.map((s) => s.meta.slice),
    [3, 4, 5],
  );
  const every = await readNifti(fixture('anatomical.nii'), { slices: { every: 10 } });
  assert.equal(
    every.map((s) => s.meta.slice),
    [0, 10, 20],
  );
  const fourD = await readNifti(fixture('functional.nii'));
  assert.is(fourD.length, 3 * 20);
  const vol7 = await readNifti(fixture('functional.nii'), { volumes: 7 });
  assert.equal(
    vol7.map((s) => [s.meta.volume, s.meta.slice]),
    [
      [7, 0],
      [7, 1],
      [7, 2],
    ],
  );
  assert.equal(Array.from(vol7[1].data), Array.from(fourD[7 * 3 + 1].data));
  for (const bad of [{ slices: { start: 5, end: 2 } }, { slices: { start: 0, end: 26 } }, { slices: { every: 0 } }, { volumes: 20 }] as const) {
    const err = await failure(() => readNifti(fixture('functional.nii'), bad));
    assert.is(err.code, 'INVALID_CONFIG', JSON.stringify(bad));
  }
});

Nifti('scl_slope/scl_inter applied; slope 0 means "not set"', async (ctx) => {
  const scaled = await readNifti(fixture('functional.nii'), { volumes: 0, slices: { start: 1, end: 2 } });
  const { slope, intercept } = scaled[0].meta.scaling as { slope: number; intercept: number };
  assert.ok(Math.abs(slope - 0.0754069686) < 1e-9 && Math.abs(intercept - 3100.7617) < 1e-3);
  // Same file with scl_slope (byte 112) zeroed: raw integers, intercept ignored too.
  const bytes = Buffer.from(await readFile(fixture('functional.nii')));
  const littleEndian = bytes.readInt32LE(0) === 348;
  if (littleEndian) bytes.writeFloatLE(0, 112);
  else bytes.writeFloatBE(0, 112);
  const file = path.join(ctx.dir, 'unscaled.nii');
  await writeFile(file, bytes);
  const [raw] = await readNifti(file, { volumes: 0, slices: { start: 1, end: 2 } });
  assert.equal(raw.meta.scaling, { slope: 1, intercept: 0 });
  for (let i = 0; i < raw.data.length; i++) {
    assert.ok(Number.isInteger(raw.data[i]));
    assert.ok(Math.abs(raw.data[i] * slope + intercept - scaled[0].data[i]) < 1e-3, `voxel ${i}`);
  }
});

Nifti('a CT converted by dcm2niix reads back as the DICOM HU (scl_inter −1024)', async () => {
  const [fromNifti] = await readNifti(fixture('ct_small_dcm2niix.nii.gz'));
  const [fromDicom] = await readDicom(path.join(FIX, '..', 'dicom', 'CT_small.dcm'));
  assert.equal([...fromNifti.shape], [...fromDicom.shape]);
  // dcm2niix stores rows bottom-up (DICOM rows run top-down): compare with the row order reversed.
  const [rows, cols] = fromDicom.shape;
  let same = true;
  for (let r = 0; r < rows && same; r++) {
    for (let c = 0; c < cols; c++) {
      if (fromNifti.data[r * cols + c] !== fromDicom.data[(rows - 1 - r) * cols + c]) {
        same = false;
        break;
      }
    }
  }
  assert.ok(same, 'HU differ between the DICOM and its NIfTI conversion');
});

Nifti('NIfTI-2 and gzip', async () => {
  const images = await readNifti(fixture('example_nifti2.nii.gz'));
  assert.is(images.length, 12 * 2);
  assert.equal([...images[0].shape], [20, 32, 1]);
  assert.is(images[0].meta.datatype, 'int16');
});

Nifti('isNifti: header magic for .nii, gzip magic for .nii.gz, nothing else', async () => {
  assert.ok(isNifti(await readFile(fixture('anatomical.nii')), 'a.nii'));
  assert.ok(isNifti(await readFile(fixture('standard.nii.gz')), 'a.nii.gz'));
  assert.ok(isNifti(gunzipSync(await readFile(fixture('example_nifti2.nii.gz'))), 'n2.nii'));
  assert.not.ok(isNifti(await readFile(fixture('anatomical.nii')), 'a.img'));
  assert.not.ok(isNifti(new Uint8Array(400), 'zeros.nii'));
  assert.not.ok(isNifti(Buffer.from('not gzip'), 'x.nii.gz'));
});

Nifti('bad header, truncated data, damaged gzip, unsupported type → BAD_FILE naming the file', async (ctx) => {
  const header = path.join(ctx.dir, 'bad-header.nii');
  await writeFile(header, Buffer.alloc(400));
  const e1 = await failure(() => readNifti(header));
  assert.is(e1.code, 'BAD_FILE');
  assert.is(e1.file, header);
  assert.match(e1.message, /NIfTI-1\/2 header/);

  const anatomical = await readFile(fixture('anatomical.nii'));
  const truncated = path.join(ctx.dir, 'truncated.nii');
  await writeFile(truncated, anatomical.subarray(0, 20_000));
  const e2 = await failure(() => readNifti(truncated));
  assert.match(e2.message, /truncated/);
  assert.ok(e2.message.includes(truncated));

  const gz = await readFile(fixture('example_nifti2.nii.gz'));
  const cutGz = path.join(ctx.dir, 'cut.nii.gz');
  await writeFile(cutGz, gz.subarray(0, gz.length - 2000));
  const e3 = await failure(() => readNifti(cutGz));
  assert.is(e3.code, 'BAD_FILE');
  assert.match(e3.message, /gzip/);

  const complex = Buffer.from(anatomical);
  const le = complex.readInt32LE(0) === 348;
  if (le) complex.writeInt16LE(32, 70);
  else complex.writeInt16BE(32, 70); // datatype COMPLEX64
  const complexFile = path.join(ctx.dir, 'complex.nii');
  await writeFile(complexFile, complex);
  const e4 = await failure(() => readNifti(complexFile));
  assert.match(e4.message, /datatype 32/);

  const missing = await failure(() => readNifti(path.join(ctx.dir, 'missing.nii')));
  assert.is(missing.code, 'DATA_NOT_FOUND');
});

Nifti.run();
