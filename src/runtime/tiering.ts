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
 * Not while a stage trains or predicts (`usesTf`): there the same JS runs every batch, and code
 * that deoptimises waits the budget again before it is optimised anew (a 2-epoch fit of the
 * pneumonia CNN ran 5-10% slower with the raised budget); such a stage runs with V8's own.
 *
 * `--interrupt-budget` is read when a function's budget is (re)set, so it takes effect when set at
 * run time; it is process-wide. The run sets it at its start and gives V8 its own back at its
 * end. A user's own `--interrupt-budget` (in NODE_OPTIONS or node's arguments) is left alone, and
 * `MEDPIPE_V8_TIERING=default` leaves V8's budget.
 */
import { setFlagsFromString } from 'node:v8';
import { setByUser } from './heap-growth.ts';

/** V8's default budget (V8 11.3, Node 20). */
const V8_BUDGET = 67_584;
const FLAG = '--interrupt-budget';

/** The budget a run sets, or undefined when the process's own setting rules. */
export function runTieringBudget(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): number | undefined {
  return setByUser(FLAG, env, execArgv) || env.MEDPIPE_V8_TIERING === 'default' ? undefined : 8 * V8_BUDGET;
}

let runs = 0;
/** The budget the runs in progress set (while `runs` > 0). */
let raised = V8_BUDGET;
/** Stages running with V8's own budget meanwhile (see ownTieringBudget). */
let owned = 0;
const apply = () => setFlagsFromString(`${FLAG}=${runs > 0 && owned === 0 ? raised : V8_BUDGET}`);

/**
 * Raises the budget while a run is in progress; the returned function gives V8 its own back once
 * the last concurrent run ends.
 * @example
 *   const restore = raiseTieringBudget(); try { await run(); } finally { restore(); }
 */
export function raiseTieringBudget(budget = runTieringBudget()): () => void {
  if (budget === undefined) return () => undefined;
  runs++;
  raised = budget;
  apply();
  let done = false;
  return () => {
    if (done) return;
    done = true;
    runs--;
    apply();
  };
}

/**
 * Runs `work` (a stage that trains or predicts) with V8's own budget, and raises it again after
 * when a run is still in progress.
 * @example
 *   const result = await ownTieringBudget(() => runStage(planned, input));
 */
export async function ownTieringBudget<T>(work: () => Promise<T>): Promise<T> {
  if (runs === 0) return work(); // no run raised it (MEDPIPE_V8_TIERING=default, or the user's own flag)
  owned++;
  apply();
  try {
    return await work();
  } finally {
    owned--;
    if (runs > 0) apply();
  }
}
