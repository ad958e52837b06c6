import type { CalibrationCurve } from '../metrics/calibration.ts';
import type { ClinicalEvaluation } from '../metrics/clinical-evaluation.ts';
import { CURVE_COLORS } from './roc-curve-spec.ts';
import { BASE_CONFIG, fmt, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './vega-lite-spec.ts';

export interface ReliabilityInput {
  /** e.g. 'raw' and 'isotonic (fitted on validation)'. */
  readonly curves: readonly { readonly name: string; readonly curve: CalibrationCurve; readonly ece: number }[];
  /** Scores per class over the first curve's bins. */
  readonly histogram: { readonly edges: readonly number[]; readonly positives: readonly number[]; readonly negatives: readonly number[] };
  readonly classNames: readonly string[];
}

/**
 * The reliability diagram: fraction of positives against mean predicted probability per bin (the
 * diagonal is perfect calibration), above a histogram of the scores per class on the same bins, so
 * a reader sees where the scores are and how much each point rests on.
 *
 * @example
 *   await renderSvg(reliabilitySpec({ curves: [{ name: 'raw', curve, ece }], histogram, classNames }));
 */
export function reliabilitySpec(input: ReliabilityInput): VegaLiteSpec {
  const first = input.curves[0]?.curve;
  const binning = first ? `${first.bins} ${first.strategy === 'uniform' ? 'equal-width' : 'equal-count'} bins` : '';
  const labels = input.curves.map((c) => `${c.name} (ECE = ${fmt(c.ece)})`);
  const points = input.curves.flatMap((c, k) =>
    c.curve.points.map((p) => ({ curve: labels[k], meanScore: p.meanScore, fractionPositive: p.fractionPositive, count: p.count })),
  );
  const { edges, positives, negatives } = input.histogram;
  // Stacked by hand (negatives below, positives on top): vega-lite stacks bars, not x/x2 rectangles.
  const bars = edges.slice(0, -1).flatMap((lo, b) => [
    { lo, hi: edges[b + 1], y0: 0, y1: negatives[b], cls: input.classNames[0] ?? '0' },
    { lo, hi: edges[b + 1], y0: negatives[b], y1: negatives[b]! + positives[b]!, cls: input.classNames[1] ?? '1' },
  ]);
  const x = { type: 'quantitative', scale: { domain: [0, 1] } };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: `Reliability diagram (${binning})`,
    vconcat: [
      {
        width: 360,
        height: 300,
        layer: [
          {
            data: {
              values: [
                { x: 0, y: 0 },
                { x: 1, y: 1 },
              ],
            },
            mark: { type: 'line', strokeDash: [5, 5], color: '#999999', strokeWidth: 1.5 },
            encoding: { x: { field: 'x', ...x, title: null }, y: { field: 'y', type: 'quantitative' } },
          },
          {
            data: { values: points },
            mark: { type: 'line', point: { filled: true, size: 50 }, strokeWidth: 2 },
            encoding: {
              x: { field: 'meanScore', ...x, title: 'Mean predicted probability' },
              y: { field: 'fractionPositive', type: 'quantitative', title: 'Fraction of positives', scale: { domain: [0, 1] } },
              color: {
                field: 'curve',
                type: 'nominal',
                title: null,
                scale: { domain: labels, range: CURVE_COLORS.slice(0, labels.length) },
                legend: { orient: 'top-left', fillColor: 'white', padding: 6, strokeColor: '#cccccc' },
              },
            },
          },
        ],
      },
      {
        width: 360,
        height: 110,
        data: { values: bars },
        mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: { field: 'lo', ...x, title: 'Predicted probability (test scores per class)' },
          x2: { field: 'hi' },
          y: { field: 'y0', type: 'quantitative', title: 'Images' },
          y2: { field: 'y1' },
          color: { field: 'cls', type: 'nominal', title: null, scale: { range: ['#9ecae9', '#e45756'] }, legend: { orient: 'top-right' } },
        },
      },
    ],
    // The two panels colour different things (curves above, classes below).
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    config: BASE_CONFIG,
  } as VegaLiteSpec;
}

/** The reliability diagram's input from a clinical evaluation: the raw curve, and the recalibrated one when there is one. */
export function reliabilityInput(clinical: ClinicalEvaluation, classNames: readonly string[]): ReliabilityInput {
  const { calibration, intervals } = clinical;
  const curves = [{ name: 'raw scores', curve: calibration.curve, ece: intervals.ece.estimate }];
  const re = calibration.recalibrated;
  if (re) curves.push({ name: `${re.map.method} (fitted on validation)`, curve: re.curve, ece: re.metrics.ece.estimate });
  return { curves, histogram: calibration.histogram, classNames };
}
