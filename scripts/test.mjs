#!/usr/bin/env node
// `npm test`: type-checks everything (including the @ts-expect-error stage-order tests), then runs
// the uvu suites, streaming their output, and ends with one summary line "N passed, M failed".
import { spawn } from 'node:child_process';

function run(command, args) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => process.stderr.write(chunk));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

const pattern = process.argv[2] ?? '\\.test\\.tsx?$';
const types = await run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
if (types.code !== 0) {
  console.log('types: tsc --noEmit failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
console.log('types: tsc --noEmit passed (stage-order type tests included)');
const tests = await run('npx', ['uvu', '-r', 'tsx', 'tests', pattern]);
const plain = tests.output.replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const failed = tests.code === 0 ? total - passed - skipped : Math.max(1, total - passed - skipped);
console.log(`${passed + 1} passed, ${failed} failed, ${skipped} skipped`);
process.exit(tests.code === 0 && failed === 0 ? 0 : 1);
