/**
 * Segmentation metrics against the Python reference (scikit-learn on flattened ROI pixels, SciPy's
 * exact distance transform with MONAI's surface formulas): random blob masks with ROIs, anisotropic
 * spacing, empty masks, three-class label maps, masks touching the border — and real masks: DRIVE's
 * second observer scored against the first inside the field of view.
 */
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readMask } from '../../../src/io/read-mask.ts';
import { scoreImage } from '../../../src/metrics/segmentation-metrics.ts';
import { SHARED_DATA } from '../../helpers/paths.ts';
import { prng } from '../../helpers/prng.ts';
import { realData, requires } from '../../helpers/requires.ts';
import { assertMatchesReference, runSegmentationReference, segmentationToolkit } from '../../helpers/segmentation-reference.ts';

interface Case {
  height: number;
  width: number;
  truth: number[];
  pred: number[];
  roi: number[] | null;
  classes: number;
  spacing: [number, number];
  tolerance: number;
}

/** Random ellipses of classes 1..K-1 on background; `jitter` moves them for the "prediction". */
function blobs(h: number, w: number, classes: number, count: number, seed: number): { truth: number[]; pred: number[] } {
  const rnd = prng(seed);
  const truth = new Array<number>(h * w).fill(0);
  const pred = new Array<number>(h * w).fill(0);
  for (let b = 0; b < count; b++) {
    const k = 1 + Math.floor(rnd() * (classes - 1));
    const cy = rnd() * h;
    const cx = rnd() * w;
    const ry = 1 + rnd() * h * 0.25;
    const rx = 1 + rnd() * w * 0.25;
    const dy = (rnd() - 0.5) * 6;
    const dx = (rnd() - 0.5) * 6;
    const grow = 0.7 + rnd() * 0.6;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1) truth[y * w + x] = k;
        if (((y - cy - dy) / (ry * grow)) ** 2 + ((x - cx - dx) / (rx * grow)) ** 2 <= 1) pred[y * w + x] = k;
      }
    }
  }
  // Salt noise in the prediction: isolated false positives and holes.
  for (let i = 0; i < h * w; i++) if (rnd() < 0.01) pred[i] = Math.floor(rnd() * classes);
  return { truth, pred };
}

function disc(h: number, w: number): number[] {
  return Array.from({ length: h * w }, (_, i) => (((Math.floor(i / w) - h / 2) / (h / 2)) ** 2 + ((i % w) - w / 2) ** 2 / (w / 2) ** 2 <= 1 ? 1 : 0));
}

function cases(): Case[] {
  const out: Case[] = [];
  for (let seed = 1; seed <= 12; seed++) {
    const h = 20 + seed * 3;
    const w = 48 - seed;
    const classes = seed % 3 === 0 ? 3 : 2;
    const { truth, pred } = blobs(h, w, classes, 2 + (seed % 4), seed);
    out.push({
      height: h,
      width: w,
      truth,
      pred,
      roi: seed % 2 === 0 ? disc(h, w) : null,
      classes,
      spacing: seed % 4 === 1 ? [0.5, 1.25] : [1, 1],
      tolerance: [1, 2, 1.5][seed % 3],
    });
  }
  const h = 16;
  const w = 12;
  const zeros = new Array<number>(h * w).fill(0);
  const square = zeros.map((_, i) => (Math.floor(i / w) >= 3 && Math.floor(i / w) < 9 && i % w >= 2 && i % w < 7 ? 1 : 0));
  const corner = zeros.map((_, i) => (Math.floor(i / w) < 5 && i % w < 4 ? 1 : 0)); // touches the border
  const single = zeros.map((_, i) => (i === 5 * w + 5 ? 1 : 0));
  const base = { height: h, width: w, roi: null, classes: 2, spacing: [1, 1] as [number, number], tolerance: 1 };
  out.push({ ...base, truth: zeros, pred: zeros }); // both empty
  out.push({ ...base, truth: square, pred: zeros }); // prediction empty
  out.push({ ...base, truth: zeros, pred: square }); // truth empty
  out.push({ ...base, truth: square, pred: square }); // perfect
  out.push({ ...base, truth: corner, pred: square });
  out.push({ ...base, truth: single, pred: square, spacing: [2, 0.5] });
  return out;
}

const asMap = (c: Case, data: number[]) => ({ height: c.height, width: c.width, data });

const S = suite('segmentation metrics vs the Python reference');
const it = requires(S, segmentationToolkit());

it('random label maps, ROIs, spacings and empty masks equal scikit-learn / SciPy (MONAI formulas)', () => {
  const all = cases();
  const reference = runSegmentationReference(all);
  all.forEach((c, i) => {
    const names = Array.from({ length: c.classes }, (_, k) => (k === 0 ? 'background' : `c${k}`));
    const ours = scoreImage(`case ${i}`, asMap(c, c.truth), asMap(c, c.pred), c.roi ? asMap(c, c.roi) : undefined, {
      classNames: names,
      spacing: c.spacing,
      tolerance: c.tolerance,
    });
    for (let k = 1; k < c.classes; k++) assertMatchesReference(ours.classes[`c${k}`] as never, reference[i].classes[String(k)], `case ${i} class ${k}`);
  });
  // The fixture exercises what it claims: some undefined values, some non-trivial distances.
  const hd = reference.flatMap((r) => Object.values(r.classes).map((c) => c.hd95));
  assert.ok(hd.some((v) => v === null) && hd.some((v) => typeof v === 'number' && v > 2));
});

const drive = path.join(SHARED_DATA, 'drive', 'test');
const real = requires(
  S,
  segmentationToolkit(),
  realData('drive', 'test/1st_manual/01_manual1.gif', 'test/2nd_manual/01_manual2.gif', 'test/mask/01_test_mask.gif'),
);

real('DRIVE: the second observer against the first inside the FOV equals the reference (real masks, read by both sides)', async () => {
  const ids = ['01', '02', '03'];
  const files = ids.map((id) => ({
    truth_file: path.join(drive, '1st_manual', `${id}_manual1.gif`),
    pred_file: path.join(drive, '2nd_manual', `${id}_manual2.gif`),
    roi_file: path.join(drive, 'mask', `${id}_test_mask.gif`),
    classes: 2,
    spacing: [1, 1],
    tolerance: 2,
  }));
  const reference = runSegmentationReference(files);
  for (let i = 0; i < ids.length; i++) {
    const [truth, pred, roi] = await Promise.all([readMask(files[i].truth_file), readMask(files[i].pred_file), readMask(files[i].roi_file)]);
    const ours = scoreImage(ids[i], truth, pred, roi, { classNames: ['background', 'vessel'], tolerance: 2 });
    assertMatchesReference(ours.classes.vessel as never, reference[i].classes['1'], `DRIVE test ${ids[i]}`);
    // Two humans agree to F1 ≈ 0.79 (README): a broken reader or ROI would land far from it.
    const dice = ours.classes.vessel.dice!;
    assert.ok(dice > 0.7 && dice < 0.9, `inter-observer Dice ${dice}`);
  }
});

S.run();
