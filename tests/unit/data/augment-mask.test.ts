/** Joint augmentation: image and mask move together. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRng, IDENTITY_TRANSFORM, sampleTransform, transformImage } from '../../../src/data/augment.ts';
import { transformMask } from '../../../src/data/augment-mask.ts';

const S = suite('augment-mask');

function labels(h: number, w: number): Uint8Array {
  // Three regions with straight and round borders.
  return Uint8Array.from({ length: h * w }, (_, i) => {
    const y = Math.floor(i / w);
    const x = i % w;
    if ((y - h / 2) ** 2 + (x - w / 3) ** 2 < (h / 4) ** 2) return 2;
    return x > (2 * w) / 3 ? 1 : 0;
  });
}

S('flips and exact transforms move the mask exactly as the image', () => {
  const h = 9;
  const w = 12;
  const mask = labels(h, w);
  const image = Float32Array.from(mask);
  for (const tr of [
    { ...IDENTITY_TRANSFORM, flipH: true },
    { ...IDENTITY_TRANSFORM, flipV: true },
    { ...IDENTITY_TRANSFORM, tx: 3, ty: -2 },
  ]) {
    const img = new Float32Array(h * w);
    const out = new Uint8Array(h * w);
    transformImage(image, 0, img, 0, [h, w, 1], tr, 'constant', 0);
    transformMask(mask, out, h, w, tr, 'constant');
    assert.equal(Array.from(out), Array.from(img));
  }
});

S('random affine: wherever the bilinear image of a one-hot channel is pure, the nearest mask has that label', () => {
  const h = 40;
  const w = 48;
  const mask = labels(h, w);
  const rng = createRng(11);
  let pure = 0;
  for (let t = 0; t < 20; t++) {
    const tr = sampleTransform({ rotation: 30, zoom: 0.2, shear: 10, translate: 0.1, horizontalFlip: true, brightness: 0.2 }, [h, w, 1], rng);
    const out = new Uint8Array(h * w);
    transformMask(mask, out, h, w, { ...tr }, 'reflect');
    for (const k of [0, 1, 2]) {
      const onehot = Float32Array.from(mask, (v) => (v === k ? 1 : 0));
      const img = new Float32Array(h * w);
      transformImage(onehot, 0, img, 0, [h, w, 1], { ...tr, brightness: 0, contrast: 1 }, 'reflect');
      for (let i = 0; i < h * w; i++) {
        if (img[i] === 1) {
          pure++;
          assert.is(out[i], k, `transform ${t}, pixel ${i}: image says ${k}, mask ${out[i]}`);
        }
      }
    }
  }
  assert.ok(pure > 20 * h * w * 0.5, 'most pixels are interior');
});

S.run();
