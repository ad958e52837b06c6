/**
 * One medpipe ingest, in its own process (so its peak RSS is its own): an ingest.folder-only
 * pipeline over `root` into `cacheDir`. Prints one JSON line: files, seconds (the run, Node start
 * excluded; the run's fixed costs — git state, history, report — included), the ingest stage's own
 * seconds (listing, stat, jobs, manifest), peak RSS and the cache's size on disk afterwards.
 *   npx tsx bench/data/ingest-child.ts <root> <height> <width> <channels> <cacheDir>
 */
import { join } from 'node:path';
import { ingest, pipeline } from '../../src/index.ts';
import { runToCompletion } from '../../src/runtime/run.ts';
import { folderBytes } from './folder-bytes.ts';

const [root, h, w, c, cacheDir] = process.argv.slice(2);
// Like the PIL script's imports, medpipe's modules are loaded before the clock starts; starting
// worker threads (and whatever they load) is part of the measured time.
await import('../../src/stages/ingest.run.ts');
await import('../../src/data/store/ingest-job.ts');
await import('../../src/runtime/stat-cache.ts');
const p = pipeline('bench-ingest', { seed: 1 }).stage(ingest.folder({ root: root!, size: [Number(h), Number(w)], channels: Number(c) as 1 | 3 }));
const started = performance.now();
let files = 0;
let stageSeconds: number | undefined;
const done = await runToCompletion(p, { cacheDir, outDir: join(cacheDir!, 'out') }, (e) => {
  if (e.type === 'stage-progress' && e.unit === 'files') files = e.total;
  if (e.type === 'stage-done' && e.stage === 'ingest') stageSeconds = e.ms / 1000;
});
const seconds = (performance.now() - started) / 1000;
if (!done.ok) {
  console.error(JSON.stringify(done.error));
  process.exit(1);
}
console.log(JSON.stringify({ files, seconds, stageSeconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, cacheBytes: await folderBytes(cacheDir!) }));
