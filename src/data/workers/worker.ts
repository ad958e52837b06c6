/** A pool worker: runs tasks one at a time and posts each result (or its error) back. */
import { parentPort, workerData } from 'node:worker_threads';
import { useCrashCounter } from '../../base/crash-point.ts';
import { toWireError } from './pool.ts';
import { TASKS, type TaskName } from './tasks.ts';

useCrashCounter((workerData as { crash?: SharedArrayBuffer }).crash);

parentPort!.on('message', async ({ id, kind, input }: { id: number; kind: TaskName; input: never }) => {
  try {
    const { output, transfer } = await TASKS[kind](input);
    parentPort!.postMessage({ id, output }, transfer);
  } catch (error) {
    parentPort!.postMessage({ id, error: toWireError(error) });
  }
});
