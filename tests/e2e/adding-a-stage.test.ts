// docs/adding-a-stage.md, followed word for word: its code blocks are written into a copy of the
// project exactly as the guide says (two files, one line in src/stages/all.ts, one export), then the
// copy type-checks, keeps the import direction, runs a pipeline with the new stage (and serves it from
// cache on the rerun), and `medpipe check` names a misspelled option of it. Without the list line the
// factory does not compile, with a message that says where the line goes.
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeClassFolders, removeDir, tempDir } from '../helpers/core.ts';
import { ROOT } from '../helpers/paths.ts';

interface Block {
  readonly file: string;
  readonly append: boolean;
  readonly code: string;
}

/** The guide's code blocks that name a file: ```ts file=src/stages/limit.ts [mode=append] */
function guideBlocks(): Block[] {
  const text = readFileSync(path.join(ROOT, 'docs', 'adding-a-stage.md'), 'utf8');
  return [...text.matchAll(/^```ts file=(\S+)( mode=append)?\n([\s\S]*?)^```$/gm)].map((m) => ({ file: m[1]!, append: Boolean(m[2]), code: m[3]! }));
}

function run(command: string, args: readonly string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd, env: { ...process.env, CI: 'true', MEDPIPE_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

const tsc = (dir: string) => run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.json'], dir);
const medpipe = (dir: string, ...args: string[]) => run(process.execPath, [path.join(dir, 'bin', 'medpipe.js'), ...args], dir);

const Guide = suite<{ dir: string }>('docs/adding-a-stage.md, followed word for word');

Guide.before.each(async (ctx) => {
  ctx.dir = await tempDir('guide');
  for (const part of ['src', 'bin', 'scripts', 'package.json']) cpSync(path.join(ROOT, part), path.join(ctx.dir, part), { recursive: true });
  writeFileSync(
    path.join(ctx.dir, 'tsconfig.json'),
    JSON.stringify({ ...JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')), include: ['src', 'pipelines'] }),
  );
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(ctx.dir, 'node_modules'), 'dir');
});
Guide.after.each(async (ctx) => removeDir(ctx.dir));

Guide('two files, one list line, one export: the new stage type-checks, runs, caches and is validated', async ({ dir }) => {
  const blocks = guideBlocks();
  assert.equal(
    blocks.map((b) => `${b.file}${b.append ? ' +' : ''}`),
    ['src/stages/limit.ts', 'src/stages/limit.run.ts', 'src/stages/all.ts +', 'src/index.ts +', 'pipelines/limited.ts'],
    'the guide adds two files, appends one line to the list and one export, and shows a pipeline',
  );
  assert.is(
    blocks
      .filter((b) => b.append)
      .map((b) => b.code.trim().split('\n').length)
      .join(','),
    '1,1',
    'one line each',
  );
  for (const block of blocks) {
    mkdirSync(path.dirname(path.join(dir, block.file)), { recursive: true });
    if (block.append) appendFileSync(path.join(dir, block.file), block.code);
    else writeFileSync(path.join(dir, block.file), block.code);
  }
  await makeClassFolders(path.join(dir, 'data', 'limited'), 10, { size: 8 });

  const types = await tsc(dir);
  assert.is(types.code, 0, types.out);
  const imports = await run(process.execPath, ['scripts/check-imports.mjs'], dir);
  assert.is(imports.code, 0, imports.out);

  const args = ['run', 'pipelines/limited.ts', '--plain', '--cache', 'cache', '--out', 'out'];
  const first = await medpipe(dir, ...args);
  assert.is(first.code, 0, first.out);
  assert.match(first.out, /\[limit\] done in [^:]+: 8 images kept/, 'ten per class in, four per class out');
  assert.match(first.out, /\[split\] done/);
  const second = await medpipe(dir, ...args);
  assert.is(second.code, 0, second.out);
  assert.match(second.out, /\[limit\] cached/);
  const status = await medpipe(dir, 'status', 'pipelines/limited.ts', '--cache', 'cache');
  assert.match(status.out, /^limit\s+cached [0-9a-f]{10}$/m, status.out);

  // The guide's own example of a misspelled option.
  writeFileSync(path.join(dir, 'pipelines', 'typo.ts'), blocks.at(-1)!.code.replace('perClass: 4', 'perClas: 4'));
  const check = await medpipe(dir, 'check', 'pipelines/typo.ts');
  assert.is(check.code, 1, check.out);
  assert.match(check.out, /limit\.perClas: is not an option here \(did you mean 'perClass'\?\)/);
  assert.match(check.out, /pipelines\/typo\.ts:\d+:\d+ - TS2561: .*'perClas' does not exist/);

  // Without the list line, the factory does not compile, and the message says where the line goes.
  const list = path.join(dir, 'src', 'stages', 'all.ts');
  writeFileSync(list, readFileSync(list, 'utf8').replace(blocks[2]!.code, ''));
  const unlisted = await tsc(dir);
  assert.is(unlisted.code, 2, unlisted.out);
  assert.match(unlisted.out, /stage kind 'limit' is not listed in src\/stages\/all\.ts/);
});

Guide.run();
