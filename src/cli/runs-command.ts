import { parseArgs } from 'node:util';
import { listRuns, type RunSummary } from '../history/queries.ts';
import { HISTORY_OPTIONS, historyFromArgs } from './history-args.ts';

/** `medpipe runs [pipeline]`: every recorded run, oldest first, with its test AUC and interval. */
export async function runsCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...HISTORY_OPTIONS, json: { type: 'boolean' } } });
  const path = historyFromArgs(values);
  const { openHistory } = await import('../history/database.ts');
  const db = await openHistory(path, { readonly: true });
  try {
    const runs = listRuns(db, positionals[0]);
    if (values.json) {
      process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
      return 0;
    }
    if (runs.length === 0) {
      process.stdout.write(`no runs${positionals[0] ? ` of pipeline '${positionals[0]}'` : ''} in ${path}\n`);
      return 0;
    }
    process.stdout.write(formatRuns(runs) + `\n${runs.length} run(s) in ${path}\n`);
    return 0;
  } finally {
    db.close();
  }
}

/** A plain-text table, one run a line. */
export function formatRuns(runs: readonly RunSummary[]): string {
  const rows = runs.map((r) => [
    `#${r.number}`,
    r.startedAt.replace('T', ' ').slice(0, 19),
    r.pipeline,
    String(r.seed),
    r.ok ? 'ok' : 'failed',
    r.gitCommit ? `${r.gitCommit.slice(0, 8)}${r.gitDirty ? '+dirty' : ''}` : '-',
    r.backend ?? '-',
    r.auc?.value !== null && r.auc?.value !== undefined
      ? `${r.auc.value.toFixed(4)}${r.auc.lower !== null && r.auc.upper !== null ? ` (${r.auc.lower.toFixed(3)}-${r.auc.upper.toFixed(3)})` : ''}`
      : '-',
    `${(r.ms / 1000).toFixed(1)}s`,
  ]);
  const header = ['run', 'started (UTC)', 'pipeline', 'seed', 'status', 'git', 'backend', 'test AUC (95% CI)', 'time'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
