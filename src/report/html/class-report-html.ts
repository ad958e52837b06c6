/**
 * report.html of a multi-class, ordinal or multi-label run: the binary report's self-contained page
 * (inline CSS and SVG, no script, no network) with the K-class sections — metrics with intervals
 * overall and per class, the K×K confusion matrix, per-class ROC / PR, calibration, subgroups, the
 * CLAIM / TRIPOD+AI checklist.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../base/atomic.ts';
import { classBarsSpec } from '../class-bars-spec.ts';
import { classConfusionSpec } from '../class-confusion-spec.ts';
import type { ClassEvaluationDocument } from '../class-evaluation-document.ts';
import { lossCurveSpec } from '../loss-curve-spec.ts';
import { metricCurvesSpec } from '../metric-curves-spec.ts';
import { prCurveSpec } from '../pr-curve-spec.ts';
import { reliabilitySpec } from '../reliability-spec.ts';
import { renderPagePlots } from '../page-plots.ts';
import { rocCurveSpec } from '../roc-curve-spec.ts';
import { withCi } from './format.ts';
import { html, rawPlots } from './html.ts';
import { reportPage } from './page.ts';
import { REPORT_FILE } from './report-html.ts';
import type { ReportInput } from './report-input.ts';
import { classCalibrationSection, classGallerySection, classMetricsSection, classSubgroupsSection } from './sections/class-results.ts';
import { checklistSection, classChecklistItems } from './sections/checklist.ts';
import { dataSection, trainingSection } from './sections/data-training.ts';
import { provenanceSection } from './sections/provenance.ts';
import type { MetricInterval } from '../../metrics/clinical-evaluation.ts';

export type ClassReportInput = Omit<ReportInput, 'evaluation'> & { readonly evaluation: ClassEvaluationDocument };

/**
 * @example
 *   const page = await renderClassReportHtml({ run, evaluation: classDocument, images });
 */
export async function renderClassReportHtml(input: ClassReportInput): Promise<string> {
  const { run, evaluation: e } = input;
  const history = e.history.map((logs, i) => ({ epoch: i + 1, ...logs }));
  const perKey = e.task === 'multilabel' ? 'perLabel' : 'perClass';
  const per = (
    e.metrics as unknown as Record<string, Record<string, { precision: number; recall: number; specificity: number; f1: number; auc: number; support: number }>>
  )[perKey]!;
  const { calibration } = e.clinical;
  const curves = [
    ...(calibration.topLabel ? [{ name: 'top label', curve: calibration.topLabel.curve, ece: calibration.topLabel.ece }] : []),
    ...e.classes.map((name) => ({ name, curve: calibration.perClass[name]!.curve, ece: calibration.perClass[name]!.ece })),
  ];
  const matrix = 'confusionMatrix' in e.metrics ? e.metrics.confusionMatrix : undefined;
  const svgs = await renderPagePlots(
    'classes',
    () => ({
      loss: history.length > 0 ? lossCurveSpec(history, { bestEpoch: e.context.training.bestEpoch }) : undefined,
      metrics: history.length > 0 ? metricCurvesSpec(history) : undefined,
      confusion: matrix ? classConfusionSpec(matrix, e.classes, { split: 'test' }) : undefined,
      roc: rocCurveSpec(Object.entries(e.curves.roc).map(([name, c]) => ({ name, fpr: c.fpr, tpr: c.tpr, auc: c.auc }))),
      pr: prCurveSpec(
        Object.entries(e.curves.pr).map(([name, c]) => ({
          name,
          precision: c.precision,
          recall: c.recall,
          averagePrecision: c.averagePrecision,
          prevalence: c.prevalence,
        })),
      ),
      bars: classBarsSpec(e.classes.map((name) => ({ name, ...per[name]! }))),
      reliability: reliabilitySpec({ curves, histogram: calibration.histogram, classNames: calibration.histogram.names }),
    }),
    input.plots,
  );
  const plots = rawPlots(svgs);
  const headline: readonly (readonly [string, string])[] =
    e.task === 'multilabel'
      ? [
          ['macro ROC AUC', 'auc'],
          ['micro ROC AUC', 'microAuc'],
        ]
      : [
          ['macro ROC AUC', 'auc'],
          ['accuracy', 'accuracy'],
          ...(e.task === 'ordinal' ? [['quadratic-weighted kappa', 'quadraticWeightedKappa'] as const] : []),
        ];
  const lead = headline
    .map(([label, key]) => {
      const ci = e.clinical.intervals[key] as MetricInterval | undefined;
      return `${label} ${ci ? withCi(ci.estimate, ci.percentile) : 'n/a'}`;
    })
    .join(', ');
  const counted = e.task === 'multilabel' ? `${e.classes.length} findings` : `${e.classes.length} ${e.task === 'ordinal' ? 'ordered grades' : 'classes'}`;
  return reportPage(
    run,
    html`${counted}. Test ${lead} (percentile 95% CIs). Seed ${run.seed}, ${run.startedAt}.`,
    [
      ['data', 'Data'],
      ['training', 'Training'],
      ['metrics', 'Metrics'],
      ['calibration', 'Calibration'],
      ['subgroups', 'Subgroups'],
      ['gradcam', 'Grad-CAM'],
      ['checklist', 'Checklist'],
      ['provenance', 'Provenance'],
    ],
    html`${dataSection(e)} ${trainingSection(e, run, plots)} ${classMetricsSection(e, plots)} ${classCalibrationSection(e, plots.reliability)}
    ${classSubgroupsSection(e)} ${classGallerySection(e, input.images)} ${checklistSection(classChecklistItems(e, run))} ${provenanceSection(run)}`,
  );
}

/** Writes the report (report.html unless named) into `outDir` and returns its path. */
export async function writeClassReportHtml(outDir: string, input: ClassReportInput, name = REPORT_FILE): Promise<string> {
  const path = join(outDir, name);
  await writeFileAtomic(path, await renderClassReportHtml(input));
  return path;
}
