// Retinal vessel segmentation on DRIVE (../shared/data/drive, read in place; research use only):
// the 20 training images (4 of them moved to validation) and the 20 test images with the first
// observer's masks, scored inside the field of view. Green channel, per-image z-score, U-Net on
// 48x48 patches, sliding-window prediction of whole images.
import { pipeline, ingest, split, build, fit, evaluate } from 'medpipe';

const DRIVE = '../../shared/data/drive';
const part = (name: 'training' | 'test', split: 'train' | 'test') => ({
  images: `${DRIVE}/${name}/images`,
  masks: `${DRIVE}/${name}/1st_manual`,
  roi: `${DRIVE}/${name}/mask`,
  match: { image: `{id}_${name}.tif`, mask: '{id}_manual1.gif', roi: `{id}_${name}_mask.gif` },
  // The second observer's masks of the test images: the human-agreement line beside the model's.
  ...(name === 'test' ? { observer: { masks: `${DRIVE}/test/2nd_manual`, match: '{id}_manual2.gif' } } : {}),
  split,
});

export default pipeline('drive', { seed: 1 })
  .stage(ingest.segmentation({ sources: [part('training', 'train'), part('test', 'test')], channels: 'green', classes: ['background', 'vessel'] }))
  .stage(split.segmentation({ valFromTrain: 0.2 }))
  .stage(build.unet({ depth: 3, baseFilters: 16, patch: 48 }))
  .stage(
    fit.segmentation({
      epochs: 30,
      steps: 40,
      batchSize: 16,
      learningRate: 1e-3,
      augment: { rotation: 15, horizontalFlip: true, verticalFlip: true, brightness: 0.1, contrast: 0.1 },
    }),
  )
  .stage(evaluate.segmentation({ tolerance: 2 }));
