/**
 * Runs the scale pipeline (scale-pipeline.ts) on `root` into `cacheDir` in this process and prints
 * one JSON line: wall seconds since Node started (process.uptime: Node start and module loading
 * included), seconds to the end of ingest, ingest's decode count, per-stage seconds, peak RSS
 * (every thread of the process), and whether it succeeded.
 *   npx tsx bench/data/pipeline-child.ts <root> <cacheDir> [--until <stage>]
 */
import { join } from 'node:path';
import { runToCompletion } from '../../src/runtime/run.ts';
import { scalePipeline } from './scale-pipeline.ts';

const [root, cacheDir, flag, until] = process.argv.slice(2);
const controller = new AbortController();
const stages: Record<string, number> = {};
let ingestDone: number | undefined;
let decoded: number | undefined;
let cached = 0;
let reached = false;
const done = await runToCompletion(scalePipeline('bench-scale', root!), { cacheDir, outDir: join(cacheDir!, 'out'), signal: controller.signal }, (e) => {
  if (e.type === 'stage-done') stages[e.stage] = e.ms / 1000;
  if (e.type === 'stage-cached') cached++;
  if (e.type === 'log' && e.stage === 'ingest') decoded = Number(/: (\d+) decoded,/.exec(e.message)?.[1] ?? decoded);
  if ((e.type === 'stage-done' || e.type === 'stage-cached') && e.stage === 'ingest') ingestDone = process.uptime();
  if ((e.type === 'stage-done' || e.type === 'stage-cached') && flag === '--until' && e.stage === until) {
    reached = true;
    controller.abort();
  }
});
console.log(
  JSON.stringify({
    ok: done.ok || reached,
    error: done.ok ? undefined : done.error?.message,
    seconds: process.uptime(),
    ingestSeconds: ingestDone,
    decoded,
    cached,
    stages,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
process.exit(0);
