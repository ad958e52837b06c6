/**
 * Learning-rate schedules shared by the classification and segmentation training loops.
 * 'cosine' is SGDR's annealing without restarts (Loshchilov & Hutter 2017): the rate falls from its
 * starting value to 0 over all planned steps; early stopping may end training sooner.
 */
export type LearningRateSchedule = 'constant' | 'cosine';

/** The cosine-annealed rate before step `step` (0-based) of `total`: lr · ½(1 + cos(π · step / total)). */
export function cosineRate(learningRate: number, step: number, total: number): number {
  return 0.5 * learningRate * (1 + Math.cos((Math.PI * Math.min(step, total)) / total));
}

/** The rate of a schedule before step `step` (0-based) of `total`. */
export function scheduledRate(schedule: LearningRateSchedule | undefined, learningRate: number, step: number, total: number): number {
  return schedule === 'cosine' ? cosineRate(learningRate, step, total) : learningRate;
}
