import { join } from 'node:path';
import { writeFileAtomic } from '../base/atomic.ts';
import { csvField } from '../io/csv.ts';
import { GRID_KEYS, TUNE_MONITORS } from '../train/tune-config.ts';
import type { Tuned } from '../train/tune.ts';

/** Writes tune-results.json and tune-results.csv (a column per setting the grid varies); returns their paths. */
export async function writeTuneFiles(t: Tuned, outDir: string): Promise<string[]> {
  const json = join(outDir, 'tune-results.json');
  const csv = join(outDir, 'tune-results.csv');
  const { valPredictions: _scores, ...results } = t.tune;
  await writeFileAtomic(json, JSON.stringify({ split: 'validation', threshold: 0.5, ...results }, null, 2) + '\n');
  // The monitors this task computed, in TUNE_MONITORS order (binary: as before task kinds).
  const metricKeys = (TUNE_MONITORS as readonly string[]).filter((k) => t.tune.points.some((p) => k in p.val));
  const cell = (v: unknown) =>
    v === undefined || v === null ? '' : typeof v === 'object' ? csvField(JSON.stringify(v)) : typeof v === 'number' && !Number.isFinite(v) ? '' : String(v);
  // Only the settings the grid varies get a column; the others are base's for every row.
  const keys = GRID_KEYS.filter((k) => t.tune.points.some((p) => k in p.params));
  const header = ['point', 'winner', ...keys, 'best_epoch', 'epochs_run', 'stopped_early', ...metricKeys];
  const rows = t.tune.points.map((p) =>
    [
      p.point,
      p.point === t.tune.winner ? 1 : 0,
      ...keys.map((k) => (p.params[k] === null ? 'none' : cell(p.params[k]))),
      p.bestEpoch,
      p.epochsRun,
      p.stoppedEarly ? 1 : 0,
      ...metricKeys.map((k) => cell(p.val[k])),
    ].join(','),
  );
  await writeFileAtomic(csv, [header.join(','), ...rows].join('\n') + '\n');
  return [json, csv];
}
