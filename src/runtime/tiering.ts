/**
 * V8's tier-up budget while a run is in progress: how much bytecode a function runs before V8
 * queues it for optimisation (TurboFan, on a background thread). A run executes most of its code
 * only a few times on its way through (planning, an ingest's bookkeeping a job or a record at a
 * time), and with V8's default budget the compiler optimised those loops while they ran: on two
 * cores its thread took CPU from the decoding threads and the main thread for code that was done
 * before the optimised version was used (a cold ingest of PneumoniaMNIST: about 10% of its wall
 * time, bench/data/RESULTS.md). With eight times the budget, code that stays hot (a training step,
 * the loader's loops) is still optimised within its first milliseconds.
 *
 * `--interrupt-budget` is read when a function's budget is (re)set, so it takes effect when set at
 * run time; it is process-wide. The run sets it at its start and gives V8 its own back at its
 * end. A user's own `--interrupt-budget` (in NODE_OPTIONS or node's arguments) is left alone, and
 * `MEDPIPE_V8_TIERING=default` leaves V8's budget.
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default budget (V8 11.3, Node 20). */
const V8_BUDGET = 67_584;
const FLAG = '--interrupt-budget';

/** The budget a run sets, or undefined when the process's own setting rules. */
export function runTieringBudget(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): number | undefined {
  const own = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) => arg.replace(/_/g, '-').startsWith(FLAG));
  return own || env.MEDPIPE_V8_TIERING === 'default' ? undefined : 8 * V8_BUDGET;
}

let runs = 0;

/**
 * Raises the budget while a run is in progress; the returned function gives V8 its own back once
 * the last concurrent run ends.
 * @example
 *   const restore = raiseTieringBudget(); try { await run(); } finally { restore(); }
 */
export function raiseTieringBudget(budget = runTieringBudget()): () => void {
  if (budget === undefined) return () => undefined;
  runs++;
  setFlagsFromString(`${FLAG}=${budget}`);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--runs === 0) setFlagsFromString(`${FLAG}=${V8_BUDGET}`);
  };
}
