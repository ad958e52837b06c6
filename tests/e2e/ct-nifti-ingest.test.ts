// NIfTI volumes through ingest (issue 6, item 3): every slice of a volume becomes a sample
// (`file#k`), labelled per volume by its class folder or per slice from a CSV `slice` column; the
// slices of one volume stay in one split. Real volumes from nibabel's test data (tests/fixtures/nifti).
import { pixelsOf } from '../helpers/core.ts';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { imageSetOf, loadMedpipe, runCollect, splitSetOf, type Medpipe } from '../helpers/dicom-run.ts';
import { FIXTURES_DIR } from '../reference/dicom-nifti-check.ts';

interface Ctx {
  dir: string;
  root: string;
  m: Medpipe;
}

/** Class folder / file ← fixture, with its slice count along the default axis (k). */
const VOLUMES = [
  { rel: 'brain/anatomical.nii', from: 'anatomical.nii', slices: 25 },
  { rel: 'brain/nifti2.nii.gz', from: 'example_nifti2.nii.gz', slices: 24 },
  { rel: 'other/standard.nii.gz', from: 'standard.nii.gz', slices: 7 },
  { rel: 'other/functional.nii', from: 'functional.nii', slices: 60 }, // 3 slices × 20 volumes (4D)
  { rel: 'other/ct.nii.gz', from: 'ct_small_dcm2niix.nii.gz', slices: 1 },
] as const;
const SIZE: [number, number] = [16, 16];

const Nifti = suite<Ctx>('NIfTI volumes through ingest: per-volume and per-slice labels, one volume per split');

Nifti.before(async (ctx) => {
  ctx.m = await loadMedpipe();
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'medpipe-nifti-ingest-'));
  ctx.root = path.join(ctx.dir, 'data');
  for (const volume of VOLUMES) {
    await mkdir(path.dirname(path.join(ctx.root, volume.rel)), { recursive: true });
    await copyFile(path.join(FIXTURES_DIR, 'nifti', volume.from), path.join(ctx.root, volume.rel));
  }
});

Nifti.after(async (ctx) => {
  await rm(ctx.dir, { recursive: true, force: true });
});

const options = (dir: string, name: string) => ({ cacheDir: path.join(dir, 'cache'), outDir: path.join(dir, `out-${name}`) });

Nifti("folder per class: every slice is a sample with its volume's label, values as readImage gives them", async ({ dir, root, m }) => {
  const p = m.pipeline('nifti-folder').stage(m.ingest.folder({ root, size: SIZE, channels: 1 }));
  const { done } = await runCollect(p, options(dir, 'folder'));
  assert.ok(done.ok, JSON.stringify(done.error));
  const set = await imageSetOf(path.join(dir, 'cache'), 'nifti-folder', 'ingest');
  assert.equal(set.classes, ['brain', 'other']);
  assert.is(
    set.samples.length,
    VOLUMES.reduce((n, v) => n + v.slices, 0),
  );
  for (const volume of VOLUMES) {
    const samples = set.samples.filter((s) => s.file === volume.rel);
    const ids = volume.slices === 1 ? [volume.rel] : Array.from({ length: volume.slices }, (_, k) => `${volume.rel}#${k}`);
    assert.equal(
      samples.map((s) => s.id),
      ids,
    );
    const label = set.classes.indexOf(volume.rel.split('/')[0]!);
    assert.ok(
      samples.every((s) => s.label === label),
      `labels of ${volume.rel}`,
    );
  }
  const size = SIZE[0] * SIZE[1];
  const pixels = await pixelsOf(set);
  for (const [rel, k] of [
    ['brain/anatomical.nii', 12],
    ['other/functional.nii', 41],
    ['other/ct.nii.gz', 0],
  ] as const) {
    const at = set.samples.findIndex((s) => s.file === rel && (s.id === rel || s.id === `${rel}#${k}`));
    const expected = await m.readImage(path.join(root, rel), { frame: k, size: SIZE, channels: 1 });
    assert.equal(Array.from(pixels.subarray(at * size, (at + 1) * size)), Array.from(expected.data), `${rel} slice ${k}`);
  }
});

Nifti('the slices of one volume stay in one split (the volume is the group when the file has no patient key)', async ({ dir, root, m }) => {
  const splitOf = async (byGroup: boolean) => {
    const name = `nifti-split-${byGroup}`;
    const p = m
      .pipeline(name, { seed: 4 })
      .stage(m.ingest.folder({ root, size: SIZE, channels: 1 }))
      .stage(m.normalize({ method: 'minmax' }))
      .stage(m.split({ byGroup, stratify: false, fractions: { train: 0.4, val: 0.3, test: 0.3 } }));
    const { done } = await runCollect(p, options(dir, name));
    assert.ok(done.ok, JSON.stringify(done.error));
    const splits = await splitSetOf(path.join(dir, 'cache'), name);
    const where = new Map<string, Set<string>>();
    for (const name of ['train', 'val', 'test'] as const) {
      for (const s of splits[name].samples) where.set(s.file, (where.get(s.file) ?? new Set()).add(name));
    }
    return { splits, where };
  };
  const grouped = await splitOf(true);
  for (const [file, names] of grouped.where) assert.is(names.size, 1, `${file} is in ${[...names].join(' and ')}`);
  assert.is(grouped.splits.audit.sharedGroups, 0);
  for (const name of ['train', 'val', 'test'] as const) assert.ok(grouped.splits[name].samples.length > 0, `${name} is empty`);
  // Control: splitting slices one by one does spread volumes over splits.
  const loose = await splitOf(false);
  assert.ok(
    [...loose.where.values()].some((names) => names.size > 1),
    'byGroup: false spreads some volume',
  );
});

Nifti('CSV `slice` column: labels per slice, a volume on several rows, empty slice = every slice', async ({ dir, root, m }) => {
  await writeFile(
    path.join(root, 'slices.csv'),
    [
      'path,slice,label',
      'brain/anatomical.nii,3,lesion',
      'brain/anatomical.nii,4,lesion',
      'brain/anatomical.nii,10,normal',
      'other/standard.nii.gz,,normal',
      'other/ct.nii.gz,0,lesion',
      '',
    ].join('\n'),
  );
  const p = m.pipeline('nifti-csv').stage(m.ingest.csv({ csv: path.join(root, 'slices.csv'), size: SIZE, channels: 1, classes: ['normal', 'lesion'] }));
  const { done } = await runCollect(p, options(dir, 'csv'));
  assert.ok(done.ok, JSON.stringify(done.error));
  const set = await imageSetOf(path.join(dir, 'cache'), 'nifti-csv', 'ingest');
  const got = set.samples.map((s) => `${s.id}=${set.classes[s.label]}`);
  assert.equal(got, [
    'brain/anatomical.nii#3=lesion',
    'brain/anatomical.nii#4=lesion',
    'brain/anatomical.nii#10=normal',
    ...Array.from({ length: 7 }, (_, k) => `other/standard.nii.gz#${k}=normal`),
    'other/ct.nii.gz=lesion',
  ]);
  // The selected slice's own pixels, and the volume as the group of its slices.
  const size = SIZE[0] * SIZE[1];
  const expected = await m.readImage(path.join(root, 'brain/anatomical.nii'), { frame: 10, size: SIZE, channels: 1 });
  assert.equal(Array.from((await pixelsOf(set)).subarray(2 * size, 3 * size)), Array.from(expected.data));
  assert.equal([...new Set(set.samples.slice(0, 3).map((s) => s.group))], ['brain/anatomical.nii']);
});

Nifti('CSV `slice` out of range or unreadable: fail names the file and its slice count; skip lists each row', async ({ dir, root, m }) => {
  await writeFile(path.join(root, 'bad-slice.csv'), 'path,slice,label\nbrain/anatomical.nii,99,lesion\nbrain/anatomical.nii,1,normal\n');
  const run = (onBadFile: 'fail' | 'skip') =>
    runCollect(
      m
        .pipeline(`nifti-bad-${onBadFile}`)
        .stage(m.ingest.csv({ csv: path.join(root, 'bad-slice.csv'), size: SIZE, channels: 1, classes: ['normal', 'lesion'], onBadFile })),
      options(dir, `bad-${onBadFile}`),
    );
  const failed = await run('fail');
  assert.is(failed.done.ok, false);
  assert.is(failed.done.error?.file, path.join(root, 'brain/anatomical.nii'));
  assert.match(failed.done.error!.message, /slice 99 requested, but the file has 25 slice\(s\)/);
  const skipped = await run('skip');
  assert.ok(skipped.done.ok, JSON.stringify(skipped.done.error));
  const set = await imageSetOf(path.join(dir, 'cache'), 'nifti-bad-skip', 'ingest');
  assert.equal(
    set.samples.map((s) => s.id),
    ['brain/anatomical.nii#1'],
  );
  assert.equal(
    set.skipped.map((s) => s.file),
    ['brain/anatomical.nii#99'],
  );

  // An unreadable volume named on two rows: each row is skipped and listed by its slice.
  await writeFile(path.join(root, 'broken.nii.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]));
  await writeFile(path.join(root, 'broken.csv'), 'path,slice,label\nbroken.nii.gz,0,lesion\nbroken.nii.gz,1,normal\nbrain/anatomical.nii,2,normal\n');
  const broken = await runCollect(
    m
      .pipeline('nifti-broken')
      .stage(m.ingest.csv({ csv: path.join(root, 'broken.csv'), size: SIZE, channels: 1, classes: ['normal', 'lesion'], onBadFile: 'skip' })),
    options(dir, 'broken'),
  );
  assert.ok(broken.done.ok, JSON.stringify(broken.done.error));
  const brokenSet = await imageSetOf(path.join(dir, 'cache'), 'nifti-broken', 'ingest');
  assert.equal(
    brokenSet.samples.map((s) => s.id),
    ['brain/anatomical.nii#2'],
  );
  assert.equal(
    brokenSet.skipped.map((s) => s.file),
    ['broken.nii.gz#0', 'broken.nii.gz#1'],
  );
  assert.ok(
    brokenSet.skipped.every((s) => s.reason.includes(path.join(root, 'broken.nii.gz'))),
    JSON.stringify(brokenSet.skipped),
  );

  await writeFile(path.join(root, 'bad-index.csv'), 'path,slice,label\nbrain/anatomical.nii,third,lesion\n');
  const invalid = await runCollect(
    m.pipeline('nifti-bad-index').stage(m.ingest.csv({ csv: path.join(root, 'bad-index.csv'), size: SIZE })),
    options(dir, 'bad-index'),
  );
  assert.is(invalid.done.ok, false);
  assert.is(invalid.done.error?.code, 'INVALID_CONFIG');
  assert.match(invalid.done.error!.message, /row 2: slice must be a 0-based slice index, got 'third'/);
});

Nifti('volume option: slices every n-th or a range keep their original index; another axis gives other slices', async ({ dir, root, m }) => {
  const every = m.pipeline('nifti-every').stage(m.ingest.folder({ root, size: SIZE, channels: 1, volume: { slices: { every: 5 } } }));
  assert.ok((await runCollect(every, options(dir, 'every'))).done.ok);
  const a = await imageSetOf(path.join(dir, 'cache'), 'nifti-every', 'ingest');
  assert.equal(
    a.samples.filter((s) => s.file === 'brain/anatomical.nii').map((s) => s.id),
    [0, 5, 10, 15, 20].map((k) => `brain/anatomical.nii#${k}`),
  );
  assert.equal(
    a.samples.filter((s) => s.file === 'other/ct.nii.gz').map((s) => s.id),
    ['other/ct.nii.gz'],
    'a single-slice file is kept',
  );

  const range = m.pipeline('nifti-range').stage(m.ingest.folder({ root, size: SIZE, channels: 1, volume: { slices: { start: 3, end: 6 } } }));
  assert.ok((await runCollect(range, options(dir, 'range'))).done.ok);
  const b = await imageSetOf(path.join(dir, 'cache'), 'nifti-range', 'ingest');
  assert.equal(
    b.samples.filter((s) => s.file === 'brain/anatomical.nii').map((s) => s.id),
    [3, 4, 5].map((k) => `brain/anatomical.nii#${k}`),
  );

  const sagittal = m.pipeline('nifti-axis0').stage(m.ingest.folder({ root, size: SIZE, channels: 1, volume: { axis: 0 } }));
  assert.ok((await runCollect(sagittal, options(dir, 'axis0'))).done.ok);
  const c = await imageSetOf(path.join(dir, 'cache'), 'nifti-axis0', 'ingest');
  const expected = await m.readImage(path.join(root, 'brain/anatomical.nii'), { frame: 0, size: SIZE, channels: 1, axis: 0 });
  const at = c.samples.findIndex((s) => s.id === 'brain/anatomical.nii#0');
  const size = SIZE[0] * SIZE[1];
  assert.equal(Array.from((await pixelsOf(c)).subarray(at * size, (at + 1) * size)), Array.from(expected.data));
  assert.not.equal(c.samples.filter((s) => s.file === 'brain/anatomical.nii').length, 25, 'axis 0 has another slice count than axis 2');

  const bad = m.pipeline('nifti-bad').stage(m.ingest.folder({ root, size: SIZE, channels: 1, volume: { slices: { every: 0 } } }));
  const { done } = await runCollect(bad, options(dir, 'bad'));
  assert.is(done.error?.code, 'INVALID_PIPELINE');
  assert.match(done.error!.message, /ingest\.volume\.slices\.every: must be > 0, got 0/);
});

Nifti('volume.stack: a whole volume is one sample, its slices resampled to n channels (first and last slice kept)', async ({ dir, root, m }) => {
  const p = m.pipeline('nifti-stack').stage(m.ingest.folder({ root, size: SIZE, channels: 1, volume: { stack: 5 } }));
  const { done } = await runCollect(p, options(dir, 'stack'));
  assert.ok(done.ok, JSON.stringify(done.error));
  const set = await imageSetOf(path.join(dir, 'cache'), 'nifti-stack', 'ingest');
  assert.equal(set.shape, [SIZE[0], SIZE[1], 5]);
  assert.equal(set.samples.map((s) => s.id).sort(), VOLUMES.map((v) => v.rel).sort(), 'one sample per file');
  const at = set.samples.findIndex((s) => s.id === 'brain/anatomical.nii');
  const n = SIZE[0] * SIZE[1];
  const sample = (await pixelsOf(set)).subarray(at * n * 5, (at + 1) * n * 5);
  const first = await m.readImage(path.join(root, 'brain/anatomical.nii'), { frame: 0, size: SIZE, channels: 1 });
  const last = await m.readImage(path.join(root, 'brain/anatomical.nii'), { frame: 24, size: SIZE, channels: 1 });
  const middle = await m.readImage(path.join(root, 'brain/anatomical.nii'), { frame: 12, size: SIZE, channels: 1 });
  for (let i = 0; i < n; i++) {
    assert.is(sample[i * 5], first.data[i]);
    assert.is(sample[i * 5 + 4], last.data[i]);
    assert.ok(Math.abs(sample[i * 5 + 2]! - middle.data[i]!) < 1e-3, 'channel 2 is slice 12 (24 · 2/4)');
  }
  const bad = m.pipeline('nifti-stack-bad').stage(m.ingest.folder({ root, size: SIZE, channels: 3, volume: { stack: 0 } }));
  const failed = await runCollect(bad, options(dir, 'stack-bad'));
  assert.match(failed.done.error!.message, /ingest\.volume\.stack: must be > 0, got 0/);
  assert.match(failed.done.error!.message, /volume\.stack needs channels: 1/);
});

Nifti.run();
