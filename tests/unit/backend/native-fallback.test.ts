/**
 * Install and fallback: the build script never fails `npm install` (exit 0 with a one-line reason), and
 * without the addon loadNativeBackend() reports why and how to get it instead of throwing. Runs against a
 * throwaway copy of native/ and src/backend/, so the real build is untouched.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../../helpers/paths.ts';

const root = ROOT;
const test = suite('native install fallback');
let dir = '';

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'medpipe-native-'));
  const built = join(root, 'native', 'build');
  cpSync(join(root, 'native'), join(dir, 'native'), { recursive: true, filter: (p) => p !== built && !p.startsWith(`${built}/`) });
  cpSync(join(root, 'src'), join(dir, 'src'), { recursive: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

function build(env: Record<string, string> = {}): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(dir, 'native/build.mjs')], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** loadNativeBackend() in a fresh process of the copy, as the lead's backend selection would call it. */
function loadResult(): { ok: boolean; reason?: string; fix?: string } {
  const script = join(dir, 'probe.ts');
  writeFileSync(script, "import { loadNativeBackend } from './src/backend/native.ts';\nconsole.log(JSON.stringify(await loadNativeBackend()));\n");
  const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
  const r = spawnSync(process.execPath, [tsx, script], { encoding: 'utf8', cwd: dir });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('a skipped build exits 0, says why in one line, and the loader reports it with the fix', () => {
  const r = build({ MEDPIPE_SKIP_NATIVE: '1' });
  assert.is(r.status, 0);
  const lines = r.out.trim().split('\n');
  assert.is(lines.length, 1, r.out);
  assert.match(lines[0], /native backend not built \(skipped by MEDPIPE_SKIP_NATIVE=1\).*apt-get install libdnnl-dev libopenblas-dev/);
  const load = loadResult();
  assert.is(load.ok, false);
  assert.match(load.reason!, /addon not built: skipped by MEDPIPE_SKIP_NATIVE=1/);
  assert.match(load.fix!, /apt-get install libdnnl-dev libopenblas-dev.*node native\/build\.mjs/);
});

test('a compile error still exits 0 and is recorded for the runtime message', () => {
  writeFileSync(join(dir, 'native/src/pool.cc'), 'this is not C++\n');
  // Only the broken file, so the failure comes in a second instead of after compiling everything else.
  const gyp = join(dir, 'native/binding.gyp');
  writeFileSync(gyp, readFileSync(gyp, 'utf8').replace(/"sources": \[[^\]]*\]/, '"sources": ["src/pool.cc"]'));
  const r = build();
  assert.is(r.status, 0, r.out);
  assert.match(r.out, /native backend not built \(compile failed: /);
  const status = JSON.parse(readFileSync(join(dir, 'native/build/status.json'), 'utf8'));
  assert.is(status.ok, false);
  assert.ok(!existsSync(join(dir, 'native/build/Release/medpipe_native.node')));
  const load = loadResult();
  assert.is(load.ok, false);
  assert.match(load.reason!, /addon not built: compile failed/);
});

test('MEDPIPE_NATIVE=0 turns the backend off with a reason', () => {
  const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
  const script = join(dir, 'probe.ts');
  writeFileSync(script, "import { loadNativeBackend } from './src/backend/native.ts';\nconsole.log(JSON.stringify(await loadNativeBackend()));\n");
  const r = spawnSync(process.execPath, [tsx, script], { encoding: 'utf8', cwd: dir, env: { ...process.env, MEDPIPE_NATIVE: '0' } });
  const load = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(load, { ok: false, reason: 'disabled by MEDPIPE_NATIVE=0', fix: 'unset MEDPIPE_NATIVE' });
});

test.run();
