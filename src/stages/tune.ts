import { fitTaskProblems } from '../train/fit-task.ts';
import { tuneMonitorProblems } from '../train/tune-monitor.ts';
import { gridSizeProblems, tuneConfigSchema, type TuneConfig, type TuneMonitor } from '../train/tune-config.ts';
import { BINARY_SCORE_KEYS, CLASS_SCORE_KEYS, LABEL_SCORE_KEYS, ORDINAL_SCORE_KEYS } from '../train/task-scores.ts';
import type { Tuned } from '../train/tune.ts';
import { defineStage, nodeOf } from './core/define-stage.ts';
import { ports } from './core/ports.ts';
import type { ClassificationTask } from '../data/task.ts';
import { withTask, type TaskWords } from './core/stage-node.ts';

export type { TuneConfig, TuneGrid, TuneMonitor } from '../train/tune-config.ts';

export const tuneStage = defineStage({
  kind: 'tune',
  version: 2,
  in: ports.builtModel,
  out: ports.trainedModel.as<Tuned>(),
  config: tuneConfigSchema,
  seeded: true,
  usesTf: true,
  check: (config) => gridSizeProblems(config.grid),
  taskProblems: (config, task) => [...tuneMonitorProblems(config.monitor, task), ...fitTaskProblems(config.base ?? {}, task, 'tune.base')],
  load: async () => (await import('./tune.run.ts')).default,
});

/**
 * Grid search: trains one model per combination on the training split (from the same initial
 * weights, with the same seed), scores each on the validation split and passes on the winner,
 * like fit does, so `evaluate()` can follow. Writes tune-results.json and tune-results.csv.
 * @example
 *   tune({ grid: { learningRate: [1e-3, 3e-4], classWeight: ['balanced', null] }, base: { epochs: 20 } })
 */
export function tune<const M extends TuneMonitor = never>(config: TuneConfig & { readonly monitor?: M }) {
  return withTask<TuneTasks<M>, never, `tune's monitor '${M & string}' is computed on ${TaskWords<TuneTasks<M>>} pipelines`>()(
    nodeOf(tuneStage, config as TuneConfig),
  );
}

type Val<K extends readonly string[]> = `val_${K[number]}`;
/** The tasks that compute a tune monitor. */
type TuneTasks<M> = [M] extends [never] | ['val_loss']
  ? ClassificationTask
  : | (M extends Val<typeof BINARY_SCORE_KEYS> ? 'binary' : never)
    | (M extends Val<typeof CLASS_SCORE_KEYS> ? 'multiclass' | 'ordinal' : M extends Val<typeof ORDINAL_SCORE_KEYS> ? 'ordinal' : never)
    | (M extends Val<typeof LABEL_SCORE_KEYS> ? 'multilabel' : never);
