/** A suite of end-to-end runs: each gets medpipe's API and a temp folder of its own, removed afterwards. */
import { suite, type Test } from 'uvu';
import { loadMedpipe, removeDir, tempDir, type Medpipe } from './core.ts';

export interface RunContext {
  dir: string;
  m: Medpipe;
}

/**
 * `suite(title)` whose context has `m` (the public API) and `dir` (a fresh temp folder named after
 * `prefix`) before its first test, and loses the folder after its last. A suite adds its own hooks
 * after these (uvu runs a suite's hooks in the order they were added).
 * @example
 *   const E2E = runSuite<RunContext & { keys: Keys }>('remote cache in runs', 'remote-e2e');
 */
export function runSuite<Ctx extends RunContext>(title: string, prefix: string): Test<Ctx> {
  const s = suite<Ctx>(title);
  s.before(async (ctx) => {
    ctx.m = await loadMedpipe();
    ctx.dir = await tempDir(prefix);
  });
  s.after(async (ctx) => {
    await removeDir(ctx.dir);
  });
  return s;
}
