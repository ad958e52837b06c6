/**
 * report.html's sections for multi-class, ordinal and multi-label runs: test metrics with their
 * intervals (overall and per class or finding), calibration (Brier, top-label ECE, per-class
 * reliability), subgroups and the Grad-CAM gallery.
 */
import type { BootstrapInterval } from '../../../metrics/bootstrap.ts';
import type { MetricInterval } from '../../../metrics/clinical-evaluation.ts';
import type { Nested } from '../../../metrics/metric-leaves.ts';
import type { ClassEvaluationDocument } from '../../class-evaluation-document.ts';
import { num, percent, withCi } from '../format.ts';
import { html, type Html } from '../html.ts';
import { METRIC_LABELS } from '../report-input.ts';
import { INTERVAL_HEADERS, intervalRow, table } from '../table.ts';
import { subgroupsSection } from './subgroups.ts';

/** Overall metrics shown first, in this order (the rest follow as metrics.json has them). */
const OVERALL: Readonly<Record<ClassEvaluationDocument['task'], readonly string[]>> = {
  multiclass: ['accuracy', 'balancedAccuracy', 'auc', 'kappa', 'logLoss', 'brier', 'ece'],
  ordinal: ['accuracy', 'balancedAccuracy', 'auc', 'quadraticWeightedKappa', 'meanAbsoluteError', 'withinOneGradeAccuracy', 'kappa', 'logLoss', 'brier', 'ece'],
  multilabel: ['auc', 'microAuc', 'weightedAuc', 'averagePrecision', 'microAveragePrecision', 'hammingLoss', 'subsetAccuracy', 'brier'],
};
const CLASS_LABELS: Readonly<Record<string, string>> = {
  ...METRIC_LABELS,
  auc: 'Macro ROC AUC (one-vs-rest)',
  microAuc: 'Micro ROC AUC',
  weightedAuc: 'Weighted ROC AUC',
  averagePrecision: 'Macro average precision',
  microAveragePrecision: 'Micro average precision',
  quadraticWeightedKappa: 'Quadratic-weighted kappa',
  meanAbsoluteError: 'Mean absolute grade error',
  withinOneGradeAccuracy: 'Within one grade',
  logLoss: 'Log loss',
  hammingLoss: 'Hamming loss',
  subsetAccuracy: 'Subset accuracy',
  brier: 'Brier score',
  ece: 'Top-label ECE',
  macroF1: 'Macro F1',
};
const PER_CLASS = ['precision', 'recall', 'specificity', 'f1', 'auc', 'averagePrecision'] as const;

const isInterval = (v: unknown): v is MetricInterval => typeof v === 'object' && v !== null && 'estimate' in v && 'percentile' in v;
const ciCell = (ci: BootstrapInterval | undefined) => html`<td class="n">${ci ? withCi(ci.estimate, ci.percentile) : 'n/a'}</td>`;

/** Overall metrics, averages and per-class rows, each with its percentile interval. */
export function classMetricsSection(
  e: ClassEvaluationDocument,
  plots: { readonly confusion?: Html; readonly roc: Html; readonly pr: Html; readonly bars: Html },
): Html {
  const { intervals, bootstrap } = e.clinical;
  const overall = OVERALL[e.task].flatMap((key) => (isInterval(intervals[key]) ? [intervalRow(CLASS_LABELS[key] ?? key, intervals[key])] : []));
  const topK = intervals.topKAccuracy as Nested<MetricInterval> | undefined;
  const topRows = topK ? Object.entries(topK).map(([k, ci]) => intervalRow(`Top-${k} accuracy`, ci as MetricInterval)) : [];
  const averages = ['macro', 'weighted', 'micro', 'samples'].flatMap((avg) => {
    const group = intervals[avg] as Nested<MetricInterval> | undefined;
    if (!group) return [];
    return Object.entries(group).map(([k, ci]) => intervalRow(`${avg[0]!.toUpperCase()}${avg.slice(1)} ${METRIC_LABELS[k] ?? k}`, ci as MetricInterval));
  });
  const perKey = e.task === 'multilabel' ? 'perLabel' : 'perClass';
  const per = (intervals[perKey] ?? {}) as Nested<MetricInterval>;
  const metrics = e.metrics as unknown as Record<string, Record<string, { support: number; threshold?: number }>>;
  const perRows = e.classes.map((name) => {
    const cis = (per[name] ?? {}) as Record<string, MetricInterval>;
    const own = metrics[perKey]?.[name];
    return html`<tr>
      <td>${name}</td>
      <td class="n">${own?.support ?? 'n/a'}</td>
      ${e.task === 'multilabel' ? html`<td class="n">${num(own?.threshold, 4)}</td>` : ''} ${PER_CLASS.map((k) => ciCell(cis[k]))}
    </tr>`;
  });
  const rule =
    e.task === 'multilabel'
      ? html`Decision rule: a finding is present when its score ≥ its threshold, ${e.thresholdSource}.`
      : html`Decision rule: the most probable class (no threshold).${e.testTimeAugmentation ? ` ${e.testTimeAugmentation}.` : ''}`;
  return html`<section id="metrics">
    <h2>Test metrics with ${percent(bootstrap.level, 0)} confidence intervals</h2>
    <p>Test split: ${e.metrics.n} images, ${e.classes.length} ${e.task === 'multilabel' ? 'findings' : 'classes'}. ${rule}</p>
    ${table(INTERVAL_HEADERS, [...overall, ...topRows, ...averages])}
    <h3>Per ${e.task === 'multilabel' ? 'finding' : 'class'} (estimate and percentile CI)</h3>
    ${table(
      [
        e.task === 'multilabel' ? 'Finding' : 'Class',
        'Support',
        ...(e.task === 'multilabel' ? ['Threshold'] : []),
        'Precision',
        'Recall',
        'Specificity',
        'F1',
        'ROC AUC',
        'Average precision',
      ],
      perRows,
    )}
    <p class="note">Intervals: ${bootstrap.method}. ${e.metrics.notes.join(' ')}</p>
    <div class="plots">
      ${
        plots.confusion
          ? html`<figure>
              ${plots.confusion}
              <figcaption>Confusion matrix of the test split (rows: true class).</figcaption>
            </figure>`
          : ''
      }
      <figure>
        ${plots.roc}
        <figcaption>ROC curves ${e.task === 'multilabel' ? 'per finding' : 'one-vs-rest'}, test split.</figcaption>
      </figure>
      <figure>
        ${plots.pr}
        <figcaption>Precision–recall curves, test split.</figcaption>
      </figure>
      <figure>
        ${plots.bars}
        <figcaption>Per-${e.task === 'multilabel' ? 'finding' : 'class'} metrics, test split.</figcaption>
      </figure>
    </div>
  </section>`;
}

/** Brier score, top-label ECE (K classes), per-class ECE and the reliability diagram. */
export function classCalibrationSection(e: ClassEvaluationDocument, reliability: Html): Html {
  const { calibration, intervals } = e.clinical;
  const brier = intervals.brier as MetricInterval;
  const ece = intervals.ece as MetricInterval | undefined;
  const rows = e.classes.map((name) => {
    const c = calibration.perClass[name]!;
    return html`<tr>
      <td>${name}</td>
      <td class="n">${num(c.brier, 4)}</td>
      <td class="n">${num(c.ece, 4)}</td>
      <td class="n">${c.curve.points.length}</td>
    </tr>`;
  });
  return html`<section id="calibration">
    <h2>Calibration</h2>
    <table>
      <tbody>
        <tr>
          <td>
            ${
              e.task === 'multilabel'
                ? 'Brier score (mean over findings of mean (score − truth)²)'
                : 'Multi-class Brier score (mean Σ over classes of (p − 1[true class])², 0 to 2)'
            }
          </td>
          <td class="n">${withCi(brier.estimate, brier.percentile)}</td>
        </tr>
        ${
          ece
            ? html`<tr>
                <td>Top-label ECE (confidence = highest probability)</td>
                <td class="n">${withCi(ece.estimate, ece.percentile)}</td>
              </tr>`
            : ''
        }
      </tbody>
    </table>
    <p class="note">Binning: ${calibration.binning.rule}. Intervals: ${e.clinical.bootstrap.method}.</p>
    <h3>Per ${e.task === 'multilabel' ? 'finding' : 'class'} (one-vs-rest: the column's probability against "is this class")</h3>
    ${table([e.task === 'multilabel' ? 'Finding' : 'Class', 'Brier', 'ECE', 'Non-empty bins'], rows)}
    <div class="plots">
      <figure>
        ${reliability}
        <figcaption>
          Reliability diagram: ${e.task === 'multilabel' ? 'each finding' : 'the top label and each class (one-vs-rest)'}; the diagonal is perfect calibration.
        </figcaption>
      </figure>
    </div>
  </section>`;
}

/** Metrics per metadata value, with intervals from a bootstrap within the subgroup. */
export function classSubgroupsSection(e: ClassEvaluationDocument): Html {
  const groups = e.clinical.subgroups;
  const keys = groups.length > 0 ? Object.keys(groups[0]!.metrics) : [];
  return subgroupsSection(
    groups,
    e.context.data.attributes,
    html`Test metrics per value of each metadata attribute, with percentile ${percent(e.clinical.bootstrap.level, 0)} intervals from a bootstrap within the
    subgroup.`,
    [
      {
        header: e.task === 'multilabel' ? 'Images per finding' : 'Images per class',
        cell: (g) =>
          html`<td>
            ${Object.entries(g.counts)
              .map(([c, n]) => `${c}: ${n}`)
              .join(', ')}
          </td>`,
      },
      ...keys.map((k) => ({ header: CLASS_LABELS[k] ?? k, cell: (g: (typeof groups)[number]) => ciCell(g.metrics[k]) })),
    ],
  );
}

/** The Grad-CAM pictures (data: URIs), captioned with the true, predicted and explained class. */
export function classGallerySection(e: ClassEvaluationDocument, images: Readonly<Record<string, string>>): Html {
  const cam = e.gradCam;
  if (!cam || cam.examples.length === 0)
    return html`<section id="gradcam">
      <h2>Where the model looks</h2>
      <p>Not reported: Grad-CAM was turned off (evaluate({ gradCam: false })).</p>
    </section>`;
  const name = (c: number | undefined) => (c === undefined ? 'n/a' : (e.classes[c] ?? String(c)));
  const figures = cam.examples.map((x) => {
    const png = images[x.file];
    const caption = `${e.task === 'multilabel' ? 'first finding' : 'true'} ${name(x.label)}, predicted ${name(x.predicted)}; map of ${name(x.explained ?? x.predicted)} (p ${num(x.score)})`;
    return png
      ? html`<figure>
          <img alt="${caption}" src="data:image/png;base64,${png}" />
          <figcaption>${caption}</figcaption>
        </figure>`
      : html`<figure><figcaption>${caption} (picture no longer available)</figcaption></figure>`;
  });
  return html`<section id="gradcam">
    <h2>Where the model looks (${cam.method === 'hirescam' ? 'HiResCAM' : 'Grad-CAM'})</h2>
    <p>Test images picked per class, right and wrong; warm colours mark the evidence for the class named under each picture.</p>
    <div class="gallery">${figures}</div>
  </section>`;
}
