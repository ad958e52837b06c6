// The folder walk behind ingest.folder lists what fast-glob's '**/*' (onlyFiles, dot: false,
// followSymbolicLinks) listed, on a tree with hidden files and folders, linked files and folders
// and a broken link; a link cycle ends; a missing root lists nothing. The codec's scanTree (listing
// and stat on two threads) gives the same files in sort() order with statSync's numbers.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import { filesUnder, sortedFilesUnder } from '../../../src/data/files-under.ts';
import { nativeCodec } from '../../../src/io/native-codec.ts';
import { removeDir, tempDir } from '../../helpers/core.ts';
import { requirement, requires } from '../../helpers/requires.ts';

const Walk = suite<{ dir: string }>('filesUnder: the files fast-glob listed, walked directly');
Walk.before.each(async (ctx) => {
  ctx.dir = await tempDir('walk');
});
Walk.after.each(async (ctx) => removeDir(ctx.dir));

const sorted = (x: string[]) => [...x].sort();

/** Hidden names, linked files and folders, a broken link, and (fast-glob walks it until the path is too long) a link cycle. */
async function linkedTree(dir: string, options: { cycle: boolean } = { cycle: true }): Promise<string> {
  const root = path.join(dir, 'data');
  const other = path.join(dir, 'elsewhere');
  for (const d of ['a/deep/er', 'b', '.hidden', 'a/.cache']) await mkdir(path.join(root, d), { recursive: true });
  await mkdir(other, { recursive: true });
  for (const f of ['a/1.png', 'a/deep/2.png', 'a/deep/er/3.dcm', 'b/4', 'b/.5.png', '.hidden/6.png', 'a/.cache/7.png', 'top.txt']) await writeFile(path.join(root, f), 'x');
  await writeFile(path.join(other, 'linked.png'), 'xy');
  await writeFile(path.join(other, 'inside.png'), 'x');
  await symlink(path.join(other, 'linked.png'), path.join(root, 'b', 'link.png'));
  await symlink(other, path.join(root, 'linkdir'));
  await symlink(path.join(other, 'missing.png'), path.join(root, 'b', 'broken.png'));
  if (options.cycle) await symlink(path.join(root, 'a'), path.join(root, 'a', 'deep', 'up'));
  return root;
}

/** statSync(path, { bigint: true })'s size, mtime ns, ctime ns, inode for each file, as the listing stores them. */
function statsOf(root: string, rels: readonly string[]): bigint[] {
  return rels.flatMap((rel) => {
    const s = statSync(path.join(root, rel), { bigint: true });
    return [s.size, s.mtimeNs, s.ctimeNs, BigInt.asIntN(64, s.ino)];
  });
}

Walk('same files as fast-glob: hidden names, linked files and folders, a broken link', async ({ dir }) => {
  const root = await linkedTree(dir, { cycle: false });
  const expected = await fg('**/*', { cwd: root, onlyFiles: true, dot: false, followSymbolicLinks: true });
  assert.equal(sorted(await filesUnder(root)), sorted(expected));
  assert.ok(expected.includes('linkdir/inside.png') && expected.includes('b/link.png') && !expected.includes('b/broken.png'));
});

Walk('a link back to an ancestor is walked once, a missing root lists nothing', async ({ dir }) => {
  const root = path.join(dir, 'data');
  await mkdir(path.join(root, 'a', 'b'), { recursive: true });
  await writeFile(path.join(root, 'a', 'b', 'x.png'), 'x');
  await symlink(path.join(root, 'a'), path.join(root, 'a', 'b', 'up'));
  assert.equal(await filesUnder(root), ['a/b/x.png']);
  assert.equal(await filesUnder(path.join(dir, 'nothing-here')), []);
});

const it = requires(Walk, requirement(nativeCodec()?.scanTree !== undefined, 'the codec addon is not built with scanTree (node native/codec/build.mjs)'));

it('scanTree: the same files in sort() order, with their stats, on 1 or 2 threads', async ({ dir }) => {
  const root = await linkedTree(dir);
  // Names whose UTF-8 byte order and UTF-16 order differ (U+FF01 against U+1F600): sorted like sort().
  await writeFile(path.join(root, 'b', '\uFF01.png'), 'x');
  await writeFile(path.join(root, 'b', '\u{1F600}.png'), 'x');
  for (let i = 0; i < 40; i++) await writeFile(path.join(root, 'a', `f${i}.png`), 'x'.repeat(i));
  const expected = (await filesUnder(root)).sort();
  for (const threads of [1, 2]) {
    const scan = nativeCodec()!.scanTree!;
    const found = await sortedFilesUnder(root, (r) => scan(r, threads));
    assert.equal(found.rels, expected, `${threads} thread(s)`);
    assert.equal([...found.stats!], statsOf(root, expected));
  }
  const raw = await nativeCodec()!.scanTree!(root, 2);
  assert.is(raw.sorted, false, 'a name outside the BMP: left to sort() in JavaScript');
});

it('scanTree: a missing root lists nothing; without the codec the walk is filesUnder sorted, no stats', async ({ dir }) => {
  assert.equal(await sortedFilesUnder(path.join(dir, 'nothing-here')), { rels: [], stats: new BigInt64Array(0) });
  const root = await linkedTree(dir);
  assert.equal(await sortedFilesUnder(root, null), { rels: (await filesUnder(root)).sort() });
  const raw = await nativeCodec()!.scanTree!(root, 2);
  assert.is(raw.sorted, true);
});

Walk.run();
