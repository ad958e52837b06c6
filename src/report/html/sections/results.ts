import type { BootstrapInterval } from '../../../metrics/bootstrap.ts';
import type { MetricInterval } from '../../../metrics/clinical-evaluation.ts';
import type { EvaluationDocument } from '../../evaluation-document.ts';
import { num, percent, range, withCi } from '../format.ts';
import { html, type Html } from '../html.ts';
import { METRIC_LABELS } from '../report-input.ts';

/** Test metrics with their intervals, the confusion matrix and the ROC / PR curves with bands. */
export function metricsSection(e: EvaluationDocument, plots: { readonly confusion: Html; readonly roc: Html; readonly pr: Html }): Html {
  const { clinical, metrics } = e;
  const rows = Object.entries(clinical.intervals).map(([key, ci]) =>
    metricRow(key, ci, key === 'specificityAtSensitivity' ? ` ≥ ${metrics.sensitivityTarget}` : ''),
  );
  return html`<section id="metrics">
    <h2>Test metrics with 95% confidence intervals</h2>
    <p>
      Test split: ${metrics.support.positive} ${e.positiveClass} (positive) and ${metrics.support.negative} ${e.classes[0] ?? 'negative'} images. Decision rule:
      positive when score ≥ <b>${num(e.threshold.value, 4)}</b>, ${e.threshold.source}.
    </p>
    <table>
      <thead>
        <tr>
          <th>Metric</th>
          <th>Estimate</th>
          <th>BCa ${percent(clinical.bootstrap.level, 0)} CI</th>
          <th>Percentile CI</th>
          <th>Other</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
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
  const delong = ci.delong ? `DeLong ${range(ci.delong)} (SE ${num(ci.delong.se, 4)})` : '';
  const undefinedShare = ci.valid < ci.resamples ? `${ci.resamples - ci.valid} of ${ci.resamples} resamples undefined` : '';
  return html`<tr>
    <td>${METRIC_LABELS[key] ?? key}${suffix}</td>
    <td class="n">${num(ci.estimate)}</td>
    <td class="n">${range(ci.bca)}</td>
    <td class="n">${range(ci.percentile)}</td>
    <td>${[delong, undefinedShare].filter(Boolean).join('; ')}</td>
  </tr>`;
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
    <table>
      <thead>
        <tr>
          <th>Target sensitivity</th>
          <th>Threshold</th>
          <th>Validation sens. / spec.</th>
          <th>Test sensitivity</th>
          <th>Test specificity</th>
          <th>Test PPV</th>
          <th>Test NPV</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
    <p class="note">
      Test prevalence ${percent(e.metrics.support.positive / (e.metrics.support.positive + e.metrics.support.negative))}: PPV and NPV hold only at this
      prevalence.
    </p>
  </section>`;
}

/** Per metadata attribute and value: counts and metrics with intervals, small subgroups flagged. */
export function subgroupsSection(e: EvaluationDocument): Html {
  const groups = e.clinical.subgroups;
  if (groups.length === 0) {
    const present = e.context.data.attributes;
    return html`<section id="subgroups">
      <h2>Subgroups</h2>
      <p>
        Not reported:
        ${present.length === 0 ? 'the test images carry no metadata (add CSV columns such as sex or site, or use DICOM files with those tags).' : `no attribute has between 2 and 20 values (present: ${present.join(', ')}).`}
      </p>
    </section>`;
  }
  const cell = (ci: BootstrapInterval | undefined) => html`<td class="n">${ci ? withCi(ci.estimate, ci.bca ?? ci.percentile) : 'n/a'}</td>`;
  const rows = groups.map(
    (g) =>
      html`<tr class="${g.warning ? 'warn' : ''}">
        <td>${g.attribute}</td>
        <td>${g.value}</td>
        <td class="n">${g.n}</td>
        <td class="n">${g.positives} / ${g.negatives}</td>
        ${cell(g.metrics.auc)}${cell(g.metrics.sensitivity)}${cell(g.metrics.specificity)}${cell(g.metrics.ppv)}${cell(g.metrics.npv)}
        <td>${g.warning ?? ''}</td>
      </tr>`,
  );
  return html`<section id="subgroups">
    <h2>Subgroups</h2>
    <p>
      Test metrics per value of each metadata attribute, at the frozen threshold ${num(e.threshold.value, 4)}, with BCa 95% intervals from a stratified
      bootstrap within the subgroup.
    </p>
    <table>
      <thead>
        <tr>
          <th>Attribute</th>
          <th>Value</th>
          <th>n</th>
          <th>Pos. / neg.</th>
          <th>ROC AUC</th>
          <th>Sensitivity</th>
          <th>Specificity</th>
          <th>PPV</th>
          <th>NPV</th>
          <th>Warning</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </section>`;
}
