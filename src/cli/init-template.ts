/**
 * The pipeline `medpipe init` writes, with comments fitted to the data it surveyed: the task and
 * why, the image size and channels, the class balance, and augmentation that suits the kind of
 * image (guessed from the folder and class names: a mirrored chest X-ray is not a chest X-ray, a
 * mirrored brain MRI is a brain MRI).
 */
import type { FolderSurvey } from '../data/survey-folder.ts';

type Modality = 'chest X-ray' | 'brain MRI' | 'fundus photograph' | 'skin lesion photograph' | 'histology slide' | 'unknown';

const MODALITY_HINTS: readonly [Modality, RegExp][] = [
  ['chest X-ray', /chest|cxr|x-?ray|pneumon|lung|thora|covid|tubercul/i],
  ['brain MRI', /brain|glioma|meningioma|pituitar|mri/i],
  ['fundus photograph', /retin|fundus|diabetic|glaucoma/i],
  ['skin lesion photograph', /skin|derm|melanom|nev(us|i)|isic/i],
  ['histology slide', /patho|histo|tissue|biops/i],
];

/** The kind of image, guessed from the data folder's path and the class names. */
export function guessModality(root: string, classes: readonly string[]): Modality {
  const text = `${root} ${classes.join(' ')}`;
  return MODALITY_HINTS.find(([, pattern]) => pattern.test(text))?.[0] ?? 'unknown';
}

interface Augmentation {
  readonly code: string;
  readonly comment: string;
}

const AUGMENT: Record<Modality, Augmentation> = {
  'chest X-ray': {
    code: '{ rotation: 10, translate: 0.05, zoom: 0.1 }',
    comment:
      'Chest X-rays: small rotations, shifts and zooms for patient positioning; no left-right flip (the heart would be on the right: fake dextrocardia).',
  },
  'brain MRI': {
    code: '{ rotation: 10, translate: 0.05, zoom: 0.1, horizontalFlip: true }',
    comment:
      'Brain MRI: the hemispheres mirror each other and tumours occur on either side, so left-right flips are fair; small rotations and shifts for head position; no up-down flip.',
  },
  'fundus photograph': {
    code: '{ rotation: 20, zoom: 0.05, horizontalFlip: true, verticalFlip: true }',
    comment: 'Fundus photographs: left and right eyes mirror each other and the camera angle varies, so flips and rotations are fair.',
  },
  'skin lesion photograph': {
    code: '{ rotation: 180, zoom: 0.1, horizontalFlip: true, verticalFlip: true, brightness: 0.05 }',
    comment: 'Skin lesions have no up or left: any rotation and flip is fair; a little brightness for lighting.',
  },
  'histology slide': {
    code: '{ rotation: 90, horizontalFlip: true, verticalFlip: true }',
    comment: 'Histology tiles have no orientation: rotations and flips are fair.',
  },
  unknown: {
    code: '{ rotation: 10, translate: 0.05, zoom: 0.1 }',
    comment: 'Small rotations, shifts and zooms. Flips are off: turn horizontalFlip on only if a mirrored image is still a plausible image of its class.',
  },
};

export interface TemplateInput {
  readonly name: string;
  /** The data folder relative to the pipeline file. */
  readonly root: string;
  readonly survey: FolderSurvey;
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** A comment wrapped at about 110 characters, each line starting with `indent// `. */
function comment(text: string, indent = '  '): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > 110 - indent.length) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => `${indent}// ${l}`).join('\n');
}

/** Side of the square input: the images' own size up to 64 (CPU training time grows with the pixels). */
function inputSide(survey: FolderSurvey): number {
  const smallest = Math.min(survey.sizes.min[0], survey.sizes.min[1]);
  return smallest > 0 ? Math.min(64, smallest) : 64;
}

/** The binary template: the tutorial's defaults (as before task kinds), with the augmentation comment fitted to the data. */
export function binaryTemplate({ name, root, survey }: TemplateInput): string {
  const modality = guessModality(root, survey.classes);
  const flipNote = modality === 'chest X-ray' ? 'No horizontal flip: it would fake dextrocardia on chest X-rays.' : AUGMENT[modality].comment;
  return `// Pipeline '${name}', written by \`medpipe init\` with the tutorial's defaults. Edit freely:
// every stage is cached by its config, code and inputs, so a rerun only repeats what changed.
import { pipeline, ingest, normalize, augment, split, build, fit, evaluate } from 'medpipe';

export default pipeline('${name}', { seed: 42 })
  // Folder per class; paths are relative to this file. Class order = label order (last = positive).
  .stage(ingest.folder({ root: ${JSON.stringify(root)}, classes: ${JSON.stringify(survey.classes)}, size: [64, 64], channels: 3, onBadFile: 'fail' }))
  .stage(normalize({ method: 'rescale' }))
  // Applied by fit to training batches only. ${flipNote}
  .stage(augment(${modality === 'chest X-ray' || modality === 'unknown' ? '{ rotation: 10, translate: 0.05, zoom: 0.1 }' : AUGMENT[modality].code}))
  // Keeps a train/val/test split the data already has; otherwise stratified 64/16/20.
  .stage(split())
  // BatchNorm momentum from the number of batches per epoch: Keras' 0.99 settles too slowly on small data.
  .stage(build.tutorialCnn({ batchNormMomentum: 'auto' }))
  .stage(fit({ epochs: 50, batchSize: 32, earlyStopping: { monitor: 'val_auc', patience: 10, restoreBestWeights: true } }))
  // Threshold chosen on the validation split (Youden's J) and frozen before test; 95% intervals on every
  // metric, calibration, operating points at sensitivity 0.80/0.90/0.95, subgroups, report.html.
  .stage(evaluate());
`;
}

/** The multi-class / ordinal template: the task stated, sizes, balance and augmentation from the data. */
export function classTemplate({ name, root, survey }: TemplateInput): string {
  const k = survey.classes.length;
  const task = survey.task.task;
  const modality = guessModality(root, survey.classes);
  const side = inputSide(survey);
  const grey = survey.colour.coloured === 0;
  const [h, w] = survey.sizes.max;
  const sizes = survey.sizes.min.join('x') === survey.sizes.max.join('x') ? `${h}x${w}` : `${survey.sizes.min.join('x')} to ${h}x${w}`;
  const largest = Math.max(...survey.counts);
  const smallest = Math.min(...survey.counts);
  const imbalanced = largest > 1.5 * smallest;
  const countsLine = survey.classes.map((c, i) => `${c} ${survey.counts[i]}`).join(', ');
  const taskComment =
    task === 'ordinal'
      ? `The ${k} classes are numbered grades: task 'ordinal' (trained as multi-class; quadratic-weighted kappa and the grade error are reported). Make it 'multiclass' if the numbers are not an order.`
      : `${k} exclusive classes: task 'multiclass', a softmax over ${k}. Stating the task makes options of other tasks (a positiveClass, a threshold) type errors.`;
  const splitComment = survey.splitFolders.length
    ? `Keeps the data's own ${survey.splitFolders.join('/')} split${survey.hasValidation ? '' : `; 20% of the training images (stratified by class) become the validation split, which early stopping watches`}.`
    : 'Stratified 64/16/20 train/validation/test split, seeded.';
  const sizeComment =
    side < Math.min(h, w)
      ? `${sizes} images read at ${side}x${side}: ${Math.round((h * w) / (side * side))}x fewer pixels to train on; raise it for fine detail if training time allows.`
      : `The images' own ${side}x${side}.`;
  const channelComment = grey
    ? `one channel: the ${survey.colour.sampled} sampled images are greyscale${modality === 'brain MRI' ? ' (RGB files hold the same grey in each channel)' : ''}`
    : `three channels: the images are in colour (${survey.colour.coloured} of ${survey.colour.sampled} sampled)`;
  const balanceComment = imbalanced
    ? `Classes are imbalanced (${countsLine}): balanced class weights, n / (K · n_class) as scikit-learn computes them.`
    : `Classes are near balanced (${countsLine}): no class weights.`;
  const title = `${plural(survey.total, 'image')}, ${k} classes (${survey.classes.join(', ')})${modality === 'unknown' ? '' : `, ${modality}s`}`;
  return `${comment(`Pipeline '${name}', written by \`medpipe init\` for ${title}. Edit freely: every stage is cached by its config, code and inputs, so a rerun only repeats what changed.`, '')}
import { pipeline, ingest, normalize, augment, split, build, fit, evaluate } from 'medpipe';

export default pipeline('${name}', { seed: 42 })
${comment(taskComment)}
${comment(`${sizeComment} ${channelComment[0]!.toUpperCase()}${channelComment.slice(1)}.`)}
  .stage(ingest.folder({ root: ${JSON.stringify(root)}, classes: ${JSON.stringify(survey.classes)}, task: '${task}', size: [${side}, ${side}], channels: ${grey ? 1 : 3}, onBadFile: 'fail' }))
${comment('Mean and standard deviation of the training split only.')}
  .stage(normalize({ method: 'zscore', scope: 'dataset' }))
${comment(`Applied by fit to training batches only. ${AUGMENT[modality].comment}`)}
  .stage(augment(${AUGMENT[modality].code}))
${comment(splitComment)}
  .stage(split())
${comment(MODEL_COMMENT(k))}
  .stage(${MODEL_CODE})
${comment(`${balanceComment} Early stopping watches val_auc, the macro one-vs-rest ROC AUC on validation, and restores the best epoch's weights.`)}
  .stage(fit({ epochs: ${EPOCHS}, batchSize: 32${imbalanced ? ", classWeight: 'balanced'" : ''}, earlyStopping: { monitor: 'val_auc', patience: ${PATIENCE}, restoreBestWeights: true } }))
${comment(`Predicted class = the most probable one. metrics.json: accuracy, balanced accuracy, kappa${task === 'ordinal' ? ', quadratic-weighted kappa, grade error' : ''}, per-class precision/recall/specificity/F1, one-vs-rest AUCs; plots/: confusion matrices, ROC and PR per class, per-class bars, Grad-CAM.`)}
  .stage(evaluate());
`;
}

const MODEL_COMMENT = (k: number) =>
  `A compact CNN: three 3x3 conv + max-pool blocks (16, 32, 64 filters) → Dropout 0.5 → Dense(${k}, softmax). At 64x64 it does a quarter of the work of the tutorial CNN (whose convolutions run at full resolution) and its last block sees most of the image; build.tutorialCnn() is the tutorial's model.`;
const MODEL_CODE = 'build.compactCnn({ filters: [16, 32, 64] })';
const EPOCHS = 30;
const PATIENCE = 8;
