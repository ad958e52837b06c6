// MONOCHROME1 images come out with bone bright through the pipeline (issue 6): in MONOCHROME1 a
// LOW stored value is displayed WHITE, so after ingest the brightest pixels must be where the file
// stored the lowest values. Checked on a real CR file (pydicom's CR_monochrome1.dcm, read straight
// from its bytes) and on a phantom whose bone is stored low, against its MONOCHROME2 twin.
import { pixelsOf } from '../helpers/core.ts';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { greyImage, nativeStoredValues, SOP_CLASS } from '../helpers/dicom-writer.ts';
import { imageSetOf, loadMedpipe, runCollect, type Medpipe } from '../helpers/dicom-run.ts';
import { FIXTURES_DIR } from '../reference/dicom-nifti-check.ts';

interface Ctx {
  dir: string;
  m: Medpipe;
  /** Sample index by file, pixels after ingest and after normalize. */
  index: Map<string, number>;
  ingested: Float32Array;
  normalized: Float32Array;
  cr: Uint16Array;
}

const M1 = suite<Ctx>('MONOCHROME1 through ingest + normalize: bone (low stored values) comes out bright');
const N = 16 * 16;
const PHANTOM = 32;

/** Phantom regions, by pixel: air around, soft tissue, a vertical bone bar in the middle. */
function region(x: number, y: number): 'air' | 'tissue' | 'bone' {
  if (x >= 13 && x < 19 && y >= 4 && y < 28) return 'bone';
  if (x >= 3 && x < 29 && y >= 3 && y < 29) return 'tissue';
  return 'air';
}

M1.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'medpipe-mono1-'));
  const root = path.join(ctx.dir, 'data');
  await mkdir(path.join(root, 'real'), { recursive: true });
  await mkdir(path.join(root, 'phantom'), { recursive: true });
  await copyFile(path.join(FIXTURES_DIR, 'dicom', 'CR_monochrome1.dcm'), path.join(root, 'real', 'cr.dcm'));
  ctx.cr = nativeStoredValues(await readFile(path.join(root, 'real', 'cr.dcm')), 12);
  // MONOCHROME1: bone stored low (white), air stored high (black). The MONOCHROME2 twin stores 4095 − v.
  const m1 = new Array<number>(PHANTOM * PHANTOM);
  for (let y = 0; y < PHANTOM; y++) for (let x = 0; x < PHANTOM; x++) m1[y * PHANTOM + x] = { air: 3900, tissue: 2400, bone: 300 }[region(x, y)];
  const common = {
    sopClass: SOP_CLASS.cr,
    modality: 'CR',
    patientName: 'Phantom^Bone',
    patientId: 'PHANTOM-1',
    rows: PHANTOM,
    cols: PHANTOM,
    signed: false,
    bitsStored: 12,
  };
  await writeFile(
    path.join(root, 'phantom', 'mono1.dcm'),
    greyImage({ ...common, ids: { study: 1, series: 1, instance: 1 }, stored: m1, photometric: 'MONOCHROME1' }),
  );
  await writeFile(
    path.join(root, 'phantom', 'mono2.dcm'),
    greyImage({ ...common, ids: { study: 1, series: 2, instance: 1 }, stored: m1.map((v) => 4095 - v), photometric: 'MONOCHROME2' }),
  );

  const p = ctx.m
    .pipeline('mono1')
    .stage(ctx.m.ingest.folder({ root, size: [16, 16], channels: 1 }))
    .stage(ctx.m.normalize({ method: 'minmax' }));
  const cacheDir = path.join(ctx.dir, 'cache');
  const { done } = await runCollect(p, { cacheDir, outDir: path.join(ctx.dir, 'out') });
  if (!done.ok) throw new Error(JSON.stringify(done.error));
  const ingested = await imageSetOf(cacheDir, 'mono1', 'ingest');
  const normalized = await imageSetOf(cacheDir, 'mono1', 'normalize');
  ctx.index = new Map(ingested.samples.map((s, i) => [s.file, i]));
  ctx.ingested = await pixelsOf(ingested);
  ctx.normalized = await pixelsOf(normalized);
});

M1.after(async (ctx) => {
  await rm(ctx.dir, { recursive: true, force: true });
});

function sample(pixels: Float32Array, i: number): Float32Array {
  return pixels.subarray(i * N, (i + 1) * N);
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) [ma, mb] = [ma + a[i]! / n, mb + b[i]! / n];
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

M1('real CR: the brightest pixels are where the file stored the lowest values', ({ index, ingested, normalized, cr }) => {
  const i = index.get('real/cr.dcm')!;
  const values = sample(ingested, i);
  const scaled = sample(normalized, i);
  assert.is(cr.length, N, 'the fixture is 16×16, so ingest did not resample it');
  // Inverted, and linear in the stored value (rescale applied, nothing squeezed through 8 bits).
  assert.ok(correlation(cr, values) < -0.99999, `correlation ${correlation(cr, values)}`);
  const order = Array.from(cr.keys()).sort((a, b) => cr[a]! - cr[b]!);
  const quarter = N / 4;
  const mean = (idx: number[]) => idx.reduce((s, k) => s + scaled[k]!, 0) / idx.length;
  const lowStored = mean(order.slice(0, quarter));
  const highStored = mean(order.slice(-quarter));
  assert.ok(lowStored > highStored + 0.3, `low-stored quarter ${lowStored.toFixed(3)} vs high-stored quarter ${highStored.toFixed(3)}`);
  assert.is(scaled[order[0]!], 1, 'the lowest stored value is the brightest pixel');
  assert.is(scaled[order[N - 1]!], 0, 'the highest stored value is the darkest pixel');
});

M1('phantom: bone stored low in MONOCHROME1 comes out bright, the same as its MONOCHROME2 twin', ({ index, normalized }) => {
  const mono1 = sample(normalized, index.get('phantom/mono1.dcm')!);
  const mono2 = sample(normalized, index.get('phantom/mono2.dcm')!);
  // Region means on the 16×16 grid: pixel (x, y) covers phantom pixels (2x.., 2y..).
  const means = { air: [0, 0], tissue: [0, 0], bone: [0, 0] } as Record<string, [number, number]>;
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 16; x++) {
      const kind = [region(2 * x, 2 * y), region(2 * x + 1, 2 * y), region(2 * x, 2 * y + 1), region(2 * x + 1, 2 * y + 1)];
      if (kind.every((k) => k === kind[0])) {
        means[kind[0]!]![0] += mono1[y * 16 + x]!;
        means[kind[0]!]![1] += 1;
      }
    }
  }
  const [air, tissue, bone] = (['air', 'tissue', 'bone'] as const).map((k) => means[k]![0] / means[k]![1]);
  assert.ok(bone! > 0.95 && tissue! > 0.35 && tissue! < 0.6 && air! < 0.05, `bone ${bone}, tissue ${tissue}, air ${air}`);
  for (let k = 0; k < N; k++) assert.ok(Math.abs(mono1[k]! - mono2[k]!) < 1e-6, `pixel ${k}: ${mono1[k]} vs ${mono2[k]}`);
});

M1.run();
