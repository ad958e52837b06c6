import { MedpipeError } from '../base/errors.ts';
import { averageRates, classRates, microRates } from './class-rates.ts';
import { confusionMatrix, oneVsRestCounts } from './confusion-matrix.ts';

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
 * scikit-learn's `classification_report(labels, predicted, labels=range(K), target_names=classNames)`
 * for K >= 2 classes: per-class precision, recall, F1 and support, then accuracy (or, when some class
 * occurs neither in the labels nor in the predictions, scikit-learn's "micro avg" row), macro and
 * support-weighted averages. 0/0 ratios are 0 (scikit-learn's zero_division default).
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
  const digits = checkOptions(classNames, options);
  const k = classNames.length;
  if (labels.length !== predicted.length || labels.length === 0) {
    throw new MedpipeError('SHAPE_MISMATCH', `classificationReport got ${labels.length} labels and ${predicted.length} predictions.`, {
      fix: 'Pass one prediction per label (and at least one).',
    });
  }
  for (const [what, values] of [
    ['Label', labels],
    ['Prediction', predicted],
  ] as const) {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isInteger(values[i]) || values[i]! < 0 || values[i]! >= k) {
        throw new MedpipeError('INVALID_CONFIG', `${what} ${String(values[i])} at index ${i} is not a class index 0..${k - 1}.`, {
          fix: `Pass class indices into the ${k} class names.`,
        });
      }
    }
  }
  const counts = oneVsRestCounts(confusionMatrix(labels, predicted, k));
  const rows = counts.map((c, j) => ({ label: classNames[j]!, ...pick(classRates(c)) }));
  const n = labels.length;
  const accuracy = counts.reduce((s, c) => s + c.tp, 0) / n;
  const macroAvg = { label: 'macro avg', ...pick(averageRates(counts.map(classRates), 'macro')), support: n };
  const weightedAvg = { label: 'weighted avg', ...pick(averageRates(counts.map(classRates), 'weighted')), support: n };
  const micro = { label: 'micro avg', ...pick(microRates(counts)), support: n };
  // scikit-learn heads the micro row "accuracy" only when every class occurs in the labels or the predictions.
  const everyClassSeen = counts.every((c) => c.tp + c.fp + c.fn > 0);
  const table = new ReportTable(classNames, digits);
  let text = table.header() + rows.map((r) => table.line(r)).join('') + '\n';
  text += everyClassSeen ? table.accuracyLine(micro.f1, n) : table.line(micro);
  text += table.line(macroAvg) + table.line(weightedAvg);
  return { text, rows, accuracy, macroAvg, weightedAvg };
}

/**
 * scikit-learn's `classification_report` of a multi-label problem (n×K 0/1 matrices): one row per
 * finding, then micro, macro, weighted and samples averages.
 * @example
 *   multilabelReport([[1, 0], [0, 1]], [[1, 1], [0, 1]], ['effusion', 'nodule']).text;
 */
export function multilabelReport(
  labels: readonly ArrayLike<number>[],
  predicted: readonly ArrayLike<number>[],
  classNames: readonly string[],
  options: ClassificationReportOptions = {},
): { text: string; rows: ClassificationReportRow[] } {
  const digits = checkOptions(classNames, options);
  const counts = classNames.map((_, j) => {
    const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
    labels.forEach((row, i) => {
      const p = predicted[i]![j] === 1;
      if (row[j] === 1) p ? c.tp++ : c.fn++;
      else p ? c.fp++ : c.tn++;
    });
    return c;
  });
  const rates = counts.map(classRates);
  const rows = rates.map((r, j) => ({ label: classNames[j]!, ...pick(r) }));
  const support = rates.reduce((s, r) => s + r.support, 0);
  const samples = labels.map((row, i) => {
    const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (let j = 0; j < classNames.length; j++) {
      const p = predicted[i]![j] === 1;
      if (row[j] === 1) p ? c.tp++ : c.fn++;
      else p ? c.fp++ : c.tn++;
    }
    return classRates(c);
  });
  const n = labels.length;
  const mean = (key: 'precision' | 'recall' | 'f1') => samples.reduce((s, r) => s + r[key], 0) / n;
  const averages = [
    { label: 'micro avg', ...pick(microRates(counts)), support },
    { label: 'macro avg', ...pick(averageRates(rates, 'macro')), support },
    { label: 'weighted avg', ...pick(averageRates(rates, 'weighted')), support },
    { label: 'samples avg', precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), support },
  ];
  const table = new ReportTable(classNames, digits);
  const text = table.header() + rows.map((r) => table.line(r)).join('') + '\n' + averages.map((r) => table.line(r)).join('');
  return { text, rows: [...rows, ...averages] };
}

function checkOptions(classNames: readonly string[], options: ClassificationReportOptions): number {
  const digits = options.digits ?? 2;
  if (!Array.isArray(classNames) || classNames.length < 2 || classNames.some((c) => typeof c !== 'string')) {
    throw new MedpipeError('INVALID_CONFIG', `classificationReport needs at least two class names, got ${JSON.stringify(classNames)}.`, {
      fix: 'Pass the class names in label order, e.g. ["normal", "pneumonia"].',
    });
  }
  if (!Number.isInteger(digits) || digits < 0 || digits > 15) {
    throw new MedpipeError('INVALID_CONFIG', `digits must be an integer from 0 to 15, got ${String(digits)}.`, {
      fix: 'Use digits: 2 (the default) or 4.',
    });
  }
  return digits;
}

const pick = (r: { precision: number; recall: number; f1: number; support?: number }) => ({
  precision: r.precision,
  recall: r.recall,
  f1: r.f1,
  support: r.support ?? 0,
});

/** Layout copied from scikit-learn's format strings: names right-aligned to the widest heading, then columns of width 9 separated by one extra space. */
class ReportTable {
  private readonly width: number;
  constructor(
    classNames: readonly string[],
    private readonly digits: number,
  ) {
    this.width = Math.max(...classNames.map((c) => c.length), 'weighted avg'.length, digits);
  }
  private cells(label: string, cells: string[]): string {
    return `${label.padStart(this.width)} ${cells.map((c) => ` ${c.padStart(9)}`).join('')}\n`;
  }
  private num(x: number): string {
    return pyFixed(x, this.digits);
  }
  header(): string {
    return this.cells('', ['precision', 'recall', 'f1-score', 'support']) + '\n';
  }
  line(r: ClassificationReportRow): string {
    return this.cells(r.label, [this.num(r.precision), this.num(r.recall), this.num(r.f1), String(r.support)]);
  }
  /** scikit-learn prints the micro F1 2PR/(P+R) with P = R = accuracy, which can differ from accuracy in the last bit and so flip a rounding (0.385 → 0.38). */
  accuracyLine(microF1: number, n: number): string {
    return this.cells('accuracy', ['', '', this.num(microF1), String(n)]);
  }
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
