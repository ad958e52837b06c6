/**
 * Runs the scale pipeline (scale-pipeline.ts) on `root` into `cacheDir` in this process and prints
 * one JSON line: wall seconds since Node started (process.uptime: Node start and module loading
 * included), seconds to the end of ingest, ingest's decode count, per-stage seconds, peak RSS
 * (every thread of the process), per-stage memory (peak RSS and JS heap sampled every 50 ms while
 * the stage ran; with --expose-gc also the heap still live after it), the seconds from fit's start to
 * its first batch, CPU seconds (all threads), the main thread's GC pauses, and whether it succeeded.
 *   npx tsx bench/data/pipeline-child.ts <root> <cacheDir> [--until <stage>]
 */
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { runToCompletion } from '../../src/runtime/run.ts';
import { scalePipeline } from './scale-pipeline.ts';

const [root, cacheDir, flag, until] = process.argv.slice(2);
const controller = new AbortController();
const stages: Record<string, number> = {};
const MiB = 2 ** 20;
/** Per stage: peak RSS, peak heap used, peak external+arrayBuffers (MiB), and the heap live after it. */
const memory: Record<string, { rss: number; heap: number; external: number; liveAfter?: number }> = {};
let phase = 'start';
// TIMELINE=<file>: every sample (ms since start, phase, rss, heapUsed, heapTotal, external MiB) as TSV lines.
const timeline: string[] = [];
const sample = () => {
  const m = process.memoryUsage();
  if (process.env.TIMELINE) timeline.push([Math.round(process.uptime() * 1000), phase, ...[m.rss, m.heapUsed, m.heapTotal, m.external].map((b) => Math.round(b / MiB))].join('\t'));
  const row = (memory[phase] ??= { rss: 0, heap: 0, external: 0 });
  row.rss = Math.max(row.rss, Math.round(m.rss / MiB));
  row.heap = Math.max(row.heap, Math.round(m.heapUsed / MiB));
  row.external = Math.max(row.external, Math.round(m.external / MiB));
};
// Main-thread garbage collection: pauses summed, and how many were full (mark-compact) collections.
const gcTime = { ms: 0, major: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcTime.ms += entry.duration;
    if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcTime.major++;
  }
}).observe({ entryTypes: ['gc'] });
const sampler = setInterval(sample, 50);
sampler.unref();
const gc = (globalThis as { gc?: () => void }).gc;
let ingestDone: number | undefined;
/** Seconds from fit's start to its first training batch (model compile, loader and worker start). */
let fitStarted: number | undefined;
let firstBatch: number | undefined;
let decoded: number | undefined;
let cached = 0;
let reached = false;
const done = await runToCompletion(scalePipeline('bench-scale', root!), { cacheDir, outDir: join(cacheDir!, 'out'), signal: controller.signal }, (e) => {
  if (e.type === 'stage-start') {
    if (e.stage === 'fit') fitStarted = e.at;
    sample();
    phase = e.stage;
  }
  if (e.type === 'stage-done') {
    stages[e.stage] = e.ms / 1000;
    sample();
    if (gc) {
      gc();
      memory[e.stage]!.liveAfter = Math.round(process.memoryUsage().heapUsed / MiB);
    }
    phase = `after ${e.stage}`;
  }
  if (e.type === 'batch' && e.stage === 'fit' && fitStarted !== undefined) firstBatch ??= (e.at - fitStarted) / 1000;
  if (e.type === 'stage-cached') cached++;
  if (e.type === 'log' && e.stage === 'ingest') decoded = Number(/: (\d+) decoded,/.exec(e.message)?.[1] ?? decoded);
  if ((e.type === 'stage-done' || e.type === 'stage-cached') && e.stage === 'ingest') ingestDone = process.uptime();
  if ((e.type === 'stage-done' || e.type === 'stage-cached') && flag === '--until' && e.stage === until) {
    reached = true;
    controller.abort();
  }
});
sample();
console.log(
  JSON.stringify({
    ok: done.ok || reached,
    error: done.ok ? undefined : done.error?.message,
    seconds: process.uptime(),
    ingestSeconds: ingestDone,
    decoded,
    cached,
    stages,
    firstBatch,
    memory,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    gc: { ms: Math.round(gcTime.ms), major: gcTime.major },
  }),
);
if (process.env.TIMELINE) (await import('node:fs')).writeFileSync(process.env.TIMELINE, timeline.join('\n') + '\n');
process.exit(0);
