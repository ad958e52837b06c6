// The import-direction check that `npm test` runs (scripts/check-imports.mjs): clean on the real
// tree, and failing, with the file named, on a copy with one deliberately wrong import.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../../helpers/paths.ts';

const SCRIPT = path.join(ROOT, 'scripts', 'check-imports.mjs');

function check(srcDir: string): { status: number | null; out: string } {
  const run = spawnSync(process.execPath, [SCRIPT, srcDir], { encoding: 'utf8' });
  return { status: run.status, out: run.stdout + run.stderr };
}

interface Ctx {
  dir: string;
}
const Imports = suite<Ctx>('import direction: base ← library ← stages ← runtime ← view ← entry');

Imports.before.each((ctx) => {
  ctx.dir = mkdtempSync(path.join(tmpdir(), 'medpipe-imports-'));
  cpSync(path.join(ROOT, 'src'), path.join(ctx.dir, 'src'), { recursive: true });
});
Imports.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

Imports('the real tree holds the direction and has no folder cycles', (ctx) => {
  const { status, out } = check(path.join(ctx.dir, 'src'));
  assert.is(status, 0, out);
  assert.match(out, /holds, no folder cycles/);
});

Imports('an inverted import (base → runtime) fails the check and names the file', (ctx) => {
  appendFileSync(path.join(ctx.dir, 'src', 'base', 'errors.ts'), "\nexport type { RunEvent } from '../runtime/events.ts';\n");
  const { status, out } = check(path.join(ctx.dir, 'src'));
  assert.is(status, 1, out);
  assert.match(out, /base\/errors\.ts imports runtime\/events\.ts: base \(base\) must not depend on runtime \(runtime, a higher layer\)/);
});

Imports('a type-only import counts too (stages → runtime)', (ctx) => {
  appendFileSync(path.join(ctx.dir, 'src', 'stages', 'split.ts'), "\nimport type { Session } from '../runtime/session.ts';\nexport type S = Session;\n");
  const { status, out } = check(path.join(ctx.dir, 'src'));
  assert.is(status, 1, out);
  assert.match(out, /stages\/split\.ts imports runtime\/session\.ts/);
});

Imports('a cycle between two library folders fails the check', (ctx) => {
  // metrics → train is allowed on its own (same layer); with train → metrics already there it is a cycle.
  appendFileSync(path.join(ctx.dir, 'src', 'metrics', 'log-loss.ts'), "\nexport type { Trained } from '../train/trained.ts';\n");
  const { status, out } = check(path.join(ctx.dir, 'src'));
  assert.is(status, 1, out);
  assert.match(out, /folders metrics, train import each other \(a cycle\)/);
});

Imports('a stage implementation imported by anything but its definition fails the check', (ctx) => {
  writeFileSync(path.join(ctx.dir, 'src', 'stages', 'helper.ts'), "export { default } from './fit.run.ts';\n");
  const { status, out } = check(path.join(ctx.dir, 'src'));
  assert.is(status, 1, out);
  assert.match(out, /stages\/helper\.ts imports stages\/fit\.run\.ts: only its definition \(stages\/fit\.ts\) may load a \.run\.ts file/);
});

Imports('a new top-level folder must be given a layer', (ctx) => {
  cpSync(path.join(ctx.dir, 'src', 'base', 'rng.ts'), path.join(ctx.dir, 'src', 'plugins.ts'));
  writeFileSync(path.join(ctx.dir, 'src', 'base', 'extra.ts'), "export * from '../plugins.ts';\n");
  const { status, out } = check(path.join(ctx.dir, 'src'));
  assert.is(status, 1, out);
  assert.match(out, /'plugins\.ts' is in no layer of scripts\/check-imports\.mjs; add it to LAYERS/);
});

Imports.run();
