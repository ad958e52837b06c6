/**
 * Two recorded runs side by side: what differs in how they were made (stage configs, seed, backend,
 * code), how their metrics differ, and — when both scored the same test images — the AUC difference
 * with a paired bootstrap interval and DeLong's paired test.
 */
import { bootstrapIntervals, bootstrapPlan, pick, type BootstrapInterval } from '../metrics/bootstrap.ts';
import { delongPaired, type DelongPaired } from '../metrics/delong.ts';
import { rocAuc } from '../metrics/roc-curve.ts';
import { diffPaths } from '../base/diff-paths.ts';
import type { StoredRun } from './queries.ts';

export interface ConfigChange {
  readonly stage: string;
  /** Dotted config path, or '(stage)' when the stage exists in one run only. */
  readonly field: string;
  readonly a: unknown;
  readonly b: unknown;
}

export interface MetricDifference {
  readonly name: string;
  readonly a: number | null;
  readonly b: number | null;
  /** b − a. */
  readonly difference: number | null;
}

export interface PairedAuc {
  /** Test images both runs scored with the same label (matched by hashed sample id). */
  readonly paired: number;
  readonly positives: number;
  readonly negatives: number;
  /** AUC(b) − AUC(a) with a paired bootstrap (both runs' scores drawn together, stratified by class). */
  readonly bootstrap: BootstrapInterval & { readonly method: string };
  readonly delong: DelongPaired;
}

export interface RunComparison {
  readonly a: StoredRun;
  readonly b: StoredRun;
  /** Seed, backend, git commit, pipeline name where they differ. */
  readonly run: readonly { readonly field: string; readonly a: unknown; readonly b: unknown }[];
  readonly config: readonly ConfigChange[];
  readonly metrics: readonly MetricDifference[];
  /** Undefined when the runs share no evaluated test images (with both classes). */
  readonly pairedAuc?: PairedAuc;
  readonly notes: readonly string[];
}

/**
 * @example
 *   const diff = compareRuns(loadRun(db, 3), loadRun(db, 4), { seed: 42 });
 *   diff.pairedAuc?.delong.p;
 */
export function compareRuns(a: StoredRun, b: StoredRun, options: { readonly seed?: number; readonly resamples?: number } = {}): RunComparison {
  const notes: string[] = [];
  const run = (['pipeline', 'seed', 'backend', 'gitCommit', 'gitDirty'] as const).flatMap((field) =>
    a[field] === b[field] ? [] : [{ field, a: a[field], b: b[field] }],
  );
  const config: ConfigChange[] = [];
  const stagesB = new Map(b.stages.map((s) => [s.stage, s]));
  for (const sa of a.stages) {
    const sb = stagesB.get(sa.stage);
    if (!sb) {
      config.push({ stage: sa.stage, field: '(stage)', a: sa.kind, b: undefined });
      continue;
    }
    for (const field of diffPaths(sa.config, sb.config)) config.push({ stage: sa.stage, field, a: at(sa.config, field), b: at(sb.config, field) });
  }
  for (const sb of b.stages) if (!a.stages.some((s) => s.stage === sb.stage)) config.push({ stage: sb.stage, field: '(stage)', a: undefined, b: sb.kind });
  const names = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])].sort();
  const metrics = names.map((name) => {
    const va = a.metrics[name]?.value ?? null;
    const vb = b.metrics[name]?.value ?? null;
    return { name, a: va, b: vb, difference: va !== null && vb !== null ? vb - va : null };
  });
  const pairedAuc = paired(a, b, options, notes);
  return { a, b, run, config, metrics, ...(pairedAuc ? { pairedAuc } : {}), notes };
}

function paired(a: StoredRun, b: StoredRun, options: { readonly seed?: number; readonly resamples?: number }, notes: string[]): PairedAuc | undefined {
  if (!a.evaluation || !b.evaluation) {
    notes.push('paired AUC test: one of the runs has no test predictions (no evaluate stage, or it failed).');
    return undefined;
  }
  const inB = new Map(b.evaluation.predictions.map((p) => [p.key, p]));
  const labels: number[] = [];
  const sa: number[] = [];
  const sb: number[] = [];
  const groups: (string | undefined)[] = [];
  let mismatched = 0;
  for (const p of a.evaluation.predictions) {
    const q = inB.get(p.key);
    if (!q) continue;
    if (q.label !== p.label) {
      mismatched++;
      continue;
    }
    labels.push(p.label);
    sa.push(p.score);
    sb.push(q.score);
    groups.push(p.group);
  }
  const positives = labels.filter((y) => y === 1).length;
  const negatives = labels.length - positives;
  if (mismatched > 0) notes.push(`${mismatched} test image(s) have different labels in the two runs and are left out of the paired test.`);
  const unpaired = a.evaluation.predictions.length + b.evaluation.predictions.length - 2 * (labels.length + mismatched);
  if (unpaired > 0) notes.push(`${unpaired} test image(s) were scored by only one of the runs and are left out of the paired test.`);
  if (positives === 0 || negatives === 0) {
    notes.push('paired AUC test: the runs share no test images of both classes.');
    return undefined;
  }
  const plan = bootstrapPlan(labels, { seed: options.seed ?? 42, resamples: options.resamples, groups });
  const ci = bootstrapIntervals(plan, (idx) => {
    const y = pick(labels, idx);
    return { difference: rocAuc(y, pick(sb, idx)) - rocAuc(y, pick(sa, idx)) };
  }).difference;
  const method = `paired stratified bootstrap: ${plan.resamples} resamples of ${plan.unit === 'group' ? `patient groups (${plan.units})` : 'images'} drawn within each class, both runs' scores of a drawn image together, seed ${plan.seed}`;
  // delongPaired(labels, A, B) tests A − B; report B − A like the bootstrap.
  return { paired: labels.length, positives, negatives, bootstrap: { ...ci, method }, delong: delongPaired(labels, sb, sa) };
}

function at(value: unknown, path: string): unknown {
  if (path === '(config)') return value;
  return path.split('.').reduce<unknown>((v, key) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined), value);
}
