import { checkHistory } from './loss-curve-spec.ts';
import { BASE_CONFIG, metricTitle, SPLIT_COLORS, VEGA_LITE_SCHEMA, type EpochRecord, type VegaLiteSpec } from './vega-lite-spec.ts';

/** Keys that are not per-epoch rates: the loss has its own plot, counts have another scale. */
const NOT_PLOTTED = new Set(['epoch', 'loss', 'tp', 'fp', 'tn', 'fn', 'lr', 'learning_rate', 'time', 'ms']);

/** Preferred order of the small multiples; other metrics follow alphabetically. */
const ORDER = ['accuracy', 'precision', 'recall', 'auc', 'specificity_at_sensitivity'];

export interface MetricCurvesOptions {
  /** Only these metric keys (without `val_`), in this order. @default every rate metric in the history */
  readonly metrics?: readonly string[];
  /** Small multiples per row. @default 3 */
  readonly columns?: number;
  /** @default 'Metrics per epoch: train vs validation' */
  readonly title?: string;
}

/**
 * One small multiple per metric (accuracy, precision, recall, AUC, specificity at sensitivity, …),
 * each with the train curve (`auc`) and the validation curve (`val_auc`). Every panel has its own
 * y scale so small differences stay visible; the panel header names the metric.
 *
 * @example
 *   await renderSvg(metricCurvesSpec(history));
 */
export function metricCurvesSpec(history: readonly EpochRecord[], options: MetricCurvesOptions = {}): VegaLiteSpec {
  checkHistory(history);
  const found = new Set<string>();
  for (const row of history) {
    for (const key of Object.keys(row)) {
      const base = key.startsWith('val_') ? key.slice(4) : key;
      if (!NOT_PLOTTED.has(base)) found.add(base);
    }
  }
  const metrics = options.metrics ? [...options.metrics] : [...found].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const values: { epoch: number; split: string; metric: string; value: number }[] = [];
  for (const row of history) {
    for (const m of metrics) {
      for (const [key, split] of [
        [m, 'train'],
        [`val_${m}`, 'validation'],
      ] as const) {
        const v = row[key];
        if (typeof v === 'number' && Number.isFinite(v)) values.push({ epoch: row.epoch, split, metric: metricTitle(m), value: v });
      }
    }
  }
  const splits = [...new Set(values.map((v) => v.split))];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? 'Metrics per epoch: train vs validation',
    data: { values },
    columns: options.columns ?? 3,
    facet: { field: 'metric', type: 'nominal', title: null, sort: metrics.map(metricTitle) },
    spec: {
      width: 230,
      height: 160,
      mark: { type: 'line', point: { size: 20 }, strokeWidth: 2 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: 'Value', scale: { zero: false } },
        color: {
          field: 'split',
          type: 'nominal',
          title: 'Split',
          scale: { domain: splits, range: splits.map((s) => SPLIT_COLORS[s as keyof typeof SPLIT_COLORS]) },
        },
        tooltip: [{ field: 'metric' }, { field: 'split' }, { field: 'epoch' }, { field: 'value', format: '.4f' }],
      },
    },
    // Independent axes give every panel its own epoch axis, so a short last row has no stray axis.
    resolve: { scale: { y: 'independent' }, axis: { x: 'independent', y: 'independent' } },
    config: BASE_CONFIG,
  } as VegaLiteSpec;
}

function rank(key: string): number {
  const i = ORDER.indexOf(key);
  return i === -1 ? ORDER.length : i;
}
