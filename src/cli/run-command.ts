import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { defer, switchMap, tap, type Observable } from 'rxjs';
import type { RunEvent } from '../runtime/events.ts';
import { defaultCacheDir, pipelineInputs, runPipeline, type RunOptions } from '../runtime/run.ts';
import type { WatchEvent } from '../runtime/watch-events.ts';
import { loadPipelineFile } from './load-pipeline.ts';
import { parseRunArgs } from './main.ts';

type AnyEvent = RunEvent | WatchEvent;

/** Shows events on the dashboard (a terminal) or as plain lines; resolves when the stream ends. */
async function present(events: Observable<AnyEvent>, useDashboard: boolean, onQuit: () => void): Promise<void> {
  if (useDashboard) {
    const { renderDashboard } = await import('../dashboard/index.ts');
    await renderDashboard(events, { onQuit }).waitUntilExit();
    return;
  }
  const { logPlain } = await import('../view/plain-logger.ts');
  await new Promise<void>((resolve) => {
    const sub = logPlain(events);
    sub.add(() => resolve());
  });
}

/** `medpipe run <file>`: runs (or watches) a pipeline; exit code 0 when the run succeeded. */
export async function runCommand(args: readonly string[]): Promise<number> {
  const { file, watch, plain, options } = parseRunArgs(args);
  const useDashboard = Boolean(process.stdout.isTTY) && !plain && process.env.CI !== 'true';
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return watch ? await watchCommand(file, options, useDashboard, controller) : await runOnce(file, options, useDashboard, controller);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function runOnce(file: string, options: RunOptions, useDashboard: boolean, controller: AbortController): Promise<number> {
  const pipeline = await loadPipelineFile(file);
  let ok = false;
  // runPipeline starts on subscription, so the presenter sees every event from run-start on.
  const events = runPipeline(pipeline, { ...options, signal: controller.signal }).pipe(
    tap((event) => {
      if (event.type === 'run-done') ok = event.ok;
    }),
  );
  await present(events, useDashboard, () => controller.abort());
  return ok ? 0 : 1;
}

async function watchCommand(file: string, options: RunOptions, useDashboard: boolean, controller: AbortController): Promise<number> {
  const { watchRuns, watchFiles } = await import('../runtime/watch.ts');
  const first = await loadPipelineFile(file);
  // The pipeline file, its sibling modules (local imports), and every input it reads.
  const dir = dirname(file);
  const siblings = readdirSync(dir)
    .filter((name) => /\.(m?ts|m?js)$/.test(name))
    .map((name) => join(dir, name));
  const ignorePaths = [resolve(options.cacheDir ?? defaultCacheDir()), resolve(options.outDir ?? first.options.outDir ?? `out/${first.name}`)];
  const changes = watchFiles([...new Set([file, ...siblings, ...pipelineInputs(first, options.baseDir)])], { ignorePaths });
  const events = watchRuns(
    changes,
    (signal) => defer(() => loadPipelineFile(file, { fresh: true })).pipe(switchMap((pipeline) => runPipeline(pipeline, { ...options, signal }))),
    { signal: controller.signal },
  );
  await present(events, useDashboard, () => controller.abort());
  return 0;
}
