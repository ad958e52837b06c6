import { parseArgs } from 'node:util';
import { basename, dirname, join, resolve } from 'node:path';
import { loadRun, resolveRun } from '../history/queries.ts';
import { MedpipeError } from '../base/errors.ts';
import { HISTORY_OPTIONS, historyFromArgs } from './history-args.ts';

/** `medpipe report <run> [--out FILE]`: rewrites a recorded run's report.html (binary, K-class or multi-label) from the history alone. */
export async function reportCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...HISTORY_OPTIONS, out: { type: 'string' } } });
  if (positionals.length !== 1)
    throw new MedpipeError('INVALID_CONFIG', 'report needs one run.', { fix: 'medpipe report 3   (a run number from `medpipe runs`, or latest)' });
  const { openHistory } = await import('../history/database.ts');
  const db = await openHistory(historyFromArgs(values), { readonly: true });
  let run;
  try {
    run = loadRun(db, resolveRun(db, positionals[0]!));
  } finally {
    db.close();
  }
  if (!run.evaluation && !run.classEvaluation) {
    throw new MedpipeError(
      'DATA_NOT_FOUND',
      `Run #${run.number} has no evaluation to report${run.ok ? ' (its pipeline has no evaluate stage, or it was recorded before the history kept K-class evaluations)' : ' (it failed)'}.`,
      { fix: 'Pick a run with a test metric in `medpipe runs`, or run the pipeline again (every stage is served from cache).' },
    );
  }
  const { REPORT_FILE } = await import('../report/html/report-html.ts');
  const file = resolve(values.out ?? join(run.outDir ?? `out/${run.pipeline}`, REPORT_FILE));
  const written = run.evaluation
    ? await (
        await import('../report/html/report-html.ts')
      ).writeReportHtml(dirname(file), { run, evaluation: run.evaluation, images: run.images }, basename(file))
    : await (
        await import('../report/html/class-report-html.ts')
      ).writeClassReportHtml(dirname(file), { run, evaluation: run.classEvaluation!, images: run.images }, basename(file));
  process.stdout.write(`wrote ${written} (run #${run.number}, ${run.pipeline}, seed ${run.seed})\n`);
  return 0;
}
