import type { EvaluationDocument } from '../../evaluation-document.ts';
import { num } from '../format.ts';
import { html, type Html } from '../html.ts';

const OUTCOME_WORDS: Readonly<Record<string, string>> = { TP: 'true positive', FP: 'false positive', TN: 'true negative', FN: 'false negative' };

/** The Grad-CAM pictures, inlined as data: URIs (no file or network access when the page opens). */
export function gallerySection(e: EvaluationDocument, images: Readonly<Record<string, string>>): Html {
  const cam = e.gradCam;
  if (!cam || cam.examples.length === 0)
    return html`<section id="gradcam">
      <h2>Where the model looks</h2>
      <p>Not reported: Grad-CAM was turned off (evaluate({ gradCam: false })).</p>
    </section>`;
  const figures = cam.examples.map((x) => {
    const png = images[x.file];
    const caption = `${OUTCOME_WORDS[x.outcome] ?? x.outcome}: true class ${e.classes[x.label] ?? x.label}, score ${num(x.score)}`;
    return png
      ? html`<figure>
          <img alt="${caption}" src="data:image/png;base64,${png}" />
          <figcaption>${caption}</figcaption>
        </figure>`
      : html`<figure><figcaption>${caption} (picture no longer available)</figcaption></figure>`;
  });
  return html`<section id="gradcam">
    <h2>Where the model looks (${cam.method === 'hirescam' ? 'HiResCAM' : 'Grad-CAM'})</h2>
    <p>
      Test images chosen round-robin from the most confident true positives, the worst false negatives, the worst false positives and the most confident true
      negatives; warm colours mark the evidence for ${e.positiveClass}.
    </p>
    <div class="gallery">${figures}</div>
  </section>`;
}
