// The sandboxed processor BullMQ forks for each concurrent job slot of `medpipe worker`: a child
// process that registers tsx (so medpipe's TypeScript loads) and runs process-job.ts. Training
// there keeps the worker's own event loop free to renew its job locks.
import { Worker } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();

// The worker was killed (SIGKILL leaves it no time to stop us): stop too, so no orphan keeps training.
// Measured failure of a guard on this thread alone: after the worker's death the next progress
// report fails with EPIPE; BullMQ's uncaughtException handler reports that failure through the same
// dead pipe, whose failure is the next uncaught exception, and so on in the microtask queue, for
// ever (100% CPU, growing memory). The event loop never turns again, so neither 'disconnect', nor a
// timer, nor a SIGTERM handler runs. Hence three guards:
// 1. a watchdog thread, with an event loop of its own, that sees the parent's pid change (a process
//    whose parent dies is handed to init or a subreaper, so its ppid changes; reuse of the dead pid
//    cannot hide that) and SIGKILLs this process, whatever its main thread is doing;
// 2. a failed send or a closed channel in an uncaught exception ends the process before BullMQ's
//    handler tries the pipe again;
// 3. 'disconnect' and, without a parent, SIGTERM end it at once (BullMQ's SIGTERM handler waits for
//    the job in hand, which nobody will collect).
const parent = process.ppid;
const watchdog = new Worker(
  `const { parent } = require('node:worker_threads').workerData;
   setInterval(() => process.ppid !== parent && process.kill(process.pid, 'SIGKILL'), 250);`,
  { eval: true, workerData: { parent }, resourceLimits: { maxOldGenerationSizeMb: 8 } },
);
watchdog.unref();
const orphaned = () => !process.connected || process.ppid !== parent;
process.prependListener('uncaughtException', (error) => {
  const code = error && typeof error === 'object' ? error.code : undefined;
  if (orphaned() || code === 'EPIPE' || code === 'ERR_IPC_CHANNEL_CLOSED') process.exit(1);
});
process.on('disconnect', () => process.exit(1));
process.prependListener('SIGTERM', () => orphaned() && process.exit(1));
const { processUnitJob } = await import('./process-job.ts');
export default processUnitJob;
