// Grad-CAM pictures and what feeds them: which test images are picked, the jet colours, the PNGs
// (layout, colours where the map is hot and cold, names without ids, index.csv) and the cache
// round trip of a GradCamSet.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { jet } from '../../../src/explain/colormap.ts';
import { gradCamFromBlobs, gradCamToBlobs, type GradCamSet } from '../../../src/explain/grad-cam-set.ts';
import { writeGradCamPngs } from '../../../src/explain/overlay.ts';
import { pickExamples } from '../../../src/explain/pick-examples.ts';
import { MedpipeError } from '../../../src/base/errors.ts';

interface Ctx {
  dir: string;
}

const Overlay = suite<Ctx>('grad-cam pictures', { dir: '' });

Overlay.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'medpipe-gradcam-png-'));
});
Overlay.after.each(async (ctx) => {
  await rm(ctx.dir, { recursive: true, force: true });
});

Overlay('pickExamples: round-robin over confident TP, worst FN, worst FP, confident TN; grouped; deterministic', () => {
  //               0    1    2    3    4    5    6    7    8    9
  const labels = [1, 1, 1, 1, 0, 0, 0, 0, 1, 0];
  const scores = [0.9, 0.95, 0.2, 0.4, 0.1, 0.7, 0.3, 0.6, 0.9, 0.05];
  const picked = pickExamples(labels, scores, 0.5, 8);
  assert.equal(picked, [
    { index: 1, outcome: 'TP' },
    { index: 0, outcome: 'TP' }, // highest scores; tie 0.9 vs 0.9 → lower index
    { index: 2, outcome: 'FN' },
    { index: 3, outcome: 'FN' }, // lowest-scored positives
    { index: 5, outcome: 'FP' },
    { index: 7, outcome: 'FP' }, // highest-scored negatives
    { index: 9, outcome: 'TN' },
    { index: 4, outcome: 'TN' }, // lowest-scored negatives
  ]);
  assert.equal(
    pickExamples(labels, scores, 0.5, 4).map((p) => p.outcome),
    ['TP', 'FN', 'FP', 'TN'],
    'one of each first',
  );
  // No errors at all: the places go to TP and TN.
  const clean = pickExamples([1, 1, 1, 0, 0, 0], [0.9, 0.8, 0.7, 0.1, 0.2, 0.3], 0.5, 5);
  assert.equal(
    clean.map((p) => `${p.outcome}${p.index}`),
    ['TP0', 'TP1', 'TP2', 'TN3', 'TN4'],
  );
  assert.is(pickExamples(labels, scores, 0.5, 100).length, 10, 'never more than there are');
  assert.equal(pickExamples(labels, scores, 0.5, 0), []);
});

Overlay('jet: dark blue → cyan → yellow → dark red', () => {
  assert.equal(jet(0), [0, 0, 128]);
  assert.equal(jet(0.375), [0, 255, 255]);
  assert.equal(jet(0.625), [255, 255, 0]);
  assert.equal(jet(1), [128, 0, 0]);
  assert.equal(jet(2), jet(1), 'clamped');
  assert.equal(jet(Number.NaN), jet(0));
});

/** Two 10×10 images; image 0's map is hot in its top-left 3×3 corner, image 1's map is flat 0.5. */
function fixture() {
  const [h, w] = [10, 10];
  const images = new Float32Array(2 * h * w);
  const heat = new Float32Array(2 * h * w);
  for (let p = 0; p < h * w; p++) {
    images[p] = ((p % w) / (w - 1)) * 3 - 1; // a ramp in arbitrary units (e.g. z-scores)
    images[h * w + p] = 5;
    heat[p] = Math.floor(p / w) < 3 && p % w < 3 ? 1 : 0;
    heat[h * w + p] = 0.5;
  }
  return { images, heat, shape: [h, w, 1] as [number, number, number] };
}

Overlay('PNGs: grey image | overlay, hot = red, cold = blue; names carry outcome, index, class, score, never the id', async ({ dir }) => {
  const { images, heat, shape } = fixture();
  const ids = ['patients/Doe^Jane/scan1.dcm', 'patients/Roe,Rich/scan2.dcm'];
  const files = await writeGradCamPngs(dir, images, heat, shape, {
    ids,
    labels: [1, 0],
    scores: [0.91234, 0.7],
    classNames: ['normal', 'pneumonia'],
    indices: [12, 3],
    threshold: 0.5,
  });
  const names = files.map((f) => path.basename(f));
  assert.equal(names, ['TP_0012_pneumonia_0.912.png', 'FP_0003_normal_0.700.png', 'index.csv']);
  assert.equal((await readdir(dir)).sort(), [...names].sort(), 'nothing else (no temp files)');
  for (const name of names) assert.not.match(name, /Doe|Roe|scan|patients/);

  const { data, info } = await sharp(files[0]!).raw().toBuffer({ resolveWithObject: true });
  const scale = Math.ceil(256 / 10); // 26: small images are enlarged to at least 256 px
  const panel = 10 * scale;
  assert.is(info.width, 2 * panel + 8);
  assert.is(info.height, panel + 24);
  const px = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
  const top = 24;
  // Left panel: grey, stretched to the image's own range (left end black, right end white).
  assert.equal(px(2, top + 100), [0, 0, 0]);
  assert.equal(px(panel - 2, top + 100), [255, 255, 255]);
  const mid = px(5 * scale, top + 100);
  assert.ok(mid[0] === mid[1] && mid[1] === mid[2], 'grey');
  // Right panel: hot corner is red-tinted, the cold far corner blue-tinted, with the image showing through.
  const hot = px(panel + 8 + scale, top + scale);
  const cold = px(panel + 8 + panel - 3, top + panel - 3);
  assert.ok(hot[0]! > hot[2]! + 40, `hot corner is red (${hot})`);
  assert.ok(cold[2]! > cold[0]! + 40, `cold corner is blue (${cold})`);
  const underCold = px(panel - 3, top + panel - 3)[0]!;
  assert.ok(Math.abs(cold[0]! - Math.round(0.6 * underCold + 0.4 * jet(0)[0])) <= 1, 'alpha 0.4 over the grey image');
  // Caption band: white text on black somewhere in it.
  let bright = 0;
  for (let x = 0; x < 200; x++) for (let y = 0; y < 24; y++) if (px(x, y)[0]! > 200) bright++;
  assert.ok(bright > 20, 'caption text drawn');

  const index = (await readFile(path.join(dir, 'index.csv'), 'utf8')).trim().split('\n');
  assert.equal(index, [
    'file,index,id,label,score,predicted,outcome,strength',
    'TP_0012_pneumonia_0.912.png,12,patients/Doe^Jane/scan1.dcm,1,0.91234,1,TP,',
    'FP_0003_normal_0.700.png,3,"patients/Roe,Rich/scan2.dcm",0,0.7,1,FP,',
  ]);
});

Overlay('with peaks, a weak map is drawn on the common scale (cold), not stretched to red', async ({ dir }) => {
  const { images, heat, shape } = fixture();
  heat.fill(1, 100); // image 1's map: 1 everywhere after its own normalisation...
  const files = await writeGradCamPngs(dir, images, heat, shape, {
    ids: ['a', 'b'],
    labels: [1, 0],
    scores: [0.9, 0.1],
    classNames: ['n', 'p'],
    peaks: [2, 0.2], // ...but a tenth as strong
  });
  assert.equal(
    files.map((f) => path.basename(f)),
    ['0000_p_0.900.png', '0001_n_0.100.png', 'index.csv'],
    'no threshold: no outcome',
  );
  const { data, info } = await sharp(files[1]!).raw().toBuffer({ resolveWithObject: true });
  const at = ((24 + 100) * info.width + info.width - 100) * info.channels;
  const [r, , b] = [data[at]!, data[at + 1]!, data[at + 2]!];
  assert.ok(b > r + 40, `strength 0.1 → blue (${r}, ${b})`);
  const index = (await readFile(files[2]!, 'utf8')).trim().split('\n');
  assert.match(index[2]!, /,0\.1$/, 'strength in index.csv');
});

Overlay('mismatched sizes: SHAPE_MISMATCH with a fix', async ({ dir }) => {
  const { images, heat, shape } = fixture();
  try {
    await writeGradCamPngs(dir, images, heat.subarray(1), shape, { ids: ['a', 'b'], labels: [0, 1], scores: [0, 1], classNames: ['a', 'b'] });
    assert.unreachable('should throw');
  } catch (error) {
    assert.instance(error, MedpipeError);
    assert.is((error as MedpipeError).code, 'SHAPE_MISMATCH');
    assert.ok((error as MedpipeError).fix);
  }
});

Overlay('a GradCamSet survives the cache encoding: pixel arrays as blobs, the rest as JSON', () => {
  const set: GradCamSet = {
    split: 'test',
    shape: [2, 2, 1],
    threshold: 0.5,
    method: 'hirescam',
    layer: 'conv',
    target: 'logit',
    examples: [{ index: 4, id: 'x/1.png', label: 1, score: 0.8, outcome: 'TP' }],
    images: Float32Array.from([1, 2, 3, 4]),
    heatmaps: Float32Array.from([0, 0.5, 1, 0.25]),
    peaks: [3],
  };
  const encoded = gradCamToBlobs({ meta: { other: 1, gradCam: set }, blobs: { weights: new Uint8Array([9]) } });
  const json = JSON.parse(JSON.stringify(encoded.meta)) as { gradCam: Record<string, unknown> };
  assert.not.ok('images' in json.gradCam || 'heatmaps' in json.gradCam, 'no typed arrays in the JSON meta');
  assert.equal(Object.keys(encoded.blobs).sort(), ['gradCamHeatmaps', 'gradCamImages', 'weights']);
  // Stored blobs come back as byte copies at any offset.
  const copy = (b: Uint8Array) => {
    const buf = new Uint8Array(b.length + 1);
    buf.set(b, 1);
    return buf.subarray(1);
  };
  const decoded = gradCamFromBlobs({ meta: json, blobs: Object.fromEntries(Object.entries(encoded.blobs).map(([k, v]) => [k, copy(v)])) });
  const back = decoded.meta as { gradCam: GradCamSet; other: number };
  assert.is(back.other, 1);
  assert.equal(Array.from(back.gradCam.images), [1, 2, 3, 4]);
  assert.equal(Array.from(back.gradCam.heatmaps), [0, 0.5, 1, 0.25]);
  assert.equal(back.gradCam.examples, set.examples);
  assert.equal(back.gradCam.peaks, [3]);
  assert.is(back.gradCam.method, 'hirescam');
  const none = { meta: { other: 1 }, blobs: {} };
  assert.is(gradCamToBlobs(none), none, 'no set: unchanged');
});

Overlay.run();
