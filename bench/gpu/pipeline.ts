/**
 * Runs pipelines/pneumonia.ts (bundled, so the GPU machine needs no TypeScript loader) on a chosen backend
 * with a fresh cache, and prints its wall time, test and validation AUC, and the CPU fallbacks.
 *   node pipeline.mjs <backend> <work dir>
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import pneumonia from '../../pipelines/pneumonia.ts';
import { logPlain } from '../../src/view/plain-logger.ts';
import { runPipeline } from '../../src/runtime/run.ts';

async function main(): Promise<void> {
  const [backend, work] = process.argv.slice(2);
  const outDir = join(work, 'out');
  const t0 = performance.now();
  let ok = false;
  await new Promise<void>((resolve) => {
    const events = runPipeline(pneumonia, { backend, cacheDir: join(work, 'cache'), outDir, baseDir: 'pipelines' });
    const sub = logPlain(events, (line) => {
      if (line.includes('run-done') || line.includes('done')) ok ||= !/fail/i.test(line);
      process.stdout.write(`${line}\n`);
    });
    sub.add(() => resolve());
  });
  const wallS = (performance.now() - t0) / 1000;
  const read = (f: string): Record<string, unknown> => JSON.parse(readFileSync(join(outDir, f), 'utf8')) as Record<string, unknown>;
  const metrics = read('metrics.json');
  const validation = read('validation-metrics.json');
  const pick = (m: Record<string, unknown>, k: string): unknown => (m[k] as { value?: unknown } | undefined)?.value ?? m[k];
  const fallbacks = (tf.backend() as { fallbacks?: Map<string, number> }).fallbacks;
  console.log(JSON.stringify({
    backend, wallS, testAuc: pick(metrics, 'rocAuc') ?? pick(metrics, 'auc'), validationAuc: pick(validation, 'rocAuc') ?? pick(validation, 'auc'),
    fallbacks: fallbacks ? Object.fromEntries(fallbacks) : undefined,
  }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : String(error));
  process.exit(1);
});
