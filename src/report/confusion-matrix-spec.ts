import type { ConfusionCounts } from '../metrics/confusion.ts';
import { MedpipeError } from '../base/errors.ts';
import { BASE_CONFIG, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './vega-lite-spec.ts';

export interface ConfusionMatrixOptions {
  /** Named in the title, e.g. 'test'. @default undefined */
  readonly split?: string;
}

/**
 * The confusion matrix as a heatmap: rows = actual class, columns = predicted class (class 0 first,
 * as scikit-learn's ConfusionMatrixDisplay), each cell showing its count, its share of the row, and
 * TN/FP/FN/TP. The threshold is in the title because the matrix means nothing without it.
 *
 * @example
 *   await renderSvg(confusionMatrixSpec({ tp: 380, fp: 60, tn: 174, fn: 10 }, ['normal', 'pneumonia'], 0.5, { split: 'test' }));
 */
export function confusionMatrixSpec(
  counts: ConfusionCounts,
  classNames: readonly string[],
  threshold: number,
  options: ConfusionMatrixOptions = {},
): VegaLiteSpec {
  if (classNames.length !== 2) {
    throw new MedpipeError('INVALID_CONFIG', `A binary confusion matrix needs two class names, got ${JSON.stringify(classNames)}.`, {
      fix: 'Pass the names of class 0 and class 1 in that order, e.g. ["normal", "pneumonia"].',
    });
  }
  for (const key of ['tp', 'fp', 'tn', 'fn'] as const) {
    if (!Number.isInteger(counts[key]) || counts[key] < 0) {
      throw new MedpipeError('INVALID_CONFIG', `Confusion count ${key} = ${String(counts[key])} is not a non-negative integer.`, {
        fix: 'Pass the counts from confusionAt() or binaryMetrics().',
      });
    }
  }
  const [neg, pos] = classNames;
  const rowTotal = { [neg]: counts.tn + counts.fp, [pos]: counts.fn + counts.tp };
  const cells = [
    { actual: neg, predicted: neg, count: counts.tn, cell: 'TN' },
    { actual: neg, predicted: pos, count: counts.fp, cell: 'FP' },
    { actual: pos, predicted: neg, count: counts.fn, cell: 'FN' },
    { actual: pos, predicted: pos, count: counts.tp, cell: 'TP' },
  ].map((c) => {
    const total = rowTotal[c.actual];
    const share = total === 0 ? '' : ` (${((100 * c.count) / total).toFixed(1)}%)`;
    return { ...c, label: [String(c.count), `${c.cell}${share}`] };
  });
  const max = Math.max(1, ...cells.map((c) => c.count));
  const where = options.split ? ` on the ${options.split} split` : '';
  const order = [neg, pos];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: `Confusion matrix${where}`,
      subtitle: `threshold ${shortThreshold(threshold)}: predicted ${pos} when score ≥ threshold`,
    },
    data: { values: cells },
    width: 300,
    height: 300,
    encoding: {
      x: {
        field: 'predicted',
        type: 'nominal',
        sort: order,
        title: 'Predicted label',
        axis: { labelAngle: 0, orient: 'bottom', grid: false, ticks: false, domain: false, labelPadding: 6 },
      },
      y: { field: 'actual', type: 'nominal', sort: order, title: 'Actual label', axis: { grid: false, ticks: false, domain: false, labelPadding: 6 } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
        encoding: {
          color: {
            field: 'count',
            type: 'quantitative',
            title: 'Count',
            scale: { scheme: 'blues', domain: [0, max] },
          },
          tooltip: [{ field: 'actual' }, { field: 'predicted' }, { field: 'count' }, { field: 'cell' }],
        },
      },
      {
        mark: { type: 'text', fontSize: 16, lineHeight: 20, fontWeight: 'bold' },
        encoding: {
          text: { field: 'label' },
          // Dark cells get white text so the count stays readable.
          color: { condition: { test: `datum.count > ${max / 2}`, value: 'white' }, value: 'black' },
        },
      },
    ],
    config: BASE_CONFIG,
  } as VegaLiteSpec;
}

/** A chosen threshold such as 0.31372549… is shown as ≈0.3137; metrics.json keeps the exact value. */
function shortThreshold(threshold: number): string {
  const short = String(Number(threshold.toPrecision(4)));
  return short === String(threshold) ? short : `≈${short}`;
}
