import { MedpipeError } from '../base/errors.ts';
import { drawnPoints } from './drawn-points.ts';
import { BASE_CONFIG, fmt, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './vega-lite-spec.ts';

export interface RocCurveInput {
  /** e.g. 'train', 'test'. */
  readonly name: string;
  readonly fpr: readonly number[];
  readonly tpr: readonly number[];
  readonly auc: number;
  /** A bootstrap band (curveBand('roc', …)): shaded behind the curve. @default undefined (none) */
  readonly band?: CurveBandInput;
}

/** A pointwise band around a curve: at each x, y between lower and upper. */
export interface CurveBandInput {
  readonly x: readonly number[];
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  readonly level: number;
}

/** The colour encoding shared by the curve plots: one colour per curve, legend in a corner. */
export function curveColor(labels: readonly string[], orient: 'bottom-right' | 'bottom-left'): object {
  return {
    field: 'curve',
    type: 'nominal',
    title: null,
    scale: { domain: labels, range: CURVE_COLORS.slice(0, labels.length) },
    legend: { orient, fillColor: 'white', padding: 6, strokeColor: '#cccccc', symbolType: 'stroke' },
  };
}

/** A shaded layer for the curves' bands, coloured like each curve; none when no curve has a band. */
export function bandLayer(curves: readonly { readonly band?: CurveBandInput }[], labels: readonly string[], x: string, color: object): object[] {
  const values = curves.flatMap((c, k) =>
    c.band ? c.band.x.map((v, i) => ({ curve: labels[k], [x]: v, lower: c.band!.lower[i], upper: c.band!.upper[i] })) : [],
  );
  if (values.length === 0) return [];
  return [
    {
      data: { values: values.filter((v) => Number.isFinite(v.lower) && Number.isFinite(v.upper)) },
      mark: { type: 'area', opacity: 0.2, interpolate: 'step-after' },
      encoding: { x: { field: x, type: 'quantitative' }, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' }, color },
    },
  ];
}

/** Distinct colours per curve (Tableau 20 order, first six as before); test (usually second) in orange like validation elsewhere. */
export const CURVE_COLORS = [
  '#4c78a8',
  '#f58518',
  '#54a24b',
  '#e45756',
  '#72b7b2',
  '#b279a2',
  '#eeca3b',
  '#ff9da6',
  '#9d755d',
  '#bab0ac',
  '#9ecae9',
  '#ffbf79',
  '#88d27a',
  '#ff9d98',
  '#83bcb6',
  '#d6a5c9',
  '#f2cf5b',
  '#fcbfd2',
  '#bcbddc',
  '#79706e',
];

/**
 * ROC curves (e.g. train and test), each labelled "name (AUC = 0.973)" in the legend, with the
 * chance diagonal. Points are drawn in the given order (not re-sorted by x), so the vertical steps of
 * tied false-positive rates stay exact. Points closer than half a pixel to the last drawn one are
 * left out (drawn-points.ts), so a curve of 10^5 points costs the plot no more than one of 10^3.
 *
 * @example
 *   const test = rocCurve(y, s, { dropIntermediate: true });
 *   await renderSvg(rocCurveSpec([{ name: 'test', ...test, auc: rocAuc(y, s) }]));
 */
export function rocCurveSpec(curves: readonly RocCurveInput[], options: { readonly title?: string } = {}): VegaLiteSpec {
  checkCurves(curves, 'fpr', 'tpr', 'ROC');
  const labels = curves.map((c) => `${c.name} (AUC = ${fmt(c.auc)})${c.band ? `, ${Math.round(c.band.level * 100)}% band` : ''}`);
  const values = curves.flatMap((c, k) => drawnPoints(c.fpr, c.tpr).map((i) => ({ curve: labels[k], order: i, fpr: c.fpr[i], tpr: c.tpr[i] })));
  const color = curveColor(labels, 'bottom-right');
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? `ROC curve: ${curves.map((c) => c.name).join(' vs ')}`,
    width: 360,
    height: 360,
    layer: [
      {
        data: {
          values: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
        mark: { type: 'line', strokeDash: [5, 5], color: '#999999', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
        },
      },
      ...bandLayer(curves, labels, 'fpr', color),
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 2.5 },
        encoding: {
          x: { field: 'fpr', type: 'quantitative', title: 'False positive rate (1 − specificity)', scale: { domain: [0, 1] } },
          y: { field: 'tpr', type: 'quantitative', title: 'True positive rate (sensitivity)', scale: { domain: [0, 1] } },
          order: { field: 'order', type: 'quantitative' },
          color,
        },
      },
    ],
    config: BASE_CONFIG,
  } as VegaLiteSpec;
}

export function checkCurves(curves: readonly object[], xKey: string, yKey: string, what: string): void {
  if (!Array.isArray(curves) || curves.length === 0) {
    throw new MedpipeError('INVALID_CONFIG', `A ${what} plot needs at least one curve.`, {
      fix: `Pass [{ name: 'test', ${xKey}, ${yKey}, … }].`,
    });
  }
  for (const c of curves as Record<string, unknown>[]) {
    const x = c[xKey] as readonly number[] | undefined;
    const y = c[yKey] as readonly number[] | undefined;
    if (typeof c.name !== 'string' || !x || !y || x.length !== y.length || x.length === 0) {
      throw new MedpipeError('INVALID_CONFIG', `${what} curve ${JSON.stringify(c.name)} needs a name and equally long, non-empty ${xKey}/${yKey} arrays.`, {
        fix: `Pass the arrays returned by ${what === 'ROC' ? 'rocCurve' : 'precisionRecallCurve'}().`,
      });
    }
  }
}
