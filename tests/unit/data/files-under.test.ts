// The folder walk behind ingest.folder lists what fast-glob's '**/*' (onlyFiles, dot: false,
// followSymbolicLinks) listed, on a tree with hidden files and folders, linked files and folders
// and a broken link; a link cycle ends; a missing root lists nothing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import { filesUnder } from '../../../src/data/files-under.ts';
import { removeDir, tempDir } from '../../helpers/core.ts';

const Walk = suite<{ dir: string }>('filesUnder: the files fast-glob listed, walked directly');
Walk.before.each(async (ctx) => {
  ctx.dir = await tempDir('walk');
});
Walk.after.each(async (ctx) => removeDir(ctx.dir));

const sorted = (x: string[]) => [...x].sort();

Walk('same files as fast-glob: hidden names, linked files and folders, a broken link', async ({ dir }) => {
  const root = path.join(dir, 'data');
  const other = path.join(dir, 'elsewhere');
  for (const d of ['a/deep/er', 'b', '.hidden', 'a/.cache']) await mkdir(path.join(root, d), { recursive: true });
  await mkdir(other, { recursive: true });
  for (const f of ['a/1.png', 'a/deep/2.png', 'a/deep/er/3.dcm', 'b/4', 'b/.5.png', '.hidden/6.png', 'a/.cache/7.png', 'top.txt']) await writeFile(path.join(root, f), 'x');
  await writeFile(path.join(other, 'linked.png'), 'x');
  await writeFile(path.join(other, 'inside.png'), 'x');
  await symlink(path.join(other, 'linked.png'), path.join(root, 'b', 'link.png'));
  await symlink(other, path.join(root, 'linkdir'));
  await symlink(path.join(other, 'missing.png'), path.join(root, 'b', 'broken.png'));
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

Walk.run();
