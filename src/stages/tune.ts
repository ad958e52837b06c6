import { gridSizeProblems, tuneConfigSchema, type TuneConfig } from '../train/tune-config.ts';
import type { Tuned } from '../train/tune.ts';
import { defineStage, nodeOf } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

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
  load: async () => (await import('./tune.run.ts')).default,
});

/**
 * Grid search: trains one model per combination on the training split (from the same initial
 * weights, with the same seed), scores each on the validation split and passes on the winner,
 * like fit does, so `evaluate()` can follow. Writes tune-results.json and tune-results.csv.
 * @example
 *   tune({ grid: { learningRate: [1e-3, 3e-4], classWeight: ['balanced', null] }, base: { epochs: 20 } })
 */
export function tune(config: TuneConfig) {
  return nodeOf(tuneStage, config);
}
