/** Image/mask pairing by template, ingest into the store (records read back equal), size mismatches named, whole-image splits. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pairSegmentationFiles } from '../../../src/data/segmentation-listing.ts';
import { ingestSegmentation, readSegmentationSamples } from '../../../src/data/segmentation-set.ts';
import { splitSegmentation } from '../../../src/data/segmentation-split.ts';
import { failure, throwsCode } from '../../helpers/expect-error.ts';

const S = suite<{ dir: string }>('segmentation data', { dir: '' });
S.before.each((ctx) => {
  ctx.dir = mkdtempSync(path.join(tmpdir(), 'medpipe-segdata-'));
});
S.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const png = (file: string, values: number[], w: number, h: number) => {
  mkdirSync(path.dirname(file), { recursive: true });
  return sharp(Buffer.from(values), { raw: { width: w, height: h, channels: 1 } }).png().toFile(file);
};
const env = (dir: string) => ({ objectsDir: path.join(dir, 'objects'), hash: async (f: string) => (f.length.toString(16) + '0'.repeat(64)).slice(0, 64) });

S('pairs by template across folders; a missing mask names the image and the expected path', async ({ dir }) => {
  for (const id of ['21', '22']) {
    await png(path.join(dir, 'images', `${id}_training.png`), [0, 50, 100, 150], 2, 2);
    await png(path.join(dir, 'manual', `${id}_manual1.png`), [0, 255, 255, 0], 2, 2);
  }
  writeFileSync(path.join(dir, 'images', 'README.txt'), 'not an image');
  const source = { images: 'images', masks: 'manual', match: { image: '{id}_training.png', mask: '{id}_manual1.png' }, split: 'train' as const };
  const pairs = pairSegmentationFiles([source], dir);
  assert.equal(
    pairs.map((p) => [p.id, path.basename(p.mask), p.split]),
    [
      ['images/21_training.png', '21_manual1.png', 'train'],
      ['images/22_training.png', '22_manual1.png', 'train'],
    ],
  );
  rmSync(path.join(dir, 'manual', '22_manual1.png'));
  throwsCode(() => pairSegmentationFiles([source], dir), 'DATA_NOT_FOUND', /22_training\.png has no mask: expected .*manual\/22_manual1\.png/);
});

S('ingest stores image, mask and ROI records that read back equal; a mask of another size is an error naming both files', async ({ dir }) => {
  await png(path.join(dir, 'img', 'a.png'), [10, 20, 30, 40, 50, 60], 3, 2);
  await png(path.join(dir, 'msk', 'a.png'), [0, 255, 0, 255, 0, 0], 3, 2);
  await png(path.join(dir, 'roi', 'a.png'), [255, 255, 255, 0, 255, 255], 3, 2);
  const pairs = pairSegmentationFiles([{ images: 'img', masks: 'msk', roi: 'roi' }], dir);
  const set = await ingestSegmentation(pairs, { sources: [], channels: 1 }, env(dir));
  assert.equal(set.shape, [2, 3, 1]);
  const [s] = readSegmentationSamples(set, [0]);
  assert.equal(Array.from(s!.mask), [0, 1, 0, 1, 0, 0]);
  assert.equal(Array.from(s!.roi!), [1, 1, 1, 0, 1, 1]);
  assert.equal(Array.from(s!.pixels), Array.from(Float32Array.from([10, 20, 30, 40, 50, 60], (v) => v / 255)));
  await png(path.join(dir, 'msk', 'a.png'), [0, 255, 0, 255], 2, 2);
  const error = await failure(() => ingestSegmentation(pairs, { sources: [], channels: 1 }, env(dir)));
  assert.is(error.code, 'SHAPE_MISMATCH');
  assert.match(error.message, /msk\/a\.png is 2x2 but its image .*img\/a\.png is 3x2/);
});

S('resizing: images bilinear, masks nearest (labels stay 0/1)', async ({ dir }) => {
  await png(path.join(dir, 'img', 'a.png'), Array.from({ length: 64 }, (_, i) => i * 4), 8, 8);
  await png(path.join(dir, 'msk', 'a.png'), Array.from({ length: 64 }, (_, i) => (i % 8 < 4 ? 0 : 255)), 8, 8);
  const pairs = pairSegmentationFiles([{ images: 'img', masks: 'msk' }], dir);
  const set = await ingestSegmentation(pairs, { sources: [], channels: 1, size: [4, 4] }, env(dir));
  const [s] = readSegmentationSamples(set, [0]);
  assert.equal(Array.from(s!.mask), [0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
});

S('split: the data split is kept, validation carved from train (seeded), whole images only', () => {
  const samples = [...Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, split: 'train' as const })), ...Array.from({ length: 5 }, (_, i) => ({ id: `x${i}`, split: 'test' as const }))];
  const set = { classes: ['bg', 'fg'], shape: [4, 4, 1] as const, spacing: [1, 1] as const, samples, objectsDir: '' } as never;
  const a = splitSegmentation(set, { valFromTrain: 0.2 }, 1);
  const b = splitSegmentation(set, { valFromTrain: 0.2 }, 1);
  assert.equal(a.splits, b.splits);
  assert.is(a.splits!.val.length, 2);
  assert.is(a.splits!.train.length, 8);
  assert.equal(a.splits!.test, [10, 11, 12, 13, 14]);
  assert.ok(a.splits!.val.every((i) => i < 10));
});

S('a CSV of pairs (relative paths, split, group); groups never span two splits', async ({ dir }) => {
  const lines = ['image,mask,split,group'];
  for (let i = 0; i < 12; i++) {
    await png(path.join(dir, 'd', 'img', `${i}.png`), [i, i, i, i], 2, 2);
    await png(path.join(dir, 'd', 'msk', `${i}.png`), [0, 255, 0, 0], 2, 2);
    lines.push(`img/${i}.png,msk/${i}.png,${i === 0 ? 'test' : ''},patient${Math.floor(i / 3)}`);
  }
  writeFileSync(path.join(dir, 'd', 'pairs.csv'), lines.join('\n'));
  const pairs = pairSegmentationFiles([{ csv: 'd/pairs.csv' }], dir);
  assert.equal([pairs[0]!.id, pairs[0]!.split, pairs[0]!.group, path.basename(pairs[0]!.mask)], ['img/0.png', 'test', 'patient0', '0.png']);
  const set = await ingestSegmentation(pairs, { sources: [], channels: 1 }, env(dir));
  for (const seed of [1, 2, 3]) {
    const split = splitSegmentation(set, { fractions: { train: 0.5, val: 0.25, test: 0.25 } }, seed).splits!;
    const where = new Map<string, Set<string>>();
    for (const name of ['train', 'val', 'test'] as const) for (const row of split[name]) where.set(set.samples[row]!.group!, (where.get(set.samples[row]!.group!) ?? new Set()).add(name));
    for (const [group, names] of where) if (group !== 'patient0') assert.is(names.size, 1, `${group} in ${[...names]}`);
    assert.ok(split.test.includes(0));
  }
  writeFileSync(path.join(dir, 'd', 'bad.csv'), 'image,mask,split\nimg/1.png,msk/1.png,later\n');
  throwsCode(() => pairSegmentationFiles([{ csv: 'd/bad.csv' }], dir), 'INVALID_CONFIG', /bad\.csv row 2: split 'later' is not train, val or test/);
});

S.run();
