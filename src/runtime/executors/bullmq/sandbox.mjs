// The sandboxed processor BullMQ forks for each concurrent job slot of `medpipe worker`: a child
// process that registers tsx (so medpipe's TypeScript loads) and runs process-job.ts. Training
// there keeps the worker's own event loop free to renew its job locks.
import { register } from 'tsx/esm/api';

register();
// The worker was killed (SIGKILL leaves no time to stop us): stop too, so no orphan keeps training.
// The IPC channel's 'disconnect' says so; a check of the parent's pid catches the case where it
// is not delivered (the parent's pid changes when this process is handed to init).
const parent = process.ppid;
process.on('disconnect', () => process.exit(1));
setInterval(() => process.ppid !== parent && process.exit(1), 1000).unref();
const { processUnitJob } = await import('./process-job.ts');
export default processUnitJob;
