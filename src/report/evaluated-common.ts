/**
 * What every classification evaluation (binary, K classes, K findings) builds the same way: the
 * Grad-CAM gallery of the test split and the part of the result that comes from training.
 */
import { deriveSeed } from '../base/rng.ts';
import type { SplitSet } from '../data/image-set.ts';
import type { ImageSource } from '../data/loader/image-source.ts';
import { explainClasses, type ExplainOptions, type GradCamSet } from '../explain/grad-cam-set.ts';
import type { ModelInfo, Trained } from '../train/trained.ts';
import { toFitData } from '../train/train-fresh.ts';
import type { EvaluateConfig } from './evaluate-config.ts';
import type { Curves, EvaluatedCommon } from './evaluation.ts';

type Method = NonNullable<ExplainOptions['method']>;

/**
 * Grad-CAM of `config.gradCam` test images (8 by default, HiResCAM unless `gradCamMethod` says
 * otherwise), or undefined when turned off; `explain` picks the images and the class to explain.
 */
export async function testGradCam(
  data: SplitSet,
  config: EvaluateConfig,
  explain: (images: ImageSource, count: number, method: Method) => Promise<GradCamSet | undefined>,
): Promise<GradCamSet | undefined> {
  if (config.gradCam === false) return undefined;
  return explain(toFitData(data, data.test).images, config.gradCam ?? 8, config.gradCamMethod ?? 'hirescam');
}

/**
 * Grad-CAM of each picked test image's predicted class, or of `config.gradCamClass`.
 * @example
 *   const gradCam = await classGradCam(trained, data, config, testPredictions);
 */
export function classGradCam(
  trained: Trained,
  data: SplitSet,
  config: EvaluateConfig,
  predictions: readonly { readonly id: string; readonly label: number; readonly probabilities: readonly number[] }[],
): Promise<GradCamSet | undefined> {
  return testGradCam(data, config, (images, count, method) =>
    explainClasses(trained.model, images, data.shape, predictions, data.classes, count, { method, explain: config.gradCamClass }),
  );
}

/**
 * The result fields every task shares: the test curves and report it computed, and the history,
 * best epoch, model and export settings that come from training and the config.
 */
export function evaluatedCommon(
  trained: Trained,
  config: EvaluateConfig,
  parts: {
    readonly curves: Curves;
    readonly report: string;
    readonly classes: readonly string[];
    readonly info: ModelInfo;
    readonly gradCam: GradCamSet | undefined;
  },
): EvaluatedCommon {
  return {
    curves: parts.curves,
    report: parts.report,
    history: trained.history,
    bestEpoch: trained.bestEpoch,
    classes: parts.classes,
    model: trained.model,
    info: parts.info,
    png: config.png ?? true,
    ...(parts.gradCam ? { gradCam: parts.gradCam } : {}),
  };
}

/** A sample's patient group and metadata attributes, where it has them (the bootstrap's unit, the subgroups). */
export function sampleKeys(s: { readonly group?: string; readonly attributes?: Readonly<Record<string, string>> }) {
  return { ...(s.group !== undefined ? { group: s.group } : {}), ...(s.attributes ? { attributes: s.attributes } : {}) };
}

/** The bootstrap, calibration and subgroup settings of evaluate's config; the bootstrap is seeded from the run's seed. */
export function clinicalOptions(config: EvaluateConfig, seed: number) {
  return {
    seed: deriveSeed(seed, 'bootstrap'),
    resamples: config.bootstrap?.resamples,
    level: config.bootstrap?.level,
    binning: config.calibration,
    subgroups: config.subgroups,
  };
}
