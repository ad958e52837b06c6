import type { EvaluationDocument } from '../../evaluation-document.ts';
import { num, withCi } from '../format.ts';
import { html, type Html } from '../html.ts';

/** Brier, ECE (binning stated), calibration intercept and slope, the reliability diagram, recalibration. */
export function calibrationSection(e: EvaluationDocument, reliability: Html): Html {
  const { intervals, calibration } = e.clinical;
  const re = calibration.recalibrated;
  const row = (label: string, key: 'brier' | 'ece' | 'calibrationIntercept' | 'calibrationSlope', ideal: string) => {
    const raw = intervals[key];
    const after = re?.metrics[key];
    return html`<tr>
      <td>${label}</td>
      <td class="n">${withCi(raw.estimate, raw.bca ?? raw.percentile)}</td>
      ${re ? html`<td class="n">${after ? withCi(after.estimate, after.bca ?? after.percentile) : 'n/a'}</td>` : ''}
      <td>${ideal}</td>
    </tr>`;
  };
  const mapText = re
    ? re.map.method === 'platt'
      ? `Platt scaling fitted on the validation split: P = 1 / (1 + exp(${num(re.map.a, 4)}·logit(s) + ${num(re.map.b, 4)})); test ROC AUC after it ${num(re.auc, 4)}.`
      : `Isotonic regression fitted on the validation split (${re.map.x.length} breakpoints); test ROC AUC after it ${num(re.auc, 4)} (ties it creates can change the AUC).`
    : "No recalibration (evaluate({ calibration: { recalibrate: 'platt' | 'isotonic' } }) fits one on the validation split).";
  return html`<section id="calibration">
    <h2>Calibration</h2>
    <table>
      <thead>
        <tr>
          <th>Measure</th>
          <th>Raw scores (95% BCa CI)</th>
          ${re ? html`<th>Recalibrated (${re.map.method}, fitted on validation)</th>` : ''}
          <th>Perfect</th>
        </tr>
      </thead>
      <tbody>
        ${row('Brier score', 'brier', '0 (lower is better)')} ${row('Expected calibration error', 'ece', '0')}
        ${row('Calibration intercept (slope fixed at 1)', 'calibrationIntercept', '0')} ${row('Calibration slope', 'calibrationSlope', '1')}
      </tbody>
    </table>
    <p class="note">
      ECE and the reliability diagram use ${calibration.binning.rule}. Intercept and slope from logistic regression of the label on logit(score), scores clipped
      to [1e-7, 1 − 1e-7].
    </p>
    <p>${mapText}</p>
    ${calibration.notes.length > 0 ? html`<p class="note">${calibration.notes.join(' ')}</p>` : ''}
    <div class="plots">
      <figure>
        ${reliability}
        <figcaption>
          Reliability diagram: fraction of positives against mean predicted probability per bin (the diagonal is perfect calibration), above the histogram of
          test scores per class.
        </figcaption>
      </figure>
    </div>
  </section>`;
}
