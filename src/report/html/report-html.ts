/**
 * report.html: one self-contained page per run (inline CSS, inline SVG plots, pictures as data:
 * URIs, no script, no link, no font or image fetched from anywhere), readable from disk.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../base/atomic.ts';
import { confusionMatrixSpec } from '../confusion-matrix-spec.ts';
import { lossCurveSpec } from '../loss-curve-spec.ts';
import { metricCurvesSpec } from '../metric-curves-spec.ts';
import { prCurveSpec } from '../pr-curve-spec.ts';
import { reliabilityInput, reliabilitySpec } from '../reliability-spec.ts';
import { renderPagePlots } from '../page-plots.ts';
import { rocCurveSpec } from '../roc-curve-spec.ts';
import { num, withCi } from './format.ts';
import { html, rawPlots } from './html.ts';
import { reportPage } from './page.ts';
import { REPORT_FILE } from './report-file.ts';
import type { ReportInput } from './report-input.ts';
import { calibrationSection } from './sections/calibration.ts';
import { checklistItems, checklistSection } from './sections/checklist.ts';
import { dataSection, trainingSection } from './sections/data-training.ts';
import { gallerySection } from './sections/gallery.ts';
import { provenanceSection } from './sections/provenance.ts';
import { binarySubgroupsSection, metricsSection, operatingPointsSection } from './sections/results.ts';

export { REPORT_FILE };

/**
 * @example
 *   const page = await renderReportHtml({ run, evaluation, images });
 */
export async function renderReportHtml(input: ReportInput): Promise<string> {
  const { run, evaluation: e } = input;
  const history = e.history.map((logs, i) => ({ epoch: i + 1, ...logs }));
  const band = (name: string) => (name === 'test' ? { roc: e.clinical.bands.roc, pr: e.clinical.bands.pr } : undefined);
  const svgs = await renderPagePlots(
    'binary',
    () => ({
      loss: history.length > 0 ? lossCurveSpec(history, { bestEpoch: e.context.training.bestEpoch }) : undefined,
      metrics: history.length > 0 ? metricCurvesSpec(history) : undefined,
      confusion: confusionMatrixSpec(e.metrics, e.classes, e.threshold.value, { split: 'test' }),
      roc: rocCurveSpec(
        Object.entries(e.curves.roc).map(([name, c]) => ({ name, fpr: c.fpr, tpr: c.tpr, auc: c.auc, ...(band(name) ? { band: band(name)!.roc } : {}) })),
      ),
      pr: prCurveSpec(
        Object.entries(e.curves.pr).map(([name, c]) => ({
          name,
          precision: c.precision,
          recall: c.recall,
          averagePrecision: c.averagePrecision,
          prevalence: c.prevalence,
          ...(band(name) ? { band: band(name)!.pr } : {}),
        })),
      ),
      reliability: reliabilitySpec(reliabilityInput(e.clinical, e.classes)),
    }),
    input.plots,
  );
  const plots = rawPlots(svgs);
  const auc = e.clinical.intervals.auc;
  return reportPage(
    run,
    html`Test ROC AUC ${withCi(auc.estimate, auc.bca ?? auc.percentile)} (BCa 95% CI); sensitivity ${num(e.metrics.recall)}, specificity
    ${num(e.metrics.specificity)} at threshold ${num(e.threshold.value, 4)}. Seed ${run.seed}, ${run.startedAt}.`,
    [
      ['data', 'Data'],
      ['training', 'Training'],
      ['metrics', 'Metrics'],
      ['calibration', 'Calibration'],
      ['operating-points', 'Operating points'],
      ['subgroups', 'Subgroups'],
      ['gradcam', 'Grad-CAM'],
      ['checklist', 'Checklist'],
      ['provenance', 'Provenance'],
    ],
    html`${dataSection(e)} ${trainingSection(e, run, plots)} ${metricsSection(e, plots)} ${calibrationSection(e, plots.reliability)}
    ${operatingPointsSection(e)} ${binarySubgroupsSection(e)} ${gallerySection(e, input.images)} ${checklistSection(checklistItems(e, run))}
    ${provenanceSection(run)}`,
  );
}

/** Writes the report (report.html unless named) into `outDir` and returns its path. */
export async function writeReportHtml(outDir: string, input: ReportInput, name = REPORT_FILE): Promise<string> {
  const path = join(outDir, name);
  await writeFileAtomic(path, await renderReportHtml(input));
  return path;
}
