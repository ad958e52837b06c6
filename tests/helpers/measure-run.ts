// Runs a pipeline file in this process and prints one JSON line: ok, the error, wall seconds and
// peak RSS (every thread of the process: the loader's and ingest's workers included). For tests
// that bound memory from the outside, in a process of their own.
//   node --import tsx tests/helpers/measure-run.ts <pipeline.ts> <cacheDir> <outDir>
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runToCompletion } from '../../src/runtime/run.ts';
import type { Pipeline } from '../../src/pipeline.ts';

const [file, cacheDir, outDir] = process.argv.slice(2);
const pipeline = (await import(pathToFileURL(path.resolve(file!)).href)).default as Pipeline<unknown>;
const started = performance.now();
let decoded: number | undefined;
const done = await runToCompletion(pipeline, { cacheDir, outDir, baseDir: path.dirname(path.resolve(file!)) }, (e) => {
  if (e.type === 'log' && e.stage === 'ingest') decoded = Number(/: (\d+) decoded,/.exec(e.message)?.[1] ?? decoded);
});
console.log(
  JSON.stringify({
    ok: done.ok,
    error: done.error?.message,
    seconds: (performance.now() - started) / 1000,
    decoded,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
process.exit(0);
