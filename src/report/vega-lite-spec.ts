import type { TopLevelSpec } from 'vega-lite';

/** A Vega-Lite 5 specification (plain JSON data, inline values only). */
export type VegaLiteSpec = TopLevelSpec;

/** One row of `history.json`: the epoch number plus every logged value (loss, val_loss, auc, val_auc, …). */
export interface EpochRecord {
  epoch: number;
  [metric: string]: number;
}

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** Train in blue, validation in orange, everywhere (Tableau 10, colour-blind safe as a pair). */
export const SPLIT_COLORS = { train: '#4c78a8', validation: '#f58518' } as const;

/**
 * Shared look: DejaVu Sans first because it is the font librsvg finds on Debian (fonts-dejavu-core),
 * so the SVG and the PNG show the same glyphs; white background so PNGs are not transparent.
 */
export const BASE_CONFIG = {
  background: 'white',
  font: 'DejaVu Sans, Verdana, sans-serif',
  title: { fontSize: 15, anchor: 'start' as const, offset: 12 },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
  header: { labelFontSize: 12, labelFontWeight: 'bold' as const },
  view: { stroke: '#cccccc' },
};

/** Human names for the metric keys of `epochMetrics` (textbook names, not the tutorial's). */
export const METRIC_TITLES: Readonly<Record<string, string>> = {
  loss: 'Loss',
  accuracy: 'Accuracy',
  precision: 'Precision (PPV)',
  recall: 'Recall (sensitivity)',
  auc: 'ROC AUC',
  specificity_at_sensitivity: 'Specificity at sensitivity 0.8',
  specificity: 'Specificity',
  npv: 'NPV',
  f1: 'F1',
  balanced_accuracy: 'Balanced accuracy',
  kappa: "Cohen's kappa",
  average_precision: 'Average precision',
  qwk: 'Quadratic-weighted kappa',
  mae: 'Mean absolute grade error',
  micro_auc: 'Micro ROC AUC',
  hamming_loss: 'Hamming loss',
  subset_accuracy: 'Subset accuracy',
};

export function metricTitle(key: string): string {
  return METRIC_TITLES[key] ?? key.replace(/_/g, ' ');
}

/** Formats a number for a title or legend with a fixed number of decimals, or "n/a" when undefined. */
export function fmt(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}
