import { parseArgs } from 'node:util';
import { compareRuns, type RunComparison } from '../history/compare.ts';
import { loadRun, resolveRun } from '../history/queries.ts';
import { METRIC_LABELS } from '../report/html/report-input.ts';
import { MedpipeError } from '../base/errors.ts';
import { HISTORY_OPTIONS, historyFromArgs } from './history-args.ts';

/** `medpipe compare <run> <run>`: config and metric differences, paired AUC test. */
export async function compareCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { ...HISTORY_OPTIONS, json: { type: 'boolean' }, resamples: { type: 'string' }, seed: { type: 'string' } },
  });
  if (positionals.length !== 2)
    throw new MedpipeError('INVALID_CONFIG', `compare needs two runs, got ${positionals.length}.`, {
      fix: 'medpipe compare 3 4   (run numbers from `medpipe runs`)',
    });
  const resamples = values.resamples === undefined ? undefined : Number(values.resamples);
  if (resamples !== undefined && !(Number.isInteger(resamples) && resamples >= 100))
    throw new MedpipeError('INVALID_CONFIG', `--resamples must be a whole number >= 100, got '${values.resamples}'.`, { fix: '--resamples 2000' });
  const seed = values.seed === undefined ? 42 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new MedpipeError('INVALID_CONFIG', `--seed must be an integer, got '${values.seed}'.`, { fix: '--seed 42' });
  const { openHistory } = await import('../history/database.ts');
  const db = await openHistory(historyFromArgs(values), { readonly: true });
  let comparison: RunComparison;
  try {
    const [a, b] = positionals.map((ref) => loadRun(db, resolveRun(db, ref)));
    comparison = compareRuns(a!, b!, { seed, ...(resamples !== undefined ? { resamples } : {}) });
  } finally {
    db.close();
  }
  if (values.json) {
    const { a, b, ...rest } = comparison;
    process.stdout.write(JSON.stringify({ a: a.number, b: b.number, ...rest }, null, 2) + '\n');
  } else process.stdout.write(formatComparison(comparison));
  return 0;
}

const f = (x: number | null | undefined, digits = 4) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const signed = (x: number | null | undefined, digits = 4) => (typeof x === 'number' && Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(digits)}` : 'n/a');
const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));

/** The comparison in words and aligned columns. */
export function formatComparison(c: RunComparison): string {
  const { a, b } = c;
  const lines: string[] = [
    `compare run #${a.number} (${a.pipeline}, seed ${a.seed}, ${a.startedAt}) with run #${b.number} (${b.pipeline}, seed ${b.seed}, ${b.startedAt})`,
    '',
  ];
  lines.push('how they differ:');
  if (c.run.length === 0 && c.config.length === 0) lines.push('  nothing: same configs, seed, backend and code');
  for (const d of c.run) lines.push(`  ${d.field}: ${show(d.a)} -> ${show(d.b)}`);
  for (const d of c.config) lines.push(`  ${d.stage}.${d.field}: ${show(d.a)} -> ${show(d.b)}`);
  lines.push('', `test metrics (difference = run #${b.number} - run #${a.number}):`);
  const order = Object.keys(METRIC_LABELS);
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  const shown = c.metrics.filter((m) => m.a !== null || m.b !== null).sort((x, y) => rank(x.name) - rank(y.name) || x.name.localeCompare(y.name));
  const width = Math.max(...shown.map((m) => (METRIC_LABELS[m.name] ?? m.name).length), 6);
  lines.push(`  ${'metric'.padEnd(width)}  ${`#${a.number}`.padStart(8)}  ${`#${b.number}`.padStart(8)}  ${'diff'.padStart(8)}`);
  for (const m of shown)
    lines.push(`  ${(METRIC_LABELS[m.name] ?? m.name).padEnd(width)}  ${f(m.a).padStart(8)}  ${f(m.b).padStart(8)}  ${signed(m.difference).padStart(8)}`);
  const p = c.pairedAuc;
  if (p) {
    const bs = p.bootstrap;
    const ci = (i: { lower: number; upper: number } | null) => (i ? `${signed(i.lower)} to ${signed(i.upper)}` : 'n/a');
    lines.push('', `paired on ${p.paired} test images (${p.positives} positive, ${p.negatives} negative) scored by both runs:`);
    lines.push(`  ROC AUC difference (#${b.number} - #${a.number}): ${signed(bs.estimate)}`);
    lines.push(`    95% CI ${ci(bs.bca)} (BCa), ${ci(bs.percentile)} (percentile); ${bs.method}`);
    lines.push(
      `  DeLong's paired test: z = ${f(p.delong.z, 3)}, two-sided p = ${p.delong.p < 1e-4 ? p.delong.p.toExponential(2) : f(p.delong.p)}; 95% CI ${ci(p.delong.ci)}`,
    );
  }
  for (const note of c.notes) lines.push(`note: ${note}`);
  return lines.join('\n') + '\n';
}
