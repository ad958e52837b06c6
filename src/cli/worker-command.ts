import { parseArgs } from 'node:util';
import { MedpipeError } from '../base/errors.ts';
import { remoteOptions, REMOTE_FLAGS } from './main.ts';

/**
 * `medpipe worker --redis URL [--concurrency N] [--cache DIR] [--remote URL ...] [--queue NAME]`:
 * runs units of work (tune trials, crossValidate folds) sent by `medpipe run --redis URL` until
 * SIGINT or SIGTERM, then finishes the jobs in hand and exits 0.
 */
export async function workerCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { redis: { type: 'string' }, concurrency: { type: 'string' }, cache: { type: 'string' }, queue: { type: 'string' }, ...REMOTE_FLAGS },
  });
  if (!values.redis) throw new MedpipeError('INVALID_CONFIG', 'Which Redis? --redis is missing.', { fix: 'medpipe worker --redis redis://host:6379' });
  const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new MedpipeError('INVALID_CONFIG', `--concurrency must be a whole number ≥ 1, got '${values.concurrency}'.`, {
      fix: '--concurrency 2 (one per core is a good start; MEDPIPE_THREADS sets threads per job)',
    });
  }
  const { startWorker } = await import('../runtime/executors/bullmq/worker.ts');
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const worker = await startWorker({ redis: values.redis, concurrency, cacheDir: values.cache, queue: values.queue, remote: remoteOptions(values) }, log);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  log(`worker ${worker.name} stopping: finishing the jobs in hand`);
  await worker.close();
  return 0;
}
