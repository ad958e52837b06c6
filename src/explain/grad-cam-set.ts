/**
 * The evaluate stage's Grad-CAM output: a few chosen test images with their heatmaps, small enough
 * to keep in the stage's cached result (e.g. 8 images of 64×64×1: 160 KB), so `export` can draw the
 * pictures without the model or the data.
 *
 * @example
 *   const set = await explainSplit(trained.model, data.test, data.shape, test, threshold, 8);
 *   if (set) await writeGradCamSet(set, classes, join(outDir, 'plots', 'gradcam'));
 */
import { rm } from 'node:fs/promises';
import { MedpipeError } from '../base/errors.ts';
import type { Artifact } from '../base/artifact.ts';
import { bytesOf, floatsOf } from '../data/image-set.ts';
import type { ImageSource } from '../data/loader/image-source.ts';
import type { ModelData } from '../train/model-data.ts';
import type { GradCamOptions } from './grad-cam.ts';
import { pickClassExamples, pickExamples } from './pick-examples.ts';
import type { ClassOutcome, Outcome } from './outcome.ts';

export interface GradCamExample {
  /** Index in the split (row of predictions.csv, from 0). */
  readonly index: number;
  readonly id: string;
  readonly label: number;
  /** Binary: P(class 1). K classes: the probability of the explained class. */
  readonly score: number;
  readonly outcome: Outcome | ClassOutcome;
  /** K classes: the predicted class, and the class the map explains (the predicted one unless a class was chosen). */
  readonly predicted?: number;
  readonly explained?: number;
}

export interface GradCamSet {
  readonly split: string;
  readonly shape: readonly [number, number, number];
  readonly threshold: number;
  /** How the maps were made, the layer explained and what was differentiated (see gradCam). */
  readonly method: 'gradcam' | 'hirescam';
  readonly layer: string;
  readonly target: 'logit' | 'probability';
  readonly examples: readonly GradCamExample[];
  /** examples.length · h·w·c pixels, NHWC, as the model saw them. */
  readonly images: Float32Array;
  /** examples.length · h·w values in [0, 1], each map normalised to its own maximum. */
  readonly heatmaps: Float32Array;
  /** Each map's maximum before normalisation (see GradCamResult.peaks). */
  readonly peaks: readonly number[];
}

export interface ExplainOptions {
  /** See GradCamOptions.method. @default 'gradcam' */
  readonly method?: 'gradcam' | 'hirescam';
  /** Binary: the positive class is the model's first class (see GradCamOptions.negate). @default false */
  readonly negate?: boolean;
  /** Name of the split, kept with the set. @default 'test' */
  readonly split?: string;
}

/** The picked images, in pick order, read through the loader in one batch. */
async function readPicked(images: ImageSource, picked: readonly { readonly index: number }[]): Promise<Float32Array> {
  let pixels: Float32Array = new Float32Array(0);
  for await (const batch of images.batches(
    picked.map((p) => p.index),
    picked.length,
  ))
    pixels = batch;
  return pixels;
}

/** Grad-CAM maps of the picked images, with what the set keeps about them. */
async function explainPicked(
  model: ModelData,
  pixels: Float32Array,
  shape: readonly [number, number, number],
  options: GradCamOptions & { readonly method: 'gradcam' | 'hirescam' },
  head: { readonly split: string; readonly threshold: number; readonly examples: readonly GradCamExample[] },
): Promise<GradCamSet> {
  const { modelFromData } = await import('../train/model-data.ts');
  const { gradCam } = await import('./grad-cam.ts');
  const { ensembleMembers } = await import('../train/ensemble.ts');
  const loaded = await modelFromData(model);
  try {
    // An ensemble's maps are its first member's: an average of members has no single feature map.
    const members = ensembleMembers(loaded);
    const explained = members[0] ?? loaded;
    const result = await gradCam(explained, pixels, shape, head.examples.length, options);
    return {
      split: head.split,
      shape: [...shape] as [number, number, number],
      threshold: head.threshold,
      method: options.method,
      layer: members.length > 0 ? `${result.layer} of ${explained.name} (of ${members.length} ensemble members)` : result.layer,
      target: result.target,
      examples: head.examples,
      images: pixels,
      heatmaps: result.heatmaps,
      peaks: Array.from(result.peaks),
    };
  } finally {
    loaded.dispose();
  }
}

/**
 * Picks `count` images of `images` with `pickExamples` (confident hits, worst misses, worst false
 * alarms, confident negatives) and computes their Grad-CAM heatmaps. Undefined when `count` is 0
 * or the subset is empty.
 */
export async function explainSplit(
  model: ModelData,
  images: ImageSource,
  shape: readonly [number, number, number],
  predictions: readonly { readonly id: string; readonly label: number; readonly score: number }[],
  threshold: number,
  count: number,
  options: ExplainOptions = {},
): Promise<GradCamSet | undefined> {
  const method = options.method ?? 'gradcam';
  const picked = pickExamples(
    predictions.map((p) => p.label),
    predictions.map((p) => p.score),
    threshold,
    count,
  );
  if (picked.length === 0) return undefined;
  const examples = picked.map((p) => {
    const { id, label, score } = predictions[p.index]!;
    return { index: p.index, id, label, score, outcome: p.outcome };
  });
  return explainPicked(
    model,
    await readPicked(images, picked),
    shape,
    { method, negate: options.negate },
    { split: options.split ?? 'test', threshold, examples },
  );
}

/**
 * K-class Grad-CAM: picks `count` test images per true class, round-robin (the most confident correct
 * one, then the most confident mistake), and explains each image's predicted class — or the class
 * named by `explain`, the same for every image ("where is the evidence for meningioma?").
 */
export async function explainClasses(
  model: ModelData,
  images: ImageSource,
  shape: readonly [number, number, number],
  predictions: readonly { readonly id: string; readonly label: number; readonly probabilities: readonly number[] }[],
  classNames: readonly string[],
  count: number,
  options: ExplainOptions & { readonly explain?: string } = {},
): Promise<GradCamSet | undefined> {
  const chosen = options.explain === undefined ? undefined : classNames.indexOf(options.explain);
  if (chosen === -1) {
    throw new MedpipeError('INVALID_CONFIG', `gradCamClass '${options.explain}' is not one of the classes (${classNames.join(', ')}).`, {
      fix: 'Name one of the classes, or leave gradCamClass out to explain each predicted class.',
    });
  }
  const predicted = predictions.map((p) => p.probabilities.indexOf(Math.max(...p.probabilities)));
  const picked = pickClassExamples(
    predictions.map((p) => p.label),
    predicted,
    predictions.map((p, i) => p.probabilities[predicted[i]!]!),
    classNames.length,
    count,
  );
  if (picked.length === 0) return undefined;
  const explained = picked.map((p) => chosen ?? predicted[p.index]!);
  const examples = picked.map((p, i) => {
    const { id, label, probabilities } = predictions[p.index]!;
    return { index: p.index, id, label, score: probabilities[explained[i]!]!, outcome: p.outcome, predicted: predicted[p.index]!, explained: explained[i]! };
  });
  const method = options.method ?? 'gradcam';
  return explainPicked(
    model,
    await readPicked(images, picked),
    shape,
    { method, targets: explained },
    { split: options.split ?? 'test', threshold: 0, examples },
  );
}

/**
 * Writes the set's pictures (see writeGradCamPngs) into `dir` and returns the paths. The folder is
 * medpipe's: pictures from an earlier run (other images, other scores) are removed first, and with
 * no set the folder goes away.
 */
export async function writeGradCamSet(set: GradCamSet | undefined, classNames: readonly string[], dir: string): Promise<string[]> {
  await rm(dir, { recursive: true, force: true });
  if (!set) return [];
  const { writeGradCamPngs } = await import('./overlay.ts');
  const classes = set.examples.some((e) => e.predicted !== undefined);
  return writeGradCamPngs(dir, set.images, set.heatmaps, set.shape, {
    ids: set.examples.map((e) => e.id),
    labels: set.examples.map((e) => e.label),
    scores: set.examples.map((e) => e.score),
    indices: set.examples.map((e) => e.index),
    classNames,
    ...(classes ? { predicted: set.examples.map((e) => e.predicted!), explained: set.examples.map((e) => e.explained!) } : { threshold: set.threshold }),
    peaks: set.peaks,
    method: set.method === 'hirescam' ? 'HiResCAM' : 'Grad-CAM',
  });
}

/** Moves `meta.gradCam`'s pixel arrays into blobs (cache meta is JSON; typed arrays are not). */
export function gradCamToBlobs(artifact: Artifact): Artifact {
  const meta = artifact.meta as { gradCam?: GradCamSet };
  if (!meta.gradCam) return artifact;
  const { images, heatmaps, ...rest } = meta.gradCam;
  return { meta: { ...meta, gradCam: rest }, blobs: { ...artifact.blobs, gradCamImages: bytesOf(images), gradCamHeatmaps: bytesOf(heatmaps) } };
}

/** The inverse of gradCamToBlobs. */
export function gradCamFromBlobs(artifact: Artifact): Artifact {
  const meta = artifact.meta as { gradCam?: Omit<GradCamSet, 'images' | 'heatmaps'> };
  if (!meta.gradCam) return artifact;
  const gradCam = { ...meta.gradCam, images: floatsOf(artifact.blobs.gradCamImages), heatmaps: floatsOf(artifact.blobs.gradCamHeatmaps) };
  return { meta: { ...meta, gradCam }, blobs: artifact.blobs };
}
