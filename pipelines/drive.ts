// Retinal vessel segmentation on DRIVE (../shared/data/drive, read in place; research use only):
// the 20 training images (4 of them moved to validation) and the 20 test images with the first
// observer's masks, scored inside the field of view. The Retina-UNet recipe: green channel, CLAHE
// (OpenCV's, clip 2, 8x8 tiles) and gamma 1/1.2, per-image z-score; a small U-Net on random 48x48
// patches (half centred on vessels), ~144k patches with a cosine-annealed rate; sliding-window
// prediction of whole images, the threshold chosen on the 4 validation images. Sized to train in
// under 30 minutes on 2 CPU cores (native backend); see docs/segmentation.md for the timed run.
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
  .stage(split.segmentation({ valFromTrain: 0.2, enhance: { clahe: { clipLimit: 2, tiles: [8, 8] }, gamma: 1 / 1.2 } }))
  .stage(build.unet({ depth: 3, baseFilters: 16, patch: 48 }))
  .stage(
    fit.segmentation({
      epochs: 15,
      steps: 300,
      batchSize: 32,
      learningRate: 1e-3,
      schedule: 'cosine',
      loss: 'dice+ce',
      augment: { rotation: 15, horizontalFlip: true, verticalFlip: true, brightness: 0.1, contrast: 0.1 },
      earlyStopping: { patience: 6 },
    }),
  )
  .stage(evaluate.segmentation({ tolerance: 2 }));
