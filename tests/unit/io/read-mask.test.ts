/** Mask reading: binary and label maps through sharp (PNG, GIF), nearest-neighbour resizing, size mismatches named. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkMaskMatches, readMask, resizeNearest } from '../../../src/io/read-mask.ts';
import { failure, throwsCode } from '../../helpers/expect-error.ts';

const S = suite<{ dir: string }>('read-mask', { dir: '' });
S.before.each((ctx) => {
  ctx.dir = mkdtempSync(path.join(tmpdir(), 'medpipe-mask-'));
});
S.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const grey = (values: number[], w: number, h: number) => sharp(Buffer.from(values), { raw: { width: w, height: h, channels: 1 } });

S('binary masks threshold at 128 (0/255 PNG and GIF); label maps keep their values', async ({ dir }) => {
  await grey([0, 255, 255, 0, 3, 253], 3, 2).png().toFile(path.join(dir, 'm.png'));
  await grey([0, 255, 255, 0, 3, 253], 3, 2).gif().toFile(path.join(dir, 'm.gif'));
  for (const f of ['m.png', 'm.gif']) assert.equal(Array.from((await readMask(path.join(dir, f))).data), [0, 1, 1, 0, 0, 1], f);
  await grey([0, 1, 2, 2, 1, 0], 3, 2).png().toFile(path.join(dir, 'l.png'));
  const labels = await readMask(path.join(dir, 'l.png'), { kind: 'labels', classes: 3 });
  assert.equal([labels.height, labels.width, ...labels.data], [2, 3, 0, 1, 2, 2, 1, 0]);
  const error = await failure(() => readMask(path.join(dir, 'l.png'), { kind: 'labels', classes: 2 }));
  assert.match(error.message, /l\.png: pixel value 2 is not a class index/);
  writeFileSync(path.join(dir, 'bad.png'), 'not an image');
  assert.is((await failure(() => readMask(path.join(dir, 'bad.png')))).code, 'BAD_FILE');
});

S('nearest-neighbour resize keeps labels (no value between classes appears)', () => {
  const mask = { height: 2, width: 2, data: Uint8Array.from([0, 3, 5, 7]) };
  const up = resizeNearest(mask, 4, 4);
  assert.equal(Array.from(up.data), [0, 0, 3, 3, 0, 0, 3, 3, 5, 5, 7, 7, 5, 5, 7, 7]);
  const down = resizeNearest(up, 2, 2);
  assert.equal(Array.from(down.data), [0, 3, 5, 7]);
  assert.ok(resizeNearest({ height: 7, width: 5, data: Uint8Array.from({ length: 35 }, (_, i) => i % 3) }, 3, 9).data.every((v) => v <= 2));
});

S('a mask whose size differs from its image is an error naming both files', () => {
  throwsCode(
    () => checkMaskMatches({ height: 4, width: 5, data: new Uint8Array(20) }, 'masks/a.gif', { height: 4, width: 6 }, 'images/a.tif'),
    'SHAPE_MISMATCH',
    /masks\/a\.gif is 5x4 but its image images\/a\.tif is 6x4/,
  );
});

S.run();
