// A worker thread's first module. From the sources, medpipe is TypeScript loaded through tsx, and a
// worker does not inherit the main thread's loader hooks, so it registers them before importing its
// entry; the bundle's entry (dist/worker.js) is plain JavaScript and needs none.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) (await import('tsx/esm/api')).register();
await import(workerData.entry);
