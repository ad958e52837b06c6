// writeFileAtomic (and its small synchronous form): the new content or the old one, never a torn
// file, and no temp file left behind.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileAtomic, writeFileAtomicSync } from '../../../src/base/atomic.ts';

const Atomic = suite<{ dir: string }>('atomic writes');
Atomic.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'medpipe-atomic-'));
});
Atomic.after.each(async (ctx) => rm(ctx.dir, { recursive: true, force: true }));

Atomic('writes text and bytes, creating folders, and leaves only the file', async ({ dir }) => {
  const file = path.join(dir, 'a', 'b', 'x.json');
  await writeFileAtomic(file, '{"v":1}');
  assert.is(await readFile(file, 'utf8'), '{"v":1}');
  await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
  assert.equal([...(await readFile(file))], [1, 2, 3]);
  assert.equal(await readdir(path.dirname(file)), ['x.json']);
});

Atomic('writes pieces (text as UTF-8, bytes as they are) one after the other', async ({ dir }) => {
  const file = path.join(dir, 'pieces.txt');
  await writeFileAtomic(
    file,
    (function* () {
      yield 'é𝄞';
      yield new Uint8Array([0x41, 0x42]);
      yield 'x'.repeat(100_000);
    })(),
  );
  assert.is(await readFile(file, 'utf8'), `é𝄞AB${'x'.repeat(100_000)}`);
});

Atomic('replaces an existing file whole', async ({ dir }) => {
  const file = path.join(dir, 'x.txt');
  await writeFile(file, 'old content that is longer than the new one');
  await writeFileAtomic(file, 'new');
  assert.is(await readFile(file, 'utf8'), 'new');
});

Atomic('a rename that fails keeps the old content and removes its temp file', async ({ dir }) => {
  // The target is a non-empty folder: the rename over it fails.
  const target = path.join(dir, 'busy');
  await mkdir(target);
  await writeFile(path.join(target, 'inside'), 'kept');
  const failed = await writeFileAtomic(target, 'x').then(
    () => false,
    () => true,
  );
  assert.ok(failed, 'the write over a folder fails');
  assert.equal(await readdir(dir), ['busy']);
  assert.is(await readFile(path.join(target, 'inside'), 'utf8'), 'kept');
});

Atomic('writeFileAtomicSync: makes the folder, replaces the file whole, makes the folder again when it is removed', async ({ dir }) => {
  const file = path.join(dir, 'records', 'ab', 'abc');
  writeFileAtomicSync(file, new Uint8Array([1, 2, 3]));
  assert.equal([...(await readFile(file))], [1, 2, 3]);
  writeFileAtomicSync(file, new Uint8Array([4]));
  assert.equal([...(await readFile(file))], [4]);
  assert.equal(await readdir(path.dirname(file)), ['abc'], 'no temp file left');
  // The folder it made before is gone (a cache cleared): made again, not an ENOENT.
  await rm(path.join(dir, 'records'), { recursive: true });
  writeFileAtomicSync(file, new Uint8Array([5, 6]));
  assert.equal([...(await readFile(file))], [5, 6]);
  // A rename over a non-empty folder fails: the folder is kept and the temp file removed.
  await mkdir(path.join(dir, 'records', 'ab', 'busy', 'x'), { recursive: true });
  assert.throws(() => writeFileAtomicSync(path.join(dir, 'records', 'ab', 'busy'), new Uint8Array([7])));
  assert.equal((await readdir(path.dirname(file))).sort(), ['abc', 'busy']);
});

Atomic.run();
