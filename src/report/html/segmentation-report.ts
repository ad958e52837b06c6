/**
 * report.html of a segmentation evaluation: the summary (model beside the second observer when the
 * data has one), the metric definitions, the best and worst test images as overlays, and the
 * per-image table. Self-contained: inline CSS, pictures as data: URIs, no script, no network.
 */
import { OVERLAY_LEGEND } from '../../explain/segmentation-overlay.ts';
import { SCORED_KEYS, type Aggregate, type ClassSummary } from '../../metrics/segmentation-metrics.ts';
import type { SegmentationMetricsDocument } from '../../train/evaluate-segmentation.ts';
import { html, type Html } from './html.ts';
import { htmlPage } from './page.ts';
import { num } from './format.ts';

const LABELS: Record<(typeof SCORED_KEYS)[number], string> = {
  dice: 'Dice',
  iou: 'IoU',
  sensitivity: 'Sensitivity',
  specificity: 'Specificity',
  precision: 'Precision',
  hd95: 'HD95',
  assd: 'ASSD',
  nsd: 'NSD',
};

function aggregate(a: Aggregate | undefined): string {
  if (!a || a.mean === null) return 'n/a';
  return a.ci95 ? `${num(a.mean)} (${num(a.ci95[0])}–${num(a.ci95[1])}), n=${a.n}` : `${num(a.mean)}, n=${a.n}`;
}

function summaryTable(name: string, model: ClassSummary & { auc?: number | null }, human: ClassSummary | undefined): Html {
  return html`<h3>${name}</h3>
    <table>
      <tr>
        <th>metric</th>
        <th>model: mean over images (95% CI)</th>
        ${human ? html`<th>second observer</th>` : ''}
        <th>model, pooled pixels</th>
      </tr>
      ${SCORED_KEYS.map(
        (k) =>
          html`<tr>
            <td>${LABELS[k]}</td>
            <td class="n">${aggregate(model.perImage[k])}</td>
            ${human ? html`<td class="n">${aggregate(human.perImage[k])}</td>` : ''}
            <td class="n">${k in model.pooled ? num((model.pooled as unknown as Record<string, number | null>)[k]) : ''}</td>
          </tr>`,
      )}
      ${
        model.auc !== undefined
          ? html`<tr>
              <td>pixel ROC AUC</td>
              <td></td>
              ${human ? html`<td></td>` : ''}
              <td class="n">${num(model.auc)}</td>
            </tr>`
          : ''
      }
    </table>`;
}

/** Where the masks were scored (size in pixels, height × width) and one pixel's spacing, as a sentence. */
export function scoredAt(doc: SegmentationMetricsDocument): string {
  const sizes = [...new Set(doc.perImage.flatMap((im) => (im.size ? [`${im.size[0]}×${im.size[1]}`] : [])))];
  const where =
    doc.resolution === 'original'
      ? `at each file's own size (${sizes.length <= 3 ? sizes.join(', ') : `${sizes.length} sizes`} px)`
      : 'at the size ingest stored';
  const [dy, dx] = doc.spacing;
  const spacing =
    dy === 1 && dx === 1
      ? 'spacing not given: distances in pixels'
      : `one pixel spans ${num(dy, 4)} × ${num(dx, 4)} (rows × columns, in the data's spacing unit, e.g. mm)`;
  return `Scored ${where}; ${spacing}.`;
}

/** `overlays`: PNG bytes by image id (only those shown). */
export function segmentationReportHtml(doc: SegmentationMetricsDocument, title: string, overlays: ReadonlyMap<string, Uint8Array>): string {
  const classes = doc.classes.slice(1);
  const shown = [doc.best, doc.worst].filter((id): id is string => id !== null && overlays.has(id));
  const first = classes[0]!;
  const lead = `${doc.images} test images, classes ${doc.classes.join(' / ')}, threshold ${num(doc.threshold, 2)}`;
  const sections = [
    ['summary', 'Results'],
    ['cases', 'Best and worst'],
    ['per-image', 'Per image'],
    ['definitions', 'Definitions'],
  ] as const;
  const main = html`
    <section id="summary">
      <h2>Results${doc.roi ? ' inside the region of interest' : ''}</h2>
      <p class="note">
        ${scoredAt(doc)} Threshold: ${doc.thresholdRule}. Distances in ${doc.unit}; NSD tolerance
        ${doc.tolerance}.${doc.validation ? ` Validation mean Dice ${num(doc.validation.meanDice)} (${doc.validation.images} images).` : ''}
      </p>
      ${classes.map((c) => summaryTable(c, doc.summary[c]!, doc.humanAgreement?.summary[c]))}
      ${doc.humanAgreement ? html`<p class="note">Second observer: their masks of ${doc.humanAgreement.images} test images scored against the truth exactly as the model's predictions.</p>` : ''}
    </section>
    <section id="cases">
      <h2>Best and worst test images (${first} Dice)</h2>
      <div class="gallery">
        ${shown.map(
          (id) =>
            html`<figure>
              <img alt="${id}" src="data:image/png;base64,${Buffer.from(overlays.get(id)!).toString('base64')}" />
              <figcaption>${id === doc.best ? 'best' : 'worst'}: ${id}, Dice ${num(doc.perImage.find((im) => im.id === id)?.classes[first]?.dice)}</figcaption>
            </figure>`,
        )}
      </div>
      <p class="note">${OVERLAY_LEGEND}.</p>
    </section>
    <section id="per-image">
      <h2>Per image</h2>
      <table>
        <tr>
          <th>image</th>
          ${classes.flatMap((c) => SCORED_KEYS.map((k) => html`<th>${classes.length > 1 ? `${c} ` : ''}${LABELS[k]}</th>`))}
        </tr>
        ${doc.perImage.map(
          (im) =>
            html`<tr>
              <td>${im.id}</td>
              ${classes.flatMap((c) => SCORED_KEYS.map((k) => html`<td class="n">${num(im.classes[c]?.[k] ?? null)}</td>`))}
            </tr>`,
        )}
      </table>
    </section>
    <section id="definitions">
      <h2>Definitions</h2>
      <table class="kv">
        ${Object.entries(doc.definitions).map(
          ([k, v]) =>
            html`<tr>
              <td>${k}</td>
              <td>${v}</td>
            </tr>`,
        )}
      </table>
    </section>
  `;
  return htmlPage(`${title}: segmentation`, lead, sections, main);
}
