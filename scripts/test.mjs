#!/usr/bin/env node
// `npm test`: two checks, then every uvu suite under tests/ (unit/ and e2e/), streaming their output.
//   checks: `tsc --noEmit` (which includes the @ts-expect-error stage-order type tests) and the import
//           direction (scripts/check-imports.mjs); each is reported as a check, not counted as a test.
//   tests:  the closing line counts tests only: "N passed, M failed, K skipped".
// A test whose precondition is missing (no real data, no scikit-learn, no native addon) is skipped
// with its reason (tests/helpers/requires.ts); under CI=true a skip is a failure.
//   node scripts/test.mjs [pattern]     e.g. node scripts/test.mjs 'unit/metrics'
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function run(command, args) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
      process.stderr.write(chunk);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

const pattern = process.argv[2] ? `${process.argv[2]}.*\\.test\\.tsx?$` : '\\.test\\.tsx?$';
const ci = process.env.CI === 'true';

const types = await run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
const imports = await run(process.execPath, ['scripts/check-imports.mjs']);
const tests = await run('npx', ['uvu', '-r', 'tsx', 'tests', pattern]);

const plain = tests.output.replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
// uvu stops at a file that throws while loading: that is a failure even if no test counted it.
const failed = Math.max(total - passed - skipped, tests.code === 0 ? 0 : 1);

const checks = [
  ['types (tsc --noEmit)', types.code === 0],
  ['imports (scripts/check-imports.mjs)', imports.code === 0],
];
console.log(`checks: ${checks.map(([name, ok]) => `${name} ${ok ? 'passed' : 'FAILED'}`).join(', ')}`);
const reasons = [...new Set([...plain.matchAll(/^\s*skipped: (.*)$/gm)].map((m) => m[1]))];
if (skipped > 0) console.log(`skipped tests, and why:\n${reasons.map((r) => `  - ${r}`).join('\n') || '  (see above)'}`);
if (ci && skipped > 0) console.log(`CI=true: ${skipped} test(s) skipped; CI must provide what they need, so this run fails.`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
const ok = checks.every(([, good]) => good) && failed === 0 && !(ci && skipped > 0);
process.exit(ok ? 0 : 1);
