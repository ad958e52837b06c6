import type { EvaluationDocument } from '../../evaluation-document.ts';
import { html, type Html } from '../html.ts';
import type { ReportRun } from '../report-input.ts';

type Status = 'reported' | 'partly' | 'not reported';

interface Item {
  readonly item: string;
  /** Where CLAIM 2024 and TRIPOD+AI ask for it (topic names, not item numbers). */
  readonly guideline: string;
  readonly status: Status;
  readonly detail: string;
}

/**
 * The CLAIM 2024 / TRIPOD+AI items a run can speak to, filled from what it knows; everything a
 * pipeline cannot know (study design, eligibility, how labels were made …) says "not reported".
 */
export function checklistItems(e: EvaluationDocument, run: ReportRun): Item[] {
  const { data, training } = e.context;
  const hasGroups = data.groups.train + data.groups.val + data.groups.test > 0;
  const tuned = run.stages.some((s) => s.kind === 'tune');
  const total = (split: 'train' | 'val' | 'test') => (data.counts[split] ?? []).reduce((a, b) => a + b, 0);
  return [
    {
      item: 'Intended use, clinical role and study design',
      guideline: 'CLAIM: study design; TRIPOD+AI: objectives, intended use',
      status: 'not reported',
      detail: 'medpipe does not know the clinical question; state it in the paper.',
    },
    {
      item: 'Data sources, sites, dates and eligibility criteria',
      guideline: 'CLAIM: data sources, eligibility; TRIPOD+AI: source of data, participants',
      status: 'not reported',
      detail: 'Only the image folder / CSV is known to the pipeline.',
    },
    {
      item: 'Reference standard (how labels were established)',
      guideline: 'CLAIM: ground truth; TRIPOD+AI: outcome',
      status: 'partly',
      detail: `Labels come from ${run.stages[0]?.kind === 'ingest.csv' ? 'the CSV label column' : 'the class folders'}; who assigned them and how is not known.`,
    },
    {
      item: 'Data partitions and patient-level separation',
      guideline: 'CLAIM: data partitions; TRIPOD+AI: data splitting',
      status: 'reported',
      detail: `train ${total('train')} / validation ${total('val')} / test ${total('test')} images${hasGroups ? `, split by patient group (${data.groups.test} test groups)` : '; no patient groups in the data, so images of one patient could be in two splits'}.`,
    },
    {
      item: 'Leakage checks',
      guideline: 'CLAIM: data partitions',
      status: 'reported',
      detail: `${data.audit.duplicateContent} duplicate image(s) and ${data.audit.sharedGroups} shared group(s) across splits.`,
    },
    {
      item: 'Preprocessing',
      guideline: 'CLAIM: data preprocessing; TRIPOD+AI: data preparation',
      status: 'reported',
      detail: `${data.preprocessing.length} step(s), listed under Data; normalisation statistics from the training split only.`,
    },
    {
      item: 'Missing or unreadable data',
      guideline: 'CLAIM: missing data; TRIPOD+AI: missing data',
      status: 'partly',
      detail: "Unreadable files stop the run, or with onBadFile: 'skip' are listed in skipped-files.json; missing metadata values form no subgroup.",
    },
    {
      item: 'Model architecture',
      guideline: 'CLAIM: model; TRIPOD+AI: model type',
      status: e.context.model.summary ? 'reported' : 'partly',
      detail: e.context.model.summary ? 'Layer summary under Model and training.' : 'Built model summary not available.',
    },
    {
      item: 'Training procedure (optimiser, epochs, early stopping, augmentation)',
      guideline: 'CLAIM: training; TRIPOD+AI: model building',
      status: 'reported',
      detail: `Stage configurations under Provenance; best epoch ${training.bestEpoch}${training.stoppedEarly ? ', stopped early' : ''}.`,
    },
    {
      item: 'Hyperparameter selection',
      guideline: 'CLAIM: training; TRIPOD+AI: model building',
      status: tuned ? 'reported' : 'partly',
      detail: tuned ? 'Grid search on validation AUC (tune stage); test never used.' : 'Fixed in the pipeline file; how they were chosen is not known.',
    },
    {
      item: 'Random seed and reproducibility',
      guideline: 'CLAIM: training; TRIPOD+AI: open science',
      status: 'reported',
      detail: `Seed ${run.seed}; every stage has a content-addressed cache key (Provenance).`,
    },
    {
      item: 'Sample size justification',
      guideline: 'CLAIM: sample size; TRIPOD+AI: sample size',
      status: 'not reported',
      detail: 'Interval widths below show the precision this test set gives.',
    },
    {
      item: 'Performance metrics with uncertainty',
      guideline: 'CLAIM: metrics, statistical measures of significance; TRIPOD+AI: performance measures',
      status: 'reported',
      detail: `Every metric with percentile and BCa intervals (${e.clinical.bootstrap.resamples} resamples), DeLong for the AUC.`,
    },
    {
      item: 'Decision threshold / operating point',
      guideline: 'CLAIM: metrics; TRIPOD+AI: classification thresholds',
      status: 'reported',
      detail: `${e.threshold.source}; table at sensitivity 0.80 / 0.90 / 0.95.`,
    },
    {
      item: 'Calibration',
      guideline: 'TRIPOD+AI: calibration',
      status: 'reported',
      detail: 'Brier, ECE, calibration intercept and slope with intervals; reliability diagram.',
    },
    {
      item: 'Subgroup / fairness analysis',
      guideline: 'CLAIM: subgroup analysis; TRIPOD+AI: fairness, subgroups',
      status: e.clinical.subgroups.length > 0 ? 'reported' : 'not reported',
      detail:
        e.clinical.subgroups.length > 0
          ? `${new Set(e.clinical.subgroups.map((g) => g.attribute)).size} attribute(s); small subgroups flagged.`
          : 'The test images carry no usable metadata attribute.',
    },
    {
      item: 'Failure analysis and explainability',
      guideline: 'CLAIM: failure analysis, interpretability',
      status: e.gradCam ? 'reported' : 'not reported',
      detail: e.gradCam ? `${e.gradCam.examples.length} Grad-CAM pictures of hits and misses.` : 'Grad-CAM turned off.',
    },
    {
      item: 'External validation',
      guideline: 'CLAIM: external testing; TRIPOD+AI: evaluation',
      status: 'not reported',
      detail: 'Only the internal test split was evaluated.',
    },
    {
      item: 'Comparison with clinicians or an existing model',
      guideline: 'CLAIM: benchmarking',
      status: 'not reported',
      detail: '`medpipe compare` compares runs of this project only.',
    },
    {
      item: 'Software, versions and code',
      guideline: 'CLAIM: software; TRIPOD+AI: open science',
      status: run.git ? 'reported' : 'partly',
      detail: `medpipe ${run.medpipeVersion ?? '?'}, backend ${run.backend ?? '?'}${run.git ? `, git ${run.git.commit.slice(0, 12)}${run.git.dirty ? ' with uncommitted changes' : ''}` : ', not in a git repository'}.`,
    },
    {
      item: 'Model availability',
      guideline: 'CLAIM: model availability; TRIPOD+AI: model availability',
      status: 'partly',
      detail: 'The trained model is exported to model/ (tfjs format with its preprocessing); sharing it is up to the authors.',
    },
    {
      item: 'Limitations and clinical implications',
      guideline: 'CLAIM: discussion; TRIPOD+AI: discussion',
      status: 'not reported',
      detail: 'For the authors.',
    },
  ];
}

export function checklistSection(e: EvaluationDocument, run: ReportRun): Html {
  const cls = (s: Status) => (s === 'reported' ? 'status-reported' : s === 'partly' ? 'status-partly' : 'status-not');
  const rows = checklistItems(e, run).map(
    (i) =>
      html`<tr>
        <td>${i.item}</td>
        <td class="muted">${i.guideline}</td>
        <td class="${cls(i.status)}">${i.status}</td>
        <td>${i.detail}</td>
      </tr>`,
  );
  return html`<section id="checklist">
    <h2>Reporting checklist (CLAIM 2024 / TRIPOD+AI)</h2>
    <p>Filled from what this run knows; "not reported" marks what only the authors can supply.</p>
    <table>
      <thead>
        <tr>
          <th>Item</th>
          <th>Guideline</th>
          <th>Status</th>
          <th>In this run</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </section>`;
}
