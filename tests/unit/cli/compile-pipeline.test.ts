// A pipeline file compiled for the bundle (compile-pipeline.ts): its local imports inlined with
// import.meta naming each file, medpipe's entry point redirected, builtins imported, functions with
// the source text tsx gives them (they join cache keys), a fresh load evaluated again, and a file it
// cannot compile left to tsx (undefined).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { importCompiledPipeline } from '../../../src/cli/compile-pipeline.ts';
import { ROOT, removeDir, tempDir } from '../../helpers/core.ts';

const Compile = suite<{ dir: string }>('compile-pipeline: a pipeline file for the bundle, without loader hooks');
Compile.before.each(async (ctx) => {
  ctx.dir = await tempDir('compile-pipeline');
});
Compile.after.each(async (ctx) => removeDir(ctx.dir));

const INDEX = pathToFileURL(path.join(ROOT, 'src', 'index.ts')).href;

Compile('local imports inlined, import.meta per file, medpipe redirected, functions as tsx prints them', async ({ dir }) => {
  await mkdir(path.join(dir, 'lib'));
  const fake = path.join(dir, 'fake-medpipe.mjs');
  await writeFile(fake, 'export const marker = "the bundle";\n');
  await writeFile(path.join(dir, 'lib', 'helper.ts'), 'export const here: string = import.meta.url;\nexport const folder = import.meta.dirname;\n');
  const pipelineFile = path.join(dir, 'pipeline.ts');
  await writeFile(
    pipelineFile,
    `import { marker } from '${INDEX}';
import { join } from 'node:path';
import { here, folder } from './lib/helper.ts';
interface Shape { readonly size: number }
function double(shape: Shape): number {
  const inner = (x: number) => x * 2;
  return inner(shape.size);
}
export const fn = (inputShape: number[], scale: number): number => inputShape.length * scale + double({ size: 1 });
export default { marker, here, folder, self: import.meta.url, joined: join('a', 'b'), twice: double({ size: 3 }) };
`,
  );
  const compiled = await importCompiledPipeline(pipelineFile, new Map([[INDEX, pathToFileURL(fake).href]]));
  assert.ok(compiled, 'compiled');
  assert.equal(compiled!.default, {
    marker: 'the bundle',
    here: pathToFileURL(path.join(dir, 'lib', 'helper.ts')).href,
    folder: path.join(dir, 'lib'),
    self: pathToFileURL(pipelineFile).href,
    joined: 'a/b',
    twice: 6,
  });
  // The same file through tsx (this test runs under it): a function's text is part of a cache key.
  const viaTsx = (await import(pathToFileURL(pipelineFile).href)) as { fn: () => number };
  const compiledFn = (compiled as unknown as { fn: () => number }).fn;
  assert.is(compiledFn.toString(), viaTsx.fn.toString());
});

Compile('a fresh load evaluates the file again, a plain one does not; what esbuild cannot resolve is left to tsx', async ({ dir }) => {
  const file = path.join(dir, 'p.ts');
  const global = globalThis as { compileCount?: number };
  global.compileCount = 0;
  await writeFile(file, 'const g = globalThis as { compileCount?: number };\ng.compileCount = (g.compileCount ?? 0) + 1;\nexport default g.compileCount;\n');
  assert.is((await importCompiledPipeline(file, new Map()))!.default, 1);
  assert.is((await importCompiledPipeline(file, new Map()))!.default, 1, 'the same text: the same module');
  assert.is((await importCompiledPipeline(file, new Map(), { fresh: true }))!.default, 2);
  assert.is((await importCompiledPipeline(file, new Map(), { fresh: true }))!.default, 3);
  const broken = path.join(dir, 'broken.ts');
  await writeFile(broken, "import { x } from './missing-module.ts';\nexport default x;\n");
  assert.is(await importCompiledPipeline(broken, new Map()), undefined);
});

Compile.run();
