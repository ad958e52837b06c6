import type { BootstrapInterval } from '../../../metrics/bootstrap.ts';
import type { MetricInterval } from '../../../metrics/clinical-evaluation.ts';
import type { EvaluationDocument } from '../../evaluation-document.ts';
import { num, percent, range, withCi } from '../format.ts';
import { html, type Html } from '../html.ts';
import { METRIC_LABELS } from '../report-input.ts';
import { INTERVAL_HEADERS, intervalRow, table } from '../table.ts';
import { subgroupsSection } from './subgroups.ts';

/** Test metrics with their intervals, the confusion matrix and the ROC / PR curves with bands. */
export function metricsSection(e: EvaluationDocument, plots: { readonly confusion: Html; readonly roc: Html; readonly pr: Html }): Html {
  const { clinical, metrics } = e;
  const rows = Object.entries(clinical.intervals).map(([key, ci]) =>
    metricRow(key, ci, key === 'specificityAtSensitivity' ? ` ≥ ${metrics.sensitivityTarget}` : ''),
  );
  return html`<section id="metrics">
    <h2>Test metrics with ${percent(clinical.bootstrap.level, 0)} confidence intervals</h2>
    <p>
      Test split: ${metrics.support.positive} ${e.positiveClass} (positive) and ${metrics.support.negative} ${e.classes[0] ?? 'negative'} images. Decision rule:
      positive when score ≥ <b>${num(e.threshold.value, 4)}</b>, ${e.threshold.source}.
    </p>
    ${table(INTERVAL_HEADERS, rows)}
    <p class="note">
      Intervals: ${clinical.bootstrap.method}. Threshold metrics are at the frozen threshold; their intervals leave out the uncertainty of choosing it. DeLong:
      normal approximation with DeLong's variance, clipped to [0, 1].
    </p>
    ${metrics.notes.length > 0 ? html`<p class="note">${metrics.notes.join(' ')}</p>` : ''}
    <div class="plots">
      <figure>
        ${plots.confusion}
        <figcaption>Confusion matrix of the test split at the frozen threshold.</figcaption>
      </figure>
      <figure>
        ${plots.roc}
        <figcaption>ROC curves; shaded: ${clinical.bands.roc.method}.</figcaption>
      </figure>
      <figure>
        ${plots.pr}
        <figcaption>Precision–recall curves; shaded: ${clinical.bands.pr.method}.</figcaption>
      </figure>
    </div>
  </section>`;
}

function metricRow(key: string, ci: MetricInterval, suffix = ''): Html {
  return intervalRow(`${METRIC_LABELS[key] ?? key}${suffix}`, ci, ci.delong ? [`DeLong ${range(ci.delong)} (SE ${num(ci.delong.se, 4)})`] : []);
}

/** Sensitivity / specificity / PPV / NPV at thresholds chosen on validation for target sensitivities. */
export function operatingPointsSection(e: EvaluationDocument): Html {
  const rows = e.clinical.operatingPoints.map(
    (o) =>
      html`<tr>
        <td class="n">${num(o.targetSensitivity, 2)}</td>
        <td class="n">${num(o.threshold, 4)}</td>
        <td class="n">${num(o.validation.sensitivity)} / ${num(o.validation.specificity)}</td>
        <td class="n">${withCi(o.test.sensitivity.estimate, o.test.sensitivity.bca ?? o.test.sensitivity.percentile)}</td>
        <td class="n">${withCi(o.test.specificity.estimate, o.test.specificity.bca ?? o.test.specificity.percentile)}</td>
        <td class="n">${withCi(o.test.ppv.estimate, o.test.ppv.bca ?? o.test.ppv.percentile)}</td>
        <td class="n">${withCi(o.test.npv.estimate, o.test.npv.bca ?? o.test.npv.percentile)}</td>
      </tr>`,
  );
  return html`<section id="operating-points">
    <h2>Operating points (chosen on validation, applied to test)</h2>
    <p>
      For each target sensitivity the threshold is the highest validation score that reaches it; it is frozen before the test split is scored. Test values with
      BCa 95% intervals.
    </p>
    ${table(['Target sensitivity', 'Threshold', 'Validation sens. / spec.', 'Test sensitivity', 'Test specificity', 'Test PPV', 'Test NPV'], rows)}
    <p class="note">
      Test prevalence ${percent(e.metrics.support.positive / (e.metrics.support.positive + e.metrics.support.negative))}: PPV and NPV hold only at this
      prevalence.
    </p>
  </section>`;
}

/** Per metadata attribute and value: counts and metrics with intervals, small subgroups flagged. */
export function binarySubgroupsSection(e: EvaluationDocument): Html {
  const cell = (ci: BootstrapInterval | undefined) => html`<td class="n">${ci ? withCi(ci.estimate, ci.bca ?? ci.percentile) : 'n/a'}</td>`;
  type Group = EvaluationDocument['clinical']['subgroups'][number];
  const metric = (header: string, key: keyof Group['metrics']) => ({ header, cell: (g: Group) => cell(g.metrics[key]) });
  return subgroupsSection(
    e.clinical.subgroups,
    e.context.data.attributes,
    html`Test metrics per value of each metadata attribute, at the frozen threshold ${num(e.threshold.value, 4)}, with BCa 95% intervals from a stratified
    bootstrap within the subgroup.`,
    [
      { header: 'Pos. / neg.', cell: (g) => html`<td class="n">${g.positives} / ${g.negatives}</td>` },
      metric('ROC AUC', 'auc'),
      metric('Sensitivity', 'sensitivity'),
      metric('Specificity', 'specificity'),
      metric('PPV', 'ppv'),
      metric('NPV', 'npv'),
    ],
  );
}
