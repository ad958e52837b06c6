// A worker thread's first module: medpipe is TypeScript loaded through tsx, and a worker does not
// inherit the main thread's loader hooks, so it registers them before importing its entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
