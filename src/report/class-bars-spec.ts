import { MedpipeError } from '../base/errors.ts';
import { CURVE_COLORS } from './roc-curve-spec.ts';
import { BASE_CONFIG, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './vega-lite-spec.ts';

export interface ClassBarRow {
  readonly name: string;
  readonly precision: number;
  readonly recall: number;
  readonly specificity: number;
  readonly f1: number;
  readonly auc: number;
  readonly support: number;
}

const METRICS = [
  ['precision', 'Precision (PPV)'],
  ['recall', 'Recall (sensitivity)'],
  ['specificity', 'Specificity'],
  ['f1', 'F1'],
  ['auc', 'ROC AUC (one-vs-rest)'],
] as const;

/**
 * Per-class metric bars: for each class (or finding) a group of bars for precision, recall,
 * specificity, F1 and one-vs-rest AUC, so a weak class stands out at a glance. Undefined values
 * (a class absent from the split) are left out; the axis label gives each class's support.
 * @example
 *   await renderSvg(classBarsSpec(classes.map((c) => ({ name: c, ...m.perClass[c] }))));
 */
export function classBarsSpec(rows: readonly ClassBarRow[], options: { readonly split?: string; readonly title?: string } = {}): VegaLiteSpec {
  if (rows.length === 0) throw new MedpipeError('INVALID_CONFIG', 'Per-class bars need at least one class.', { fix: 'Pass one row per class.' });
  const values = rows.flatMap((r) =>
    METRICS.flatMap(([key, title]) => (Number.isFinite(r[key]) ? [{ class: `${r.name} (n=${r.support})`, metric: title, value: r[key] }] : [])),
  );
  const where = options.split ? ` on the ${options.split} split` : '';
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? `Per-class metrics${where}`,
    data: { values },
    width: { step: 14 },
    height: 260,
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'class', type: 'nominal', sort: rows.map((r) => `${r.name} (n=${r.support})`), title: null, axis: { labelAngle: -30 } },
      xOffset: { field: 'metric', type: 'nominal', sort: METRICS.map(([, t]) => t) },
      y: { field: 'value', type: 'quantitative', title: null, scale: { domain: [0, 1] } },
      color: {
        field: 'metric',
        type: 'nominal',
        title: null,
        sort: METRICS.map(([, t]) => t),
        scale: { range: CURVE_COLORS.slice(0, METRICS.length) },
        legend: { orient: 'bottom', direction: 'horizontal' },
      },
      tooltip: [{ field: 'class' }, { field: 'metric' }, { field: 'value', format: '.4f' }],
    },
    config: BASE_CONFIG,
  } as VegaLiteSpec;
}
