import { readSegmentationSamples } from '../data/segmentation-set.ts';
import { segmentationOverlay } from '../explain/segmentation-overlay.ts';
import { encodePng, pngNames, writeSegmentationFiles, type SegmentationEvaluation } from '../report/segmentation-files.ts';
import { evaluateSegmentation } from '../train/evaluate-segmentation.ts';
import { modelFromData } from '../train/model-data.ts';
import type { SegmentationEvaluateConfig } from '../train/segmentation-config.ts';
import type { SegmentationModelInfo, SegmentationTrained } from '../train/segmentation-model.ts';
import type { StageRun } from './core/define-stage.ts';
import { ports } from './core/ports.ts';

export default {
  async run(trained, config, ctx) {
    await ctx.backend();
    const data = await ctx.ancestor(ports.segSplits);
    const test = readSegmentationSamples(data, data.splits!.test, trained);
    const val = readSegmentationSamples(data, data.splits!.val, trained);
    const model = await modelFromData(trained.model);
    try {
      const { document, predictions } = await evaluateSegmentation(model, test, val, {
        classes: trained.classes,
        patch: trained.inputShape[0],
        overlap: config.overlap ?? trained.overlap,
        threshold: config.threshold ?? 'validation',
        tolerance: config.tolerance ?? 2,
        spacing: data.spacing,
        resolution: config.resolution ?? 'original',
        signal: ctx.signal,
        progress: (done, total) => ctx.emit({ type: 'stage-progress', done, total, unit: 'images' }),
      });
      const names = pngNames(test.map((s) => s.id));
      const binary = trained.classes.length === 2;
      const files: Record<string, Uint8Array> = {};
      for (const [i, { mask, scored: s }] of predictions.entries()) {
        files[`predictions/${names[i]}`] = await encodePng(binary ? mask.map((v) => v * 255) : mask, s.height, s.width, 1);
        files[`overlays/${names[i]}`] = await encodePng(segmentationOverlay(s, mask), s.height, s.width, 3);
      }
      const info: SegmentationModelInfo = {
        task: 'segmentation',
        classes: trained.classes,
        inputShape: trained.inputShape,
        input: data.input ?? { channels: trained.inputShape[2] === 1 ? 1 : 3 },
        intensity: data.intensity ?? 'rescale',
        overlap: config.overlap ?? trained.overlap,
        threshold: document.threshold,
        thresholdSource: document.thresholdRule,
        ...(trained.slices ? { slices: trained.slices } : {}),
      };
      return { document, files, model: trained.model, info };
    } finally {
      model.dispose();
    }
  },
  summary: (e) => {
    const name = e.document.classes[1];
    const s = e.document.summary[name];
    const dice = s?.perImage.dice.mean;
    const human = e.document.humanAgreement?.summary[name]?.perImage.dice.mean;
    return `${e.document.images} test images: ${name} Dice ${dice === null || dice === undefined ? 'n/a' : dice.toFixed(3)} (mean over images), HD95 ${s?.perImage.hd95.mean?.toFixed(2) ?? 'n/a'} ${e.document.unit}${typeof human === 'number' ? `; second observer ${human.toFixed(3)}` : ''}`;
  },
  export: writeSegmentationFiles,
} satisfies StageRun<SegmentationEvaluateConfig, SegmentationTrained, SegmentationEvaluation>;
