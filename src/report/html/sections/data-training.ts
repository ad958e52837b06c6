import { SPLITS } from '../../../data/types.ts';
import type { EvaluationDocument } from '../../evaluation-document.ts';
import { num } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { ReportRun } from '../report-input.ts';

/** What the data and training sections read: binary and K-class evaluation documents both have it. */
type Summarised = Pick<EvaluationDocument, 'context' | 'history'> & { readonly positiveClass?: string };

/** Counts per split and class, patient groups, the leak audit and the preprocessing steps. */
export function dataSection(e: Summarised): Html {
  const { data } = e.context;
  const header = data.classes.map((c) => html`<th>${c}</th>`);
  const rows = SPLITS.map((split) => {
    const counts = data.counts[split] ?? [];
    const total = counts.reduce((a, b) => a + b, 0);
    return html`<tr>
      <td>${split === 'val' ? 'validation' : split}</td>
      ${counts.map((n) => html`<td class="n">${n}</td>`)}
      <td class="n">${total}</td>
      <td class="n">${data.groups[split] || '—'}</td>
    </tr>`;
  });
  const audit = data.audit;
  const leak =
    audit.duplicateContent === 0 && audit.sharedGroups === 0
      ? html`<p>
          Leak audit: no image with identical pixels in two
          splits${data.groups.train > 0 ? ', no patient group in two splits' : ' (the data has no patient groups to check)'}.
        </p>`
      : html`<p class="warn">
          Leak audit: ${audit.duplicateContent} image(s) with identical pixels in more than one split, ${audit.sharedGroups} patient group(s) in more than one
          split. Test results may be optimistic.
        </p>`;
  return html`<section id="data">
    <h2>Data</h2>
    <p>Images ${data.shape.join('×')} (height × width × channels).${e.positiveClass !== undefined ? html` Positive class: <b>${e.positiveClass}</b>.` : ''}</p>
    <table>
      <thead>
        <tr>
          <th>Split</th>
          ${header}
          <th>Total</th>
          <th>Patient groups</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
    ${leak}
    <h3>Preprocessing (in order; statistics fitted on the training split only)</h3>
    <pre>${data.preprocessing.map((step) => JSON.stringify(step)).join('\n')}</pre>
    ${data.attributes.length > 0 ? html`<p>Metadata on the test images (for subgroups): ${data.attributes.join(', ')}.</p>` : ''}
  </section>`;
}

/** Model summary, training configuration and curves. */
export function trainingSection(e: Summarised, run: ReportRun, plots: { readonly loss?: Html; readonly metrics?: Html }): Html {
  const t = e.context.training;
  const trainStage = run.stages.find((s) => s.kind === 'fit' || s.kind === 'tune');
  const best = e.history[t.bestEpoch - 1];
  return html`<section id="training">
    <h2>Model and training</h2>
    <table class="kv">
      <tbody>
        <tr>
          <td>Epochs run</td>
          <td>${t.epochsRun ?? e.history.length}${t.stoppedEarly ? ' (stopped early)' : ''}</td>
        </tr>
        <tr>
          <td>Best epoch</td>
          <td>
            ${t.bestEpoch}${best?.val_auc !== undefined ? ` (validation AUC ${num(best.val_auc, 4)})` : ''}${t.restoredBest ? ', its weights restored' : ''}
          </td>
        </tr>
        <tr>
          <td>Backend</td>
          <td>${t.backend ?? run.backend ?? 'n/a'}</td>
        </tr>
        ${
          trainStage
            ? html`<tr>
                <td>${trainStage.kind} configuration</td>
                <td><code>${JSON.stringify(trainStage.config)}</code></td>
              </tr>`
            : ''
        }
      </tbody>
    </table>
    ${
      e.context.model.summary
        ? html`<h3>Architecture</h3>
            <pre>${e.context.model.summary}</pre>`
        : ''
    }
    <div class="plots">
      ${
        plots.loss
          ? html`<figure>
              ${plots.loss}
              <figcaption>Training and validation loss; the marked epoch is the one kept.</figcaption>
            </figure>`
          : ''
      }${plots.metrics ? html`<figure>${plots.metrics}</figure>` : ''}
    </div>
  </section>`;
}
