import { MedpipeError } from '../base/errors.ts';
import { confusionOfPredictions } from './confusion.ts';

export interface ClassificationReportRow {
  /** Class name, `accuracy`, `macro avg` or `weighted avg`. */
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  /** The text table, formatted character for character like scikit-learn's `classification_report`. */
  text: string;
  /** One row per class: class 0 first (its precision is the NPV, its recall the specificity). */
  rows: ClassificationReportRow[];
  accuracy: number;
  macroAvg: ClassificationReportRow;
  weightedAvg: ClassificationReportRow;
}

export interface ClassificationReportOptions {
  /** Decimals in the text table. @default 2 */
  readonly digits?: number;
}

/**
 * scikit-learn's `classification_report(labels, predicted, labels=[0, 1], target_names=classNames)`:
 * per-class precision, recall, F1 and support, then accuracy, macro and support-weighted averages.
 * 0/0 ratios are 0 (scikit-learn's zero_division default).
 *
 * @example
 *   console.log(classificationReport([0, 1, 1], [0, 1, 0], ['normal', 'pneumonia']).text);
 */
export function classificationReport(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classNames: readonly string[],
  options: ClassificationReportOptions = {},
): ClassificationReport {
  const digits = options.digits ?? 2;
  if (!Array.isArray(classNames) || classNames.length !== 2 || classNames.some((c) => typeof c !== 'string')) {
    throw new MedpipeError('INVALID_CONFIG', `classificationReport needs two class names, got ${JSON.stringify(classNames)}.`, {
      fix: 'Pass the names of class 0 and class 1 in that order, e.g. ["normal", "pneumonia"].',
    });
  }
  if (!Number.isInteger(digits) || digits < 0 || digits > 15) {
    throw new MedpipeError('INVALID_CONFIG', `digits must be an integer from 0 to 15, got ${String(digits)}.`, {
      fix: 'Use digits: 2 (the default) or 4.',
    });
  }
  const { tp, fp, tn, fn } = confusionOfPredictions(labels, predicted);
  const div = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  const f1 = (p: number, r: number): number => (p + r === 0 ? 0 : (2 * p * r) / (p + r));
  const row = (label: string, correct: number, predictedAs: number, support: number): ClassificationReportRow => {
    const precision = div(correct, predictedAs);
    const recall = div(correct, support);
    return { label, precision, recall, f1: f1(precision, recall), support };
  };
  const rows = [row(classNames[0], tn, tn + fn, tn + fp), row(classNames[1], tp, tp + fp, tp + fn)];
  const n = tp + fp + tn + fn;
  const avg = (label: string, weight: (r: ClassificationReportRow) => number): ClassificationReportRow => {
    const total = rows.reduce((s, r) => s + weight(r), 0);
    const mean = (pick: (r: ClassificationReportRow) => number): number => (total === 0 ? 0 : rows.reduce((s, r) => s + weight(r) * pick(r), 0) / total);
    return { label, precision: mean((r) => r.precision), recall: mean((r) => r.recall), f1: mean((r) => r.f1), support: n };
  };
  const macroAvg = avg('macro avg', () => 1);
  const weightedAvg = avg('weighted avg', (r) => r.support);
  const accuracy = (tp + tn) / n;

  // Layout copied from scikit-learn's format strings: names right-aligned to the widest heading,
  // then columns of width 9 separated by one extra space.
  const width = Math.max(...classNames.map((c) => c.length), 'weighted avg'.length, digits);
  const pad = (s: string, w: number): string => s.padStart(w);
  const num = (x: number): string => pad(pyFixed(x, digits), 9);
  const line = (r: ClassificationReportRow): string =>
    `${pad(r.label, width)} ${[num(r.precision), num(r.recall), num(r.f1), pad(String(r.support), 9)].map((c) => ` ${c}`).join('')}\n`;
  let text = `${pad('', width)} ${['precision', 'recall', 'f1-score', 'support'].map((h) => ` ${pad(h, 9)}`).join('')}\n\n`;
  for (const r of rows) text += line(r);
  text += '\n';
  // scikit-learn prints the accuracy row's value as the micro F1 2PR/(P+R) with P = R = accuracy,
  // which can differ from accuracy in the last bit and so flip a rounding (0.385 → 0.38).
  text += `${pad('accuracy', width)} ${[pad('', 9), pad('', 9), num(f1(accuracy, accuracy)), pad(String(n), 9)].map((c) => ` ${c}`).join('')}\n`;
  text += line(macroAvg);
  text += line(weightedAvg);
  return { text, rows, accuracy, macroAvg, weightedAvg };
}

/**
 * Python's `format(x, '.{d}f')`: correctly rounded with ties to even. JavaScript's toFixed rounds
 * exact ties up (0.125 → "0.13" where Python prints "0.12"), so ties are detected and fixed here.
 */
export function pyFixed(x: number, digits: number): string {
  const fixed = x.toFixed(digits);
  // A double is an exact tie only when its decimal expansion stops right after a 5 at digit d+1;
  // toFixed(d + 25) shows that expansion exactly for the magnitudes of metrics (>= 1e-6 or 0).
  const long = Math.abs(x).toFixed(Math.min(100, digits + 25));
  const dot = long.indexOf('.');
  const tail = long.slice(dot + 1 + digits);
  if (!/^50*$/.test(tail)) return fixed;
  const truncated = long.slice(0, dot + 1 + digits).replace(/\.$/, '');
  const lastDigit = Number(truncated[truncated.length - 1]);
  const sign = x < 0 ? '-' : '';
  // Ties to even: keep the truncated value when its last digit is even, else toFixed's round-up is right.
  return lastDigit % 2 === 0 ? sign + truncated : fixed;
}
