// The ingest stage through the runtime: folder layouts and labels, CSV, MedMNIST arrays, bad
// files (fail vs skip), bit depth, colour modes and EXIF orientation.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImageSet, SplitSet } from '../../src/data/image-set.ts';
import type { RunEvent } from '../../src/runtime/events.ts';
import {
  SHARED_IMAGES,
  SHARED_NPZ,
  assertOk,
  encodePng,
  loadMedpipe,
  loadOutput,
  logsOf,
  makeClassFolders,
  removeDir,
  runCollect,
  tempDir,
  writeGreyPng,
  type Medpipe,
} from '../helpers/core.ts';
import { realData, requires } from '../helpers/requires.ts';
import { pixelsOf } from '../helpers/core.ts';

interface Ctx {
  dir: string;
  m: Medpipe;
}

const Ingest = suite<Ctx>('ingest: folders, CSV, arrays, bad files, bit depth, colour, orientation');

Ingest.before(async (ctx) => {
  ctx.m = await loadMedpipe();
});
Ingest.before.each(async (ctx) => {
  ctx.dir = await tempDir('ingest');
});
Ingest.after.each(async (ctx) => {
  await removeDir(ctx.dir);
});

const opts = (ctx: Ctx) => ({ cacheDir: path.join(ctx.dir, 'cache'), outDir: path.join(ctx.dir, 'out'), baseDir: ctx.dir });

/** Runs `stages` after `first` and returns the run plus the output of the named stage. */
async function runAndLoad<T>(ctx: Ctx, name: string, p: { stages: readonly unknown[] }, stage: string): Promise<{ events: RunEvent[]; out: T }> {
  const collected = await runCollect(p as never, opts(ctx));
  assertOk(collected);
  return { events: collected.events, out: await loadOutput<T>(path.join(ctx.dir, 'cache'), name, stage) };
}

const labelsOf = (set: ImageSet) => Object.fromEntries(set.samples.map((s) => [s.file, s.label]));

Ingest('folder: labels from folder names, sorted by default or in the given class order, labelMap', async (ctx) => {
  const { m } = ctx;
  await makeClassFolders(path.join(ctx.dir, 'data'), 3, { classes: ['NORMAL', 'PNEUMONIA'], size: 8 });
  // Not images: ignored, not errors.
  await writeFile(path.join(ctx.dir, 'data', 'README.txt'), 'notes');
  await writeFile(path.join(ctx.dir, 'data', 'NORMAL', '.DS_Store'), 'junk');

  const sorted = await runAndLoad<ImageSet>(ctx, 'sorted', m.pipeline('sorted').stage(m.ingest.folder({ root: 'data', size: [8, 8], channels: 1 })), 'ingest');
  assert.equal(sorted.out.classes, ['NORMAL', 'PNEUMONIA']);
  assert.is(sorted.out.samples.length, 6);
  assert.is(labelsOf(sorted.out)['NORMAL/NORMAL_000.png'], 0);
  assert.is(labelsOf(sorted.out)['PNEUMONIA/PNEUMONIA_002.png'], 1);
  assert.equal(sorted.out.shape, [8, 8, 1]);
  assert.is((await pixelsOf(sorted.out)).length, 6 * 64);

  const given = await runAndLoad<ImageSet>(
    ctx,
    'given',
    m.pipeline('given').stage(m.ingest.folder({ root: 'data', size: [8, 8], channels: 1, classes: ['PNEUMONIA', 'NORMAL'] })),
    'ingest',
  );
  assert.equal(given.out.classes, ['PNEUMONIA', 'NORMAL']);
  assert.is(labelsOf(given.out)['NORMAL/NORMAL_000.png'], 1);
  assert.is(labelsOf(given.out)['PNEUMONIA/PNEUMONIA_000.png'], 0);

  const mapped = await runAndLoad<ImageSet>(
    ctx,
    'mapped',
    m.pipeline('mapped').stage(m.ingest.folder({ root: 'data', size: [8, 8], channels: 1, labelMap: { NORMAL: 'normal', PNEUMONIA: 'pneumonia' } })),
    'ingest',
  );
  assert.equal(mapped.out.classes, ['normal', 'pneumonia']);
  assert.is(labelsOf(mapped.out)['PNEUMONIA/PNEUMONIA_001.png'], 1);
});

Ingest('folder: a class folder missing from `classes` is skipped and listed, not silently relabelled', async (ctx) => {
  const { m } = ctx;
  await makeClassFolders(path.join(ctx.dir, 'data'), 2, { classes: ['a', 'b', 'c'], size: 8 });
  const { out } = await runAndLoad<ImageSet>(
    ctx,
    'subset',
    m.pipeline('subset').stage(m.ingest.folder({ root: 'data', size: [8, 8], channels: 1, classes: ['a', 'b'] })),
    'ingest',
  );
  assert.is(out.samples.length, 4);
  assert.equal(
    out.skipped.map((s) => s.file),
    ['c/c_000.png', 'c/c_001.png'],
  );
  assert.match(out.skipped[0]!.reason, /class 'c' is not in classes \[a, b\]/);
});

Ingest('folder: train/val/test folders are kept as the split; groupPattern gives groups', async (ctx) => {
  const { m } = ctx;
  const counts = { train: 6, val: 2, test: 3 };
  for (const [split, n] of Object.entries(counts)) {
    for (const [c, name] of ['neg', 'pos'].entries()) {
      for (let i = 0; i < n; i++)
        await writeGreyPng(path.join(ctx.dir, 'data', split, name, `p${i % 3}_${split}_${i}.png`), 50 + 150 * c, c * 1000 + i + split.length * 100, 8);
    }
  }
  const p = m
    .pipeline('layout', { seed: 1 })
    .stage(m.ingest.folder({ root: 'data', size: [8, 8], channels: 1, groupPattern: '/(p\\d+)_' }))
    .stage(m.split({ byGroup: false }));
  const { events } = await runAndLoad<ImageSet>(ctx, 'layout', p, 'ingest');
  const ingested = await loadOutput<ImageSet>(path.join(ctx.dir, 'cache'), 'layout', 'ingest');
  assert.equal(ingested.classes, ['neg', 'pos'], 'class folders sit one level below the split folders');
  const sample = ingested.samples.find((s) => s.file === 'val/pos/p1_val_1.png')!;
  assert.equal({ split: sample.split, group: sample.group, label: sample.label }, { split: 'val', group: 'p1', label: 1 });
  const splits = await loadOutput<SplitSet>(path.join(ctx.dir, 'cache'), 'layout', 'split');
  assert.equal(splits.counts, { train: [6, 6], val: [2, 2], test: [3, 3] });
  assert.ok(splits.test.samples.every((s) => s.file.startsWith('test/')));
  // split prints class counts per split
  const logs = logsOf(events, 'split');
  assert.ok(logs.includes('train: neg 6, pos 6') && logs.includes('val: neg 2, pos 2') && logs.includes('test: neg 3, pos 3'), logs.join(' | '));
});

Ingest('CSV: path,label,group,split columns; paths relative to the CSV; a row without a label is an error naming the file and row', async (ctx) => {
  const { m } = ctx;
  await makeClassFolders(path.join(ctx.dir, 'imgs'), 2, { classes: ['x', 'y'], size: 8 });
  await mkdir(path.join(ctx.dir, 'meta'));
  const csv = path.join(ctx.dir, 'meta', 'labels.csv');
  await writeFile(
    csv,
    'Path,Label,Group,Split\r\n../imgs/x/x_000.png,healthy,pat1,train\r\n"../imgs/x/x_001.png",healthy,pat2,val\r\n../imgs/y/y_000.png,sick,pat1,train\r\n../imgs/y/y_001.png,sick,pat3,test\r\n',
  );
  const { out } = await runAndLoad<ImageSet>(
    ctx,
    'csv',
    m.pipeline('csv').stage(m.ingest.csv({ csv: 'meta/labels.csv', size: [8, 8], channels: 1, classes: ['healthy', 'sick'] })),
    'ingest',
  );
  assert.equal(out.classes, ['healthy', 'sick']);
  assert.equal(
    out.samples.map((s) => [s.file, s.label, s.group, s.split]),
    [
      ['../imgs/x/x_000.png', 0, 'pat1', 'train'],
      ['../imgs/x/x_001.png', 0, 'pat2', 'val'],
      ['../imgs/y/y_000.png', 1, 'pat1', 'train'],
      ['../imgs/y/y_001.png', 1, 'pat3', 'test'],
    ],
  );

  await writeFile(csv, 'path,label\n../imgs/x/x_000.png,healthy\n../imgs/y/y_000.png,\n');
  const bad = await runCollect(m.pipeline('csv-bad').stage(m.ingest.csv({ csv: 'meta/labels.csv', size: [8, 8] })), opts(ctx));
  assert.is(bad.done.ok, false);
  assert.is(bad.done.error?.code, 'INVALID_CONFIG');
  assert.match(bad.done.error!.message, /labels\.csv, row 3: needs a 'path' and a 'label' column/);
  assert.match(bad.done.error!.fix ?? '', /path,label/);
});

requires(Ingest, realData('pneumoniamnist', 'images', 'pneumoniamnist.npz'))(
  'npz (MedMNIST layout, real PneumoniaMNIST): shapes, split sizes, 50% positive, same pixels as the PNG copy',
  async (ctx) => {
    const { m } = ctx;
    const p = m
      .pipeline('npz')
      .stage(m.ingest.npz({ file: SHARED_NPZ, classes: ['normal', 'pneumonia'] }))
      .stage(m.split());
    const { out } = await runAndLoad<ImageSet>(ctx, 'npz', p, 'ingest');
    assert.equal(out.shape, [28, 28, 1]);
    assert.is(out.samples.length, 2428 + 270 + 468);
    const splits = await loadOutput<SplitSet>(path.join(ctx.dir, 'cache'), 'npz', 'split');
    assert.equal(splits.counts, { train: [1214, 1214], val: [135, 135], test: [234, 234] });
    assert.is((await pixelsOf(splits, splits.train.table)).length, 2428 * 28 * 28);
    // train_images[0] is images/train/pneumonia/train_0000.png
    const first = out.samples[0]!;
    assert.equal([first.split, first.label], ['train', 1]);
    const { readImage } = await import('../../src/io/read-image.ts');
    const png = await readImage(path.join(SHARED_IMAGES, 'train', 'pneumonia', 'train_0000.png'), { channels: 1 });
    assert.equal(Array.from((await pixelsOf(out)).subarray(0, 784)), Array.from(png.data));
    // size/channels options resize and convert
    const resized = await runAndLoad<ImageSet>(
      ctx,
      'npz2',
      m.pipeline('npz2').stage(m.ingest.npz({ file: SHARED_NPZ, size: [14, 14], channels: 3 })),
      'ingest',
    );
    assert.equal(resized.out.shape, [14, 14, 3]);
    assert.equal(resized.out.classes, ['0', '1']);
  },
);

async function withBadFile(ctx: Ctx): Promise<string> {
  await makeClassFolders(path.join(ctx.dir, 'data'), 3, { size: 8 });
  const bad = path.join(ctx.dir, 'data', 'b', 'broken.png');
  await writeFile(bad, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from('definitely not the rest of a PNG')]));
  return bad;
}

Ingest("onBadFile 'fail' (default): the run stops with an error naming the file, why, and the fix", async (ctx) => {
  const { m } = ctx;
  const bad = await withBadFile(ctx);
  const objects = path.join(ctx.dir, 'cache', 'objects');
  const { runToCompletion } = await import('../../src/runtime/run.ts');
  const events: RunEvent[] = [];
  // What the cache holds when the failure is reported: the good files' shard published (fsynced,
  // renamed into place) and its job recorded, no shard left half-written (a job hands its records
  // back before its shard is published; the failure waits for that).
  let atFailure: { temp: string[]; jobs: string[] } | undefined;
  const done = await runToCompletion(
    m
      .pipeline('fail')
      .stage(m.ingest.folder({ root: 'data', size: [8, 8] }))
      .stage(m.normalize()),
    opts(ctx),
    (e) => {
      events.push(e);
      if (e.type === 'stage-failed') {
        const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
        atFailure = {
          temp: list(path.join(objects, 'tmp')).filter((name) => name.startsWith('shard-')),
          jobs: list(path.join(ctx.dir, 'cache', 'ingest-jobs')),
        };
      }
    },
  );
  assert.is(done.ok, false);
  assert.equal(atFailure?.temp, [], 'no shard still being published');
  assert.ok((atFailure?.jobs.length ?? 0) > 0, 'the job of the good files is recorded');
  const failed = events.find((e) => e.type === 'stage-failed') as Extract<RunEvent, { type: 'stage-failed' }>;
  assert.is(failed.stage, 'ingest');
  assert.is(failed.error.code, 'BAD_FILE');
  assert.ok(failed.error.message.includes(bad), failed.error.message);
  assert.match(failed.error.message, /cannot be decoded as an image: \S+/);
  assert.match(failed.error.fix ?? '', /onBadFile: 'skip'/);
  assert.is(failed.error.file, bad);
});

Ingest("onBadFile 'skip': the file is left out, listed in the result and in out/skipped-files.json; nothing else is lost", async (ctx) => {
  const { m } = ctx;
  await withBadFile(ctx);
  const p = m.pipeline('skip').stage(m.ingest.folder({ root: 'data', size: [8, 8], onBadFile: 'skip' }));
  const { out, events } = await runAndLoad<ImageSet>(ctx, 'skip', p, 'ingest');
  assert.is(out.samples.length, 6);
  assert.is(out.skipped.length, 1);
  assert.is(out.skipped[0]!.file, 'b/broken.png');
  assert.match(out.skipped[0]!.reason, /broken\.png cannot be decoded/);
  const report = JSON.parse(await readFile(path.join(ctx.dir, 'out', 'skipped-files.json'), 'utf8')) as { file: string; reason: string }[];
  assert.equal(report, out.skipped);
  assert.ok(logsOf(events, 'ingest').some((l) => /skipped 1 unreadable file\(s\), e\.g\. b\/broken\.png/.test(l)));
  const done = events.find((e) => e.type === 'stage-done' && e.stage === 'ingest') as Extract<RunEvent, { type: 'stage-done' }>;
  assert.match(done.summary ?? '', /1 skipped/);

  // Once the file is repaired, the next run ingests it and the stale list is gone.
  await writeGreyPng(path.join(ctx.dir, 'data', 'b', 'broken.png'), 180, 31337, 8);
  const repaired = await runAndLoad<ImageSet>(ctx, 'skip', p, 'ingest');
  assert.is(repaired.out.samples.length, 7);
  assert.equal(repaired.out.skipped, []);
  assert.not.ok(existsSync(path.join(ctx.dir, 'out', 'skipped-files.json')), 'no stale skipped-files.json');
});

Ingest('bit depth and colour: 16-bit values are kept; grey, grey+alpha, RGB, RGBA and JPEG all become the asked channels', async (ctx) => {
  const { m } = ctx;
  const dir = path.join(ctx.dir, 'data');
  await mkdir(path.join(dir, 'a'), { recursive: true });
  await mkdir(path.join(dir, 'b'), { recursive: true });
  // 4x2 16-bit grey: values that do not survive a squeeze to 8 bits.
  const sixteen = [0, 1000, 40000, 65535, 257, 258, 12345, 65000];
  await writeFile(path.join(dir, 'a', 'g16.png'), await encodePng(4, 2, 1, 16, sixteen));
  await writeFile(path.join(dir, 'a', 'g8.png'), await encodePng(4, 2, 1, 8, [0, 10, 20, 30, 40, 50, 60, 255]));
  await writeFile(path.join(dir, 'b', 'ga8.png'), await encodePng(4, 2, 2, 8, Array.from({ length: 8 }, (_, i) => [100, i * 30]).flat()));
  await writeFile(path.join(dir, 'b', 'rgb8.png'), await encodePng(4, 2, 3, 8, Array.from({ length: 8 }, () => [200, 100, 50]).flat()));
  // RGBA with a fully transparent pixel: alpha is dropped, the colour kept (not blended).
  await writeFile(path.join(dir, 'b', 'rgba8.png'), await encodePng(4, 2, 4, 8, Array.from({ length: 8 }, (_, i) => [10, 20, 30, i === 0 ? 0 : 255]).flat()));
  const sharp = (await import('sharp')).default;
  await writeFile(
    path.join(dir, 'b', 'grey.jpg'),
    await sharp({ create: { width: 4, height: 2, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .jpeg({ quality: 100 })
      .toBuffer(),
  );

  const grey = await runAndLoad<ImageSet>(ctx, 'grey', m.pipeline('grey').stage(m.ingest.folder({ root: 'data', size: [2, 4], channels: 1 })), 'ingest');
  const all = new Map<ImageSet, Float32Array>();
  for (const set of [grey.out]) all.set(set, await pixelsOf(set));
  const byFile = (set: ImageSet, file: string) => {
    const i = set.samples.findIndex((s) => s.file === file);
    const n = set.shape[0] * set.shape[1] * set.shape[2];
    return { pixels: Array.from(all.get(set)!.subarray(i * n, (i + 1) * n)), range: Array.from(set.table.ranges.subarray(i * 2, i * 2 + 2)) };
  };
  assert.equal(grey.out.shape, [2, 4, 1]);
  assert.equal(byFile(grey.out, 'a/g16.png'), { pixels: sixteen, range: [0, 65535] });
  assert.equal(byFile(grey.out, 'a/g8.png'), { pixels: [0, 10, 20, 30, 40, 50, 60, 255], range: [0, 255] });
  assert.equal(byFile(grey.out, 'b/ga8.png').pixels, new Array(8).fill(100));
  assert.ok(byFile(grey.out, 'b/grey.jpg').pixels.every((v) => Math.abs(v - 128) <= 2));
  const lum = byFile(grey.out, 'b/rgb8.png').pixels[0]!;
  assert.ok(lum > 50 && lum < 200, `luminance of (200,100,50) is between its channels, got ${lum}`);

  const rgb = await runAndLoad<ImageSet>(ctx, 'rgb', m.pipeline('rgb').stage(m.ingest.folder({ root: 'data', size: [2, 4], channels: 3 })), 'ingest');
  assert.equal(rgb.out.shape, [2, 4, 3]);
  all.set(rgb.out, await pixelsOf(rgb.out));
  assert.equal(byFile(rgb.out, 'b/rgb8.png').pixels.slice(0, 6), [200, 100, 50, 200, 100, 50]);
  assert.equal(byFile(rgb.out, 'b/rgba8.png').pixels.slice(0, 6), [10, 20, 30, 10, 20, 30]);
  assert.equal(byFile(rgb.out, 'a/g8.png').pixels.slice(0, 6), [0, 0, 0, 10, 10, 10], 'grey is replicated into RGB');
  assert.equal(byFile(rgb.out, 'a/g16.png').pixels.slice(0, 6), [0, 0, 0, 1000, 1000, 1000], '16-bit grey stays 16-bit in RGB');

  // normalize rescale divides by the source type's maximum: 65535 for 16-bit, 255 for 8-bit.
  const rescaled = await runAndLoad<ImageSet>(
    ctx,
    'rescaled',
    m
      .pipeline('rescaled')
      .stage(m.ingest.folder({ root: 'data', size: [2, 4], channels: 1 }))
      .stage(m.normalize({ method: 'rescale' })),
    'normalize',
  );
  all.set(rescaled.out, await pixelsOf(rescaled.out));
  const r16 = byFile(rescaled.out, 'a/g16.png').pixels;
  sixteen.forEach((v, k) => assert.ok(Math.abs(r16[k]! - v / 65535) < 1e-6));
  assert.ok(Math.abs(byFile(rescaled.out, 'a/g8.png').pixels[1]! - 10 / 255) < 1e-6);
});

Ingest('EXIF orientation is applied: a landscape JPEG tagged "rotate 90° CW" comes out portrait, its left half on top', async (ctx) => {
  const { m } = ctx;
  const sharp = (await import('sharp')).default;
  // 20 wide × 10 high: left half black, right half white; orientation 6 = display rotated 90° clockwise.
  const raw = Buffer.alloc(20 * 10 * 3);
  for (let y = 0; y < 10; y++) for (let x = 0; x < 20; x++) raw.fill(x < 10 ? 0 : 255, (y * 20 + x) * 3, (y * 20 + x) * 3 + 3);
  const jpeg = await sharp(raw, { raw: { width: 20, height: 10, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  assert.is((await sharp(jpeg).metadata()).orientation, 6);
  await mkdir(path.join(ctx.dir, 'data', 'a'), { recursive: true });
  await mkdir(path.join(ctx.dir, 'data', 'b'), { recursive: true });
  await writeFile(path.join(ctx.dir, 'data', 'a', 'rotated.jpg'), jpeg);
  await writeFile(
    path.join(ctx.dir, 'data', 'b', 'plain.jpg'),
    await sharp(raw, { raw: { width: 20, height: 10, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer(),
  );

  const { readImage } = await import('../../src/io/read-image.ts');
  const own = await readImage(path.join(ctx.dir, 'data', 'a', 'rotated.jpg'), { channels: 1 });
  assert.equal(own.shape, [20, 10, 1], 'height 20, width 10 after rotation');

  // Through ingest at the rotated size: top rows dark, bottom rows bright.
  const { out } = await runAndLoad<ImageSet>(ctx, 'exif', m.pipeline('exif').stage(m.ingest.folder({ root: 'data', size: [20, 10], channels: 1 })), 'ingest');
  const i = out.samples.findIndex((s) => s.file === 'a/rotated.jpg');
  const img = (await pixelsOf(out)).subarray(i * 200, (i + 1) * 200);
  const rowMean = (y: number) => img.subarray(y * 10, y * 10 + 10).reduce((a, b) => a + b, 0) / 10;
  assert.ok(rowMean(1) < 40 && rowMean(18) > 215, `rows: top ${rowMean(1)}, bottom ${rowMean(18)}`);
});

Ingest('an empty or image-less data folder is a clear NO_SAMPLES error', async (ctx) => {
  const { m } = ctx;
  await mkdir(path.join(ctx.dir, 'data', 'a'), { recursive: true });
  await writeFile(path.join(ctx.dir, 'data', 'a', 'notes.txt'), 'x');
  const { done } = await runCollect(m.pipeline('empty').stage(m.ingest.folder({ root: 'data' })), opts(ctx));
  assert.is(done.error?.code, 'NO_SAMPLES');
  assert.match(done.error!.message, /No readable images found \(0 candidate files/);
  assert.match(done.error!.fix ?? '', /one folder per class/);
});

Ingest.run();
