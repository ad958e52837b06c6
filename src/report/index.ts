/** Evaluation plots as Vega-Lite specs, rendered headlessly to SVG (vega) and PNG (sharp). */
export { type EpochRecord, type VegaLiteSpec, METRIC_TITLES, metricTitle } from './vega-lite-spec.ts';
export { lossCurveSpec, type LossCurveOptions } from './loss-curve-spec.ts';
export { metricCurvesSpec, type MetricCurvesOptions } from './metric-curves-spec.ts';
export { confusionMatrixSpec, type ConfusionMatrixOptions } from './confusion-matrix-spec.ts';
export { rocCurveSpec, type RocCurveInput } from './roc-curve-spec.ts';
export { prCurveSpec, type PrCurveInput } from './pr-curve-spec.ts';
export { reliabilitySpec, reliabilityInput, type ReliabilityInput } from './reliability-spec.ts';
export { renderSvg, svgToPng } from './render-svg.ts';
export { writePlots, type PlotInput } from './write-plots.ts';
