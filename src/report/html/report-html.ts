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
import { renderSvg, restartSvgIds } from '../render-svg.ts';
import { rocCurveSpec } from '../roc-curve-spec.ts';
import { num, withCi } from './format.ts';
import { html, raw, type Html } from './html.ts';
import type { ReportInput } from './report-input.ts';
import { calibrationSection } from './sections/calibration.ts';
import { checklistSection } from './sections/checklist.ts';
import { dataSection, trainingSection } from './sections/data-training.ts';
import { gallerySection } from './sections/gallery.ts';
import { provenanceSection } from './sections/provenance.ts';
import { metricsSection, operatingPointsSection, subgroupsSection } from './sections/results.ts';
import { REPORT_CSS } from './style.ts';

export const REPORT_FILE = 'report.html';

/**
 * @example
 *   const page = await renderReportHtml({ run, evaluation, images });
 */
export async function renderReportHtml(input: ReportInput): Promise<string> {
  const { run, evaluation: e } = input;
  restartSvgIds();
  const svg = async (spec: Parameters<typeof renderSvg>[0]): Promise<Html> => raw(await renderSvg(spec));
  const history = e.history.map((logs, i) => ({ epoch: i + 1, ...logs }));
  const band = (name: string) => (name === 'test' ? { roc: e.clinical.bands.roc, pr: e.clinical.bands.pr } : undefined);
  const plots = {
    loss: history.length > 0 ? await svg(lossCurveSpec(history, { bestEpoch: e.context.training.bestEpoch })) : undefined,
    metrics: history.length > 0 ? await svg(metricCurvesSpec(history)) : undefined,
    confusion: await svg(confusionMatrixSpec(e.metrics, e.classes, e.threshold.value, { split: 'test' })),
    roc: await svg(
      rocCurveSpec(
        Object.entries(e.curves.roc).map(([name, c]) => ({ name, fpr: c.fpr, tpr: c.tpr, auc: c.auc, ...(band(name) ? { band: band(name)!.roc } : {}) })),
      ),
    ),
    pr: await svg(
      prCurveSpec(
        Object.entries(e.curves.pr).map(([name, c]) => ({
          name,
          precision: c.precision,
          recall: c.recall,
          averagePrecision: c.averagePrecision,
          prevalence: c.prevalence,
          ...(band(name) ? { band: band(name)!.pr } : {}),
        })),
      ),
    ),
    reliability: await svg(reliabilitySpec(reliabilityInput(e.clinical, e.classes))),
  };
  const auc = e.clinical.intervals.auc;
  const title = `${run.pipeline}${run.number !== undefined ? ` — run #${run.number}` : ''}`;
  const page = html`<!DOCTYPE html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>medpipe report: ${title}</title>
        <style>
          ${raw(REPORT_CSS)}
        </style>
      </head>
      <body>
        <header>
          <h1>medpipe report: ${title}</h1>
          <p>
            Test ROC AUC ${withCi(auc.estimate, auc.bca ?? auc.percentile)} (BCa 95% CI); sensitivity ${num(e.metrics.recall)}, specificity
            ${num(e.metrics.specificity)} at threshold ${num(e.threshold.value, 4)}. Seed ${run.seed}, ${run.startedAt}.
          </p>
        </header>
        <nav>
          <a href="#data">Data</a><a href="#training">Training</a><a href="#metrics">Metrics</a><a href="#calibration">Calibration</a
          ><a href="#operating-points">Operating points</a><a href="#subgroups">Subgroups</a><a href="#gradcam">Grad-CAM</a><a href="#checklist">Checklist</a
          ><a href="#provenance">Provenance</a>
        </nav>
        <main>
          ${dataSection(e)} ${trainingSection(e, run, plots)} ${metricsSection(e, plots)} ${calibrationSection(e, plots.reliability)}
          ${operatingPointsSection(e)} ${subgroupsSection(e)} ${gallerySection(e, input.images)} ${checklistSection(e, run)} ${provenanceSection(run)}
          <p class="muted">Written by medpipe ${run.medpipeVersion ?? ''}. Self-contained: this file loads nothing from the network or the disk.</p>
        </main>
      </body>
    </html> `;
  return page.value;
}

/** Writes the report (report.html unless named) into `outDir` and returns its path. */
export async function writeReportHtml(outDir: string, input: ReportInput, name = REPORT_FILE): Promise<string> {
  const path = join(outDir, name);
  await writeFileAtomic(path, await renderReportHtml(input));
  return path;
}
