/**
 * Five diabetic-retinopathy grades on real fundus photographs: RetinaMNIST (28x28 colour), keeping
 * MedMNIST's own train / val / test split (1080 / 120 / 400 images).
 *   node bin/medpipe.js run pipelines/retinamnist.ts
 * MedMNIST v2's best entry on this test set: mean one-vs-rest AUC 0.750, accuracy 0.531 (Google AutoML Vision).
 *
 * Chosen blind, in two stages (experiments/retinamnist/GRID.md; each stage committed before its candidates
 * ran). Every candidate was scored by 3-fold cross-validation on train + val only (the test split never
 * read); the rule was the highest pooled out-of-fold macro one-vs-rest AUC over the 1,200 images.
 * Stage A (losses, targets, schedule, input size on the tutorial CNN [32, 64]):
 *   A0 cross-entropy 0.7210 (chosen) · A1 balanced class weights 0.7097 · A2 soft ordinal targets 0.6965
 *   A3 label smoothing 0.1 0.7062 · A4 cosine schedule 0.7058 · A5 MixUp α 0.2 0.7189 · A6 64 px input 0.6714
 *   A0 on test once: accuracy 0.545, macro AUC 0.735 — below the AUC target.
 * Stage C (the network and the learning rate; a winner had to beat A0 by 0.005):
 *   C1 tutorial CNN + global average pooling 0.7213 · C2 compact CNN [32, 64, 128] 0.7622 (chosen)
 *   C3 compact CNN + BatchNorm + average pooling 0.7515 · C4 Adam 3e-4, 60 epochs 0.7471 · C5 C3 at 64 px 0.7401
 *   D (C2 with C4's rate) 0.7592.
 * Argmax is kept: the expected-grade rule scored a lower out-of-fold accuracy (0.454 vs 0.528). The
 * 5-member ensemble and the test-time mirrors were fixed in advance, not selected.
 * The test split was then scored once with C2 (seed 42, run 21:31–21:35 UTC): accuracy 0.555 (95% CI
 * 0.513–0.595), macro AUC 0.743 (0.708–0.777), quadratic-weighted kappa 0.565 (0.486–0.636), percentile
 * bootstrap. Accuracy is above the AutoML entry; the AUC is still below its 0.750 (inside the interval).
 * Caveat: this test set had been scored twice before this run (0.5325 / 0.7391 by an earlier session;
 * 0.545 / 0.735 by Stage A's choice). Stage C never read it, but the test set is not untouched.
 */
import { pipeline, ingest, normalize, augment, split, build, fit, evaluate } from 'medpipe';

export default pipeline('retinamnist', { seed: 42 })
  // Grades are ordered: task 'ordinal' reports quadratic-weighted kappa and the grade error beside the
  // multi-class metrics (an npz says nothing about order, so it is stated).
  .stage(ingest.npz({ file: '../../shared/data/retinamnist/retinamnist.npz', task: 'ordinal' }))
  .stage(normalize({ method: 'zscore', scope: 'dataset' })) // per channel, training split only
  // A fundus photograph mirrored either way is still a plausible fundus of the same grade.
  .stage(augment({ rotation: 15, zoom: 0.1, horizontalFlip: true, verticalFlip: true }))
  .stage(split()) // keeps MedMNIST's train / val / test
  // Three 3x3 conv + 2x2 max-pool blocks: the last units see most of the 28x28 image, and the head reads a
  // 3x3x128 map (about 5.8k head weights instead of the tutorial CNN's 63k over 14x14x64).
  .stage(build.compactCnn({ filters: [32, 64, 128] }))
  // Stage A's training (plain cross-entropy, Adam 1e-3 constant, no smoothing, no MixUp) with its epochs and
  // patience, early-stopped on the validation split's macro one-vs-rest AUC; 5 members averaged (fixed in advance).
  .stage(fit({ epochs: 40, batchSize: 32, ensemble: 5, earlyStopping: { monitor: 'val_auc', patience: 10, restoreBestWeights: true } }))
  // The same mirrors at test time: each score is the mean over the four copies.
  .stage(evaluate({ testTimeAugmentation: { horizontalFlip: true, verticalFlip: true } }));
