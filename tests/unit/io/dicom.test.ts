import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeDicom, isDicom, readDicom } from '../../../src/io/dicom.ts';
import { DEFAULT_GROUP_SALT, saltedHash } from '../../../src/io/privacy.ts';
import { MedpipeError } from '../../../src/base/errors.ts';
import { failure } from '../../helpers/expect-error.ts';
import { FIXTURES } from '../../helpers/paths.ts';

const FIX = path.join(FIXTURES, 'dicom');
const fixture = (name: string): string => path.join(FIX, name);

interface Ctx {
  dir: string;
}

/** Replaces an ASCII string in a file's bytes with another of the same length (e.g. a UID or a code string). */
function patch(bytes: Uint8Array, from: string, to: string): Buffer {
  assert.is(from.length, to.length, 'patch must keep lengths');
  const buffer = Buffer.from(bytes);
  const at = buffer.indexOf(from, 0, 'latin1');
  assert.ok(at >= 0, `'${from}' not found`);
  buffer.write(to, at, 'latin1');
  return buffer;
}

const Dicom = suite<Ctx>('readDicom');

Dicom.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'medpipe-dicom-'));
});
Dicom.after.each(async (ctx) => {
  await rm(ctx.dir, { recursive: true, force: true });
});

Dicom('CT: Hounsfield units, shape and metadata', async () => {
  const [ct] = await readDicom(fixture('CT_small.dcm'));
  assert.equal([...ct.shape], [128, 128, 1]);
  assert.is(ct.meta.format, 'dicom');
  assert.is(ct.meta.modality, 'CT');
  assert.is(ct.meta.bitDepth, 16);
  assert.is(ct.meta.photometric, 'MONOCHROME2');
  assert.equal(ct.meta.rescale, { slope: 1, intercept: -1024 });
  // Signed 16-bit stored range shifted by the intercept.
  assert.equal(ct.meta.range, [-32768 - 1024, 32767 - 1024]);
  let min = Infinity;
  let max = -Infinity;
  for (const v of ct.data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  // Same extremes pydicom gives (pixel_array × 1 − 1024); air in this phantom slice sits near −900 HU.
  assert.is(min, -896);
  assert.is(max, 1167);
});

Dicom('MONOCHROME1 is inverted so that higher = brighter, exactly (min + max) − stored', async (ctx) => {
  const original = await readFile(fixture('CR_monochrome1.dcm'));
  const [mono1] = await decodeDicom(original, 'cr.dcm');
  const [asMono2] = await decodeDicom(patch(original, 'MONOCHROME1', 'MONOCHROME2'), 'cr2.dcm');
  assert.is(mono1.meta.inverted, true);
  assert.is(asMono2.meta.inverted, false);
  const [lo, hi] = mono1.meta.range as [number, number];
  assert.is(lo, 200); // 0 × 0.684 + 200
  assert.ok(Math.abs(hi - (4095 * 0.684 + 200)) < 1e-9);
  for (let i = 0; i < mono1.data.length; i++) {
    assert.ok(Math.abs(mono1.data[i] + asMono2.data[i] - (lo + hi)) < 1e-3, `pixel ${i}`);
  }
  // The file's window (1600 / 2800, in rescaled units) moves with the inversion.
  assert.equal(asMono2.meta.window, { center: 1600, width: 2800 });
  assert.ok(Math.abs((mono1.meta.window as { center: number }).center - (lo + hi - 1600)) < 1e-9);
  void ctx;
});

Dicom('multi-frame: one image per frame, or one frame by index', async () => {
  const all = await readDicom(fixture('rtdose.dcm'));
  assert.is(all.length, 15);
  assert.ok(all.every((img, i) => img.meta.frame === i && img.meta.frames === 15));
  const [third] = await readDicom(fixture('rtdose.dcm'), { frames: 3 });
  assert.is(third.meta.frame, 3);
  assert.equal(Array.from(third.data), Array.from(all[3].data));
  assert.not.equal(Array.from(all[3].data), Array.from(all[4].data));
  const err = await failure(() => readDicom(fixture('rtdose.dcm'), { frames: 15 }));
  assert.is(err.code, 'INVALID_CONFIG');
  assert.match(err.message, /15 frame/);
});

Dicom('colour: RGB channels-last, planar configuration and YBR handled', async () => {
  const [planar] = await readDicom(fixture('ExplVR_BigEnd.dcm'));
  assert.equal([...planar.shape], [60, 80, 3]);
  const [ybr] = await readDicom(fixture('SC_ybr_full_422_uncompressed.dcm'));
  const [rle] = await readDicom(fixture('SC_rgb_rle_2frame.dcm'), { frames: 0 });
  // The same synthetic test card, once stored as YBR_FULL_422 and once as RGB (RLE): pure red first.
  assert.equal(Array.from(rle.data.slice(0, 3)), [255, 0, 0]);
  assert.equal(Array.from(ybr.data.slice(0, 3)), [254, 0, 0]);
});

Dicom('the same pixels through every transfer syntax give the same values', async () => {
  const [plain] = await readDicom(fixture('MR_small.dcm'));
  for (const name of ['MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'MR_small_RLE.dcm', 'MR_small_jpeg_ls_lossless.dcm', 'MR_small_jp2klossless.dcm']) {
    const [other] = await readDicom(fixture(name));
    assert.equal(Array.from(other.data), Array.from(plain.data), name);
  }
  const [ct] = await readDicom(fixture('CT_small.dcm'));
  const [lossless] = await readDicom(fixture('CT_small_jpeg_lossless_sv1.dcm'));
  assert.equal(Array.from(lossless.data), Array.from(ct.data), 'JPEG lossless of signed CT');
});

Dicom('a data set without preamble is detected and read (bare explicit and implicit VR)', async (ctx) => {
  const bytes = await readFile(fixture('CT_small.dcm'));
  // Drop the 128-byte preamble, 'DICM' and the (0002,xxxx) meta group: what old tools wrote.
  const metaLength = bytes.readUInt32LE(132 + 8);
  const bare = bytes.subarray(132 + 12 + metaLength);
  assert.is(bare.readUInt16LE(0), 0x0008);
  const file = path.join(ctx.dir, 'bare');
  await writeFile(file, bare);
  assert.ok(isDicom(bare));
  const [fromBare] = await readDicom(file);
  const [fromPart10] = await readDicom(fixture('CT_small.dcm'));
  assert.equal(Array.from(fromBare.data), Array.from(fromPart10.data));
  // rtstruct.dcm is a real bare implicit-VR file.
  assert.ok(isDicom(await readFile(fixture('rtstruct.dcm'))));
});

Dicom('isDicom: DICM marker, not extensions or lookalikes', async () => {
  assert.ok(isDicom(await readFile(fixture('MR_small.dcm'))));
  assert.not.ok(isDicom(await readFile(fixture('README.md'))));
  assert.not.ok(isDicom(new Uint8Array(0)));
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  assert.not.ok(isDicom(png));
  const almost = new Uint8Array(200);
  almost.set([0x44, 0x49, 0x43, 0x4e], 128); // 'DICN'
  assert.not.ok(isDicom(almost));
});

Dicom('group keys: salted hashes of PatientID / Study / Series, stable across files', async () => {
  const [a] = await readDicom(fixture('MR_small.dcm'));
  const [b] = await readDicom(fixture('MR_small_bigendian.dcm'));
  const [ct] = await readDicom(fixture('CT_small.dcm'));
  const keys = a.meta.groupKeys as Record<string, string>;
  assert.is(keys.patient, saltedHash('4MR1', DEFAULT_GROUP_SALT));
  assert.match(keys.patient, /^[0-9a-f]{16}$/);
  assert.is((b.meta.groupKeys as Record<string, string>).patient, keys.patient, 'same patient, other encoding');
  assert.is.not((ct.meta.groupKeys as Record<string, string>).patient, keys.patient, 'different patient');
  assert.ok(keys.study && keys.series && keys.instance);
  const [salted] = await readDicom(fixture('MR_small.dcm'), { salt: 'project-secret' });
  assert.is((salted.meta.groupKeys as Record<string, string>).patient, saltedHash('4MR1', 'project-secret'));
  assert.is.not((salted.meta.groupKeys as Record<string, string>).patient, keys.patient);
});

Dicom('patient names and IDs never reach meta or error messages', async (ctx) => {
  // CT_small: PatientName CompressedSamples^CT1, PatientID 1CT1. CR: Doe^Archibald, 77654033.
  const secrets = ['CompressedSamples', '1CT1', 'Doe', 'Archibald', '77654033'];
  const leaks = (text: string): string[] => secrets.filter((s) => text.includes(s));
  for (const name of ['CT_small.dcm', 'CR_monochrome1.dcm']) {
    const [image] = await readDicom(fixture(name));
    assert.equal(leaks(JSON.stringify(image.meta)), [], `${name} meta`);
    assert.equal(leaks(inspect(image.meta, { depth: 10 })), [], `${name} meta (inspect)`);
  }
  const ct = await readFile(fixture('CT_small.dcm'));
  const broken: [string, Uint8Array][] = [
    ['truncated.dcm', ct.subarray(0, ct.length - 5000)],
    ['cut-in-header.dcm', ct.subarray(0, 900)],
    ['unsupported.dcm', patch(ct, '1.2.840.10008.1.2.1\0', '1.2.840.10008.1.2.99')],
    ['not-an-image.dcm', patch(ct, '\xe0\x7f\x10\x00', '\xe0\x7f\x11\x00')],
  ];
  for (const [name, bytes] of broken) {
    const file = path.join(ctx.dir, name);
    await writeFile(file, bytes);
    const err = await failure(() => readDicom(file));
    const text = [err.message, err.fix ?? '', err.describe(), inspect(err, { depth: 10 }), JSON.stringify(err)].join('\n');
    assert.equal(leaks(text), [], `${name}: ${err.message}`);
    assert.ok(err.message.includes(file), `${name}: error names the file`);
  }
});

Dicom('unsupported transfer syntax → BAD_FILE naming it and how to transcode', async (ctx) => {
  const original = await readFile(fixture('MR_small_jpeg_ls_lossless.dcm'));
  const file = path.join(ctx.dir, 'jpip.dcm');
  await writeFile(file, patch(original, '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.94'));
  const err = await failure(() => readDicom(file));
  assert.is(err.code, 'BAD_FILE');
  assert.is(err.file, file);
  assert.match(err.message, /1\.2\.840\.10008\.1\.2\.4\.94 \(JPIP Referenced\) is not supported/);
  assert.match(err.fix ?? '', /gdcmconv --raw/);
});

Dicom('12-bit lossy JPEG keeps its 12 bits (values past 255, none past 4095)', async () => {
  const [image] = await readDicom(fixture('JPGExtended.dcm'));
  assert.equal([...image.shape], [1024, 256, 1]);
  assert.is(image.meta.bitDepth, 12);
  let max = 0;
  for (const v of image.data) max = Math.max(max, v);
  // GDCM's IJG gives the same extreme (the exact values are checked in dicom-reference.test.ts).
  assert.is(max, 264);
});

Dicom('truncated files: clear BAD_FILE, never a partial image', async (ctx) => {
  const err = await failure(() => readDicom(fixture('MR_truncated.dcm')));
  assert.is(err.code, 'BAD_FILE');
  assert.match(err.message, /truncated/);
  const ct = await readFile(fixture('CT_small.dcm'));
  for (const keep of [ct.length - 1, Math.floor(ct.length * 0.6), 900]) {
    const file = path.join(ctx.dir, `cut-${keep}.dcm`);
    await writeFile(file, ct.subarray(0, keep));
    const cut = await failure(() => readDicom(file));
    assert.is(cut.code, 'BAD_FILE');
    assert.match(cut.message, /truncated/, cut.message);
  }
  const rle = await readFile(fixture('SC_rgb_rle_2frame.dcm'));
  const rleFile = path.join(ctx.dir, 'rle-cut.dcm');
  await writeFile(rleFile, rle.subarray(0, rle.length - 300));
  const rleErr = await failure(() => readDicom(rleFile));
  assert.is(rleErr.code, 'BAD_FILE', rleErr.message);
});

Dicom('damaged compressed data → BAD_FILE, and the codecs keep working afterwards', async (ctx) => {
  for (const name of ['MR_small_jpeg_ls_lossless.dcm', 'MR_small_jp2klossless.dcm', 'SC_rgb_jpeg_dcmtk.dcm', 'CT_small_jpeg_lossless_sv1.dcm']) {
    const bytes = Buffer.from(await readFile(fixture(name)));
    // Zero the start of the last fragment's content (its codec header), leaving the DICOM structure intact.
    const sequenceEnd = bytes.lastIndexOf(Buffer.from([0xfe, 0xff, 0xdd, 0xe0]));
    const lastItem = bytes.lastIndexOf(Buffer.from([0xfe, 0xff, 0x00, 0xe0]), sequenceEnd);
    assert.ok(lastItem > 0 && sequenceEnd > lastItem + 48, name);
    bytes.fill(0, lastItem + 8, lastItem + 48);
    const file = path.join(ctx.dir, name);
    await writeFile(file, bytes);
    const err = await failure(() => readDicom(file));
    assert.is(err.code, 'BAD_FILE', name);
    assert.match(err.message, /could not be decoded|codestream is damaged/, `${name}: ${err.message}`);
    const [ok] = await readDicom(fixture(name));
    assert.ok(
      ok.data.some((v) => v !== 0),
      `${name} still decodes after a failure`,
    );
  }
});

Dicom('objects without pixel data (SR, RTSTRUCT) say what they are', async () => {
  const sr = await failure(() => readDicom(fixture('test-SR.dcm')));
  assert.is(sr.file, fixture('test-SR.dcm'));
  assert.is(sr.code, 'BAD_FILE');
  assert.match(sr.message, /no Pixel Data.*Structured Report/);
  assert.match(sr.fix ?? '', /onBadFile: 'skip'/);
  const rt = await failure(() => readDicom(fixture('rtstruct.dcm')));
  assert.match(rt.message, /RTSTRUCT/);
});

Dicom('not DICOM, missing file', async () => {
  const notDicom = await failure(() => readDicom(fixture('README.md')));
  assert.is(notDicom.code, 'BAD_FILE');
  assert.match(notDicom.message, /not a DICOM file/);
  const missing = await failure(() => readDicom(fixture('nope.dcm')));
  assert.is(missing.code, 'DATA_NOT_FOUND');
});

Dicom.run();
