import { MedpipeError } from '../base/errors.ts';
import { BASE_CONFIG, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './vega-lite-spec.ts';

export interface ClassConfusionOptions {
  /** Colour and label each cell by its share of the row (the true class's recall on the diagonal). @default false (counts) */
  readonly normalize?: boolean;
  /** Named in the title, e.g. 'test'. @default undefined */
  readonly split?: string;
}

/**
 * The K×K confusion matrix as a heatmap: rows = true class, columns = predicted class, in class order
 * (as scikit-learn's ConfusionMatrixDisplay). With `normalize` each row sums to 1, so the diagonal
 * reads as each class's recall and the cells off it as where that class's mistakes go.
 * @example
 *   await renderSvg(classConfusionSpec(m.confusionMatrix, m.classes, { normalize: true, split: 'test' }));
 */
export function classConfusionSpec(matrix: readonly (readonly number[])[], classNames: readonly string[], options: ClassConfusionOptions = {}): VegaLiteSpec {
  const k = classNames.length;
  if (matrix.length !== k || matrix.some((row) => row.length !== k || row.some((v) => !Number.isInteger(v) || v < 0))) {
    throw new MedpipeError('INVALID_CONFIG', `A confusion matrix for ${k} classes needs ${k}×${k} non-negative counts.`, {
      fix: 'Pass multiclassMetrics(...).confusionMatrix with its class names.',
    });
  }
  const cells = matrix.flatMap((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, p) => {
      const share = total === 0 ? 0 : count / total;
      return { actual: classNames[t], predicted: classNames[p], count, share, label: options.normalize ? share.toFixed(2) : String(count) };
    });
  });
  const field = options.normalize ? 'share' : 'count';
  const max = options.normalize ? 1 : Math.max(1, ...cells.map((c) => c.count));
  const where = options.split ? ` on the ${options.split} split` : '';
  const size = Math.max(240, Math.min(560, 70 * k));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: `Confusion matrix${where}${options.normalize ? ', row-normalised' : ''}`,
      subtitle: options.normalize ? 'each row sums to 1: the diagonal is each class’s recall' : 'counts; predicted = the most probable class',
    },
    data: { values: cells },
    width: size,
    height: size,
    encoding: {
      x: {
        field: 'predicted',
        type: 'nominal',
        sort: [...classNames],
        title: 'Predicted class',
        axis: { labelAngle: -30, orient: 'bottom', grid: false, ticks: false, domain: false, labelPadding: 6 },
      },
      y: { field: 'actual', type: 'nominal', sort: [...classNames], title: 'True class', axis: { grid: false, ticks: false, domain: false, labelPadding: 6 } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
        encoding: {
          color: { field, type: 'quantitative', title: options.normalize ? 'Share of row' : 'Count', scale: { scheme: 'blues', domain: [0, max] } },
          tooltip: [{ field: 'actual' }, { field: 'predicted' }, { field: 'count' }, { field: 'share', format: '.3f' }],
        },
      },
      {
        mark: { type: 'text', fontSize: k > 8 ? 10 : 14, fontWeight: 'bold' },
        encoding: {
          text: { field: 'label' },
          color: { condition: { test: `datum.${field} > ${max / 2}`, value: 'white' }, value: 'black' },
        },
      },
    ],
    config: BASE_CONFIG,
  } as VegaLiteSpec;
}
