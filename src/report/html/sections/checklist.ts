import type { ClassEvaluationDocument } from '../../class-evaluation-document.ts';
import type { EvaluationContext } from '../../evaluation-context.ts';
import type { EvaluationDocument } from '../../evaluation-document.ts';
import { html, type Html } from '../html.ts';
import type { ReportRun } from '../report-input.ts';
import { table } from '../table.ts';

type Status = 'reported' | 'partly' | 'not reported';

interface Item {
  readonly item: string;
  /** Where CLAIM 2024 and TRIPOD+AI ask for it (topic names, not item numbers). */
  readonly guideline: string;
  readonly status: Status;
  readonly detail: string;
}

/** Where an ingest kind takes its labels from. */
const LABEL_SOURCE: Readonly<Record<string, string>> = { 'ingest.csv': 'the CSV label column', 'ingest.npz': 'the label arrays of the .npz' };

/** What every evaluation document (binary, K classes, findings) tells the checklist. */
interface ChecklistSource {
  readonly context: EvaluationContext;
  readonly gradCam?: { readonly examples: readonly unknown[] };
  readonly clinical: { readonly subgroups: readonly { readonly attribute: string }[]; readonly bootstrap: { readonly resamples: number } };
}

/** The items whose answer depends on the task: what its metrics, decision rule, calibration and pictures are. */
interface TaskAnswers {
  readonly metrics: string;
  readonly threshold: string;
  readonly calibration: string;
  readonly gradCam: string;
}

/** A binary run's answers: one threshold, DeLong beside the AUC, the operating-point table. */
export function checklistItems(e: EvaluationDocument, run: ReportRun): Item[] {
  return items(e, run, {
    metrics: `Every metric with percentile and BCa intervals (${e.clinical.bootstrap.resamples} resamples), DeLong for the AUC.`,
    threshold: `${e.threshold.source}; table at sensitivity 0.80 / 0.90 / 0.95.`,
    calibration: 'Brier, ECE, calibration intercept and slope with intervals; reliability diagram.',
    gradCam: `${e.gradCam?.examples.length ?? 0} Grad-CAM pictures of hits and misses.`,
  });
}

/** A multi-class, ordinal or multi-label run's answers: the decision rule, per-class intervals and calibration. */
export function classChecklistItems(e: ClassEvaluationDocument, run: ReportRun): Item[] {
  const findings = e.task === 'multilabel';
  return items(e, run, {
    metrics: `Every estimate of metrics.json — overall, macro / weighted averages and per ${findings ? 'finding' : 'class'}${e.task === 'ordinal' ? ', quadratic-weighted kappa and grade error' : ''} — with percentile and BCa intervals (${e.clinical.bootstrap.resamples} resamples).`,
    threshold: findings
      ? `One threshold per finding, ${e.thresholdSource}.`
      : `The most probable class (no threshold).${e.testTimeAugmentation ? ` ${e.testTimeAugmentation}.` : ''}`,
    calibration: findings
      ? 'Brier score and ECE per finding with intervals; reliability diagram per finding.'
      : 'Multi-class Brier score and top-label ECE with intervals; per-class (one-vs-rest) Brier, ECE and reliability curves.',
    gradCam: `${e.gradCam?.examples.length ?? 0} Grad-CAM pictures per ${findings ? 'finding' : 'class'}, right and wrong.`,
  });
}

/**
 * The CLAIM 2024 / TRIPOD+AI items a run can speak to, filled from what it knows; everything a
 * pipeline cannot know (study design, eligibility, how labels were made …) says "not reported".
 */
function items(e: ChecklistSource, run: ReportRun, answers: TaskAnswers): Item[] {
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
      detail: `Labels come from ${LABEL_SOURCE[run.stages[0]?.kind ?? ''] ?? 'the class folders'}; who assigned them and how is not known.`,
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
      detail: answers.metrics,
    },
    {
      item: 'Decision threshold / operating point',
      guideline: 'CLAIM: metrics; TRIPOD+AI: classification thresholds',
      status: 'reported',
      detail: answers.threshold,
    },
    {
      item: 'Calibration',
      guideline: 'TRIPOD+AI: calibration',
      status: 'reported',
      detail: answers.calibration,
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
      detail: e.gradCam ? answers.gradCam : 'Grad-CAM turned off.',
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

/** The checklist table of any classification run's items. */
export function checklistSection(checklist: readonly Item[]): Html {
  const cls = (s: Status) => (s === 'reported' ? 'status-reported' : s === 'partly' ? 'status-partly' : 'status-not');
  const rows = checklist.map(
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
    ${table(['Item', 'Guideline', 'Status', 'In this run'], rows)}
  </section>`;
}
