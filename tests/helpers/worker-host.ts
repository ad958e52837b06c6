// A stand-in for a test runner, for the orphan test: starts one `medpipe worker` the way a test does
// (tests/helpers/workers.ts, so the reaper watches it), prints its pid and waits to be killed.
//   node --import tsx tests/helpers/worker-host.ts REDIS_URL CACHE_DIR
import { startWorker } from './workers.ts';

const [redis, cacheDir] = process.argv.slice(2);
const worker = await startWorker(redis!, cacheDir!);
process.stdout.write(`${worker.pid}\n`);
setInterval(() => {}, 60_000);
