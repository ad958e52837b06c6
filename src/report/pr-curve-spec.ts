import { bandLayer, checkCurves, curveColor, type CurveBandInput } from './roc-curve-spec.ts';
import { drawnPoints } from './drawn-points.ts';
import { BASE_CONFIG, fmt, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './vega-lite-spec.ts';

export interface PrCurveInput {
  readonly name: string;
  /** As returned by precisionRecallCurve (recall decreasing, ending at recall 0, precision 1). */
  readonly precision: readonly number[];
  readonly recall: readonly number[];
  /** averagePrecision() of the same scores, shown in the legend. */
  readonly averagePrecision: number;
  /** Share of positives: the precision of a random classifier, drawn as a dotted line. @default undefined (not drawn) */
  readonly prevalence?: number;
  /** A bootstrap band of interpolated precision (curveBand('pr', …)). @default undefined (none) */
  readonly band?: CurveBandInput;
}

/**
 * Precision-recall curves, labelled "name (AP = 0.951)". Drawn as steps (like scikit-learn's
 * PrecisionRecallDisplay), which is the curve whose area the average precision is.
 * Keep titles short: without a canvas, vega estimates text widths generously and pads the layout.
 *
 * @example
 *   const pr = precisionRecallCurve(y, s);
 *   await renderSvg(prCurveSpec([{ name: 'test', ...pr, averagePrecision: averagePrecision(y, s) }]));
 */
export function prCurveSpec(curves: readonly PrCurveInput[], options: { readonly title?: string } = {}): VegaLiteSpec {
  checkCurves(curves, 'recall', 'precision', 'precision-recall');
  const labels = curves.map((c) => `${c.name} (AP = ${fmt(c.averagePrecision)})${c.band ? `, ${Math.round(c.band.level * 100)}% band` : ''}`);
  // Points within half a pixel of the last drawn one are left out (drawn-points.ts).
  const values = curves.flatMap((c, k) =>
    drawnPoints(c.recall, c.precision).map((i) => ({ curve: labels[k], order: i, recall: c.recall[i], precision: c.precision[i] })),
  );
  const baselines = curves.flatMap((c, k) =>
    c.prevalence !== undefined && Number.isFinite(c.prevalence) ? [{ curve: labels[k], prevalence: c.prevalence }] : [],
  );
  const color = curveColor(labels, 'bottom-left');
  const layer: object[] = [
    ...bandLayer(curves, labels, 'recall', color),
    {
      data: { values },
      // recall decreases along the arrays: step-after keeps precision P_k over (R_{k-1}, R_k].
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2.5 },
      encoding: {
        x: { field: 'recall', type: 'quantitative', title: 'Recall (sensitivity)', scale: { domain: [0, 1] } },
        y: { field: 'precision', type: 'quantitative', title: 'Precision (PPV)', scale: { domain: [0, 1] } },
        order: { field: 'order', type: 'quantitative' },
        color,
      },
    },
  ];
  if (baselines.length > 0) {
    layer.push({
      data: { values: baselines },
      mark: { type: 'rule', strokeDash: [2, 3], strokeWidth: 1.5 },
      encoding: { y: { field: 'prevalence', type: 'quantitative' }, color },
    });
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: options.title ?? `Precision-recall curve: ${curves.map((c) => c.name).join(' vs ')}`,
      ...(baselines.length > 0 ? { subtitle: 'dotted: random classifier (prevalence)' } : {}),
    },
    width: 360,
    height: 360,
    layer,
    config: BASE_CONFIG,
  } as VegaLiteSpec;
}
