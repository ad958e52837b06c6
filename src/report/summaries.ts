/** One-line summaries of stage results that more than one stage prints. */
import type { Trained } from '../train/trained.ts';

/** `12 epoch(s) on native, stopped early; best epoch 4 (val_auc 0.9731), best weights restored` */
export function describeTraining(t: Trained): string {
  const best = t.history[t.bestEpoch - 1];
  const auc = best?.val_auc;
  const one = `${t.epochsRun} epoch(s) on ${t.backend}${t.stoppedEarly ? ', stopped early' : ''}; best epoch ${t.bestEpoch}${auc !== undefined ? ` (val_auc ${auc.toFixed(4)})` : ''}${t.restoredBest ? ', best weights restored' : ''}`;
  if (!t.members) return one;
  return `ensemble of ${t.members.length} averaged; member best epochs ${t.members.map((m) => m.bestEpoch).join(', ')}${t.members.every((m) => m.best !== undefined) ? ` (monitored ${t.members.map((m) => m.best!.toFixed(4)).join(', ')})` : ''}; member 1: ${one}`;
}

/** A metric value with 4 decimals, 'n/a' when undefined (a one-class split). */
export function fixed4(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : 'n/a';
}
