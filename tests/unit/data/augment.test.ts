import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MedpipeError } from '../../../src/base/errors.ts';
import {
  augmentBatch, createRng, IDENTITY_TRANSFORM, transformImage, validateAugmentPolicy, type ImageTransform,
} from '../../../src/data/augment.ts';
import { deriveSeed } from '../../../src/base/rng.ts';

type Shape = readonly [number, number, number];

/** Distinct values so any misplaced pixel shows. */
function ramp(count: number, shape: Shape): Float32Array {
  const n = count * shape[0] * shape[1] * shape[2];
  return Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 10 + 1);
}
/** value at (row, col, channel) of image `img` */
const at = (px: Float32Array, shape: Shape, img: number, r: number, c: number, k: number): number => px[((img * shape[0] + r) * shape[1] + c) * shape[2] + k];
function image(shape: Shape, f: (r: number, c: number, k: number) => number): Float32Array {
  const out = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let r = 0; r < shape[0]; r++) for (let c = 0; c < shape[1]; c++) for (let k = 0; k < shape[2]; k++) out[(r * shape[1] + c) * shape[2] + k] = f(r, c, k);
  return out;
}
function apply(
  src: Float32Array,
  shape: Shape,
  tr: Partial<ImageTransform>,
  fill: 'nearest' | 'constant' | 'reflect' = 'nearest',
  fillValue = 0,
): Float32Array {
  const dst = new Float32Array(src.length);
  transformImage(src, 0, dst, 0, shape, { ...IDENTITY_TRANSFORM, ...tr }, fill, fillValue);
  return dst;
}
const closeArrays = (a: Float32Array, b: Float32Array, msg: string, tol = 1e-5): void => {
  assert.is(a.length, b.length, `${msg}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${msg}[${i}]: ${a[i]} vs ${b[i]}`);
};

const Augment = suite('augment');

Augment('the identity policy returns the input exactly, in a new buffer', () => {
  const shape: Shape = [5, 6, 3];
  const px = ramp(4, shape);
  for (const policy of [{}, { rotation: 0, zoom: 0, horizontalFlip: false, fill: 'reflect' as const }]) {
    const out = augmentBatch(px, shape, 4, policy, createRng(1));
    assert.ok(out !== px, 'new buffer');
    assert.equal(Array.from(out), Array.from(px));
  }
});

Augment('flips are exact mirror images', () => {
  const shape: Shape = [4, 5, 2];
  const px = ramp(1, shape);
  const h = apply(px, shape, { flipH: true });
  const v = apply(px, shape, { flipV: true });
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 5; c++)
      for (let k = 0; k < 2; k++) {
        assert.is(at(h, shape, 0, r, c, k), at(px, shape, 0, r, 4 - c, k), `h(${r},${c},${k})`);
        assert.is(at(v, shape, 0, r, c, k), at(px, shape, 0, 3 - r, c, k), `v(${r},${c},${k})`);
      }
});

Augment('horizontalFlip in a batch flips about half of the images and leaves the rest untouched', () => {
  const shape: Shape = [3, 4, 1];
  const count = 200;
  const px = ramp(count, shape);
  const out = augmentBatch(px, shape, count, { horizontalFlip: true }, createRng(5));
  const size = 12;
  let flipped = 0;
  for (let i = 0; i < count; i++) {
    const src = px.subarray(i * size, (i + 1) * size);
    const got = out.subarray(i * size, (i + 1) * size);
    const mirror = apply(src, shape, { flipH: true });
    const same = got.every((v, j) => v === src[j]);
    const isMirror = got.every((v, j) => v === mirror[j]);
    assert.ok(same || isMirror, `image ${i} is either unchanged or mirrored`);
    if (isMirror) flipped++;
  }
  assert.ok(flipped > 70 && flipped < 130, `about half flipped (${flipped}/200)`);
});

Augment('rotation by +90 degrees on a square equals np.rot90 (counter-clockwise), -90 the reverse', () => {
  for (const n of [4, 5]) {
    const shape: Shape = [n, n, 2];
    const px = ramp(1, shape);
    const ccw = apply(px, shape, { rotation: 90 });
    const cw = apply(px, shape, { rotation: -90 });
    // np.rot90: out[i][j] = in[j][n-1-i]
    const expectedCcw = image(shape, (i, j, k) => at(px, shape, 0, j, n - 1 - i, k));
    const expectedCw = image(shape, (i, j, k) => at(px, shape, 0, n - 1 - j, i, k));
    closeArrays(ccw, expectedCcw, `rot90 ${n}x${n}`);
    closeArrays(cw, expectedCw, `rot-90 ${n}x${n}`);
    closeArrays(
      apply(px, shape, { rotation: 180 }),
      image(shape, (i, j, k) => at(px, shape, 0, n - 1 - i, n - 1 - j, k)),
      `rot180 ${n}`,
    );
  }
});

Augment('integer translation shifts the image, fill modes decide the border', () => {
  const shape: Shape = [1, 5, 1];
  const px = Float32Array.from([1, 2, 3, 4, 5]);
  // tx = +2: output column x samples source x - 2.
  assert.equal(Array.from(apply(px, shape, { tx: 2 }, 'constant', -1)), [-1, -1, 1, 2, 3]);
  assert.equal(Array.from(apply(px, shape, { tx: 2 }, 'nearest')), [1, 1, 1, 2, 3]);
  assert.equal(Array.from(apply(px, shape, { tx: 2 }, 'reflect')), [2, 1, 1, 2, 3]);
  assert.equal(Array.from(apply(px, shape, { tx: -3 }, 'reflect')), [4, 5, 5, 4, 3]);
  // Half a pixel: bilinear average of neighbours.
  closeArrays(apply(px, shape, { tx: 0.5 }, 'nearest'), Float32Array.from([1, 1.5, 2.5, 3.5, 4.5]), 'half-pixel shift');
});

Augment('zoom magnifies about the centre', () => {
  const shape: Shape = [1, 5, 1];
  const px = Float32Array.from([0, 10, 20, 30, 40]);
  // scale 2: output x samples centre + (x - centre) / 2.
  closeArrays(apply(px, shape, { scale: 2 }), Float32Array.from([10, 15, 20, 25, 30]), 'zoom 2');
});

Augment('brightness adds a constant, contrast scales about the channel mean', () => {
  const shape: Shape = [2, 2, 1];
  const px = Float32Array.from([0, 1, 2, 3]);
  closeArrays(apply(px, shape, { brightness: 0.5 }), Float32Array.from([0.5, 1.5, 2.5, 3.5]), 'brightness');
  closeArrays(apply(px, shape, { contrast: 2 }), Float32Array.from([-1.5, 0.5, 2.5, 4.5]), 'contrast');
  // The policy's brightness is a fraction of the image's own range.
  const out = augmentBatch(px, shape, 1, { brightness: 0.1 }, createRng(3));
  const delta = out[0] - px[0];
  assert.ok(Math.abs(delta) <= 0.3 + 1e-6 && delta !== 0, `shift within ±0.1·range (${delta})`);
  for (let i = 1; i < 4; i++) assert.ok(Math.abs(out[i] - px[i] - delta) < 1e-6, 'same shift everywhere');
});

Augment('same seed gives the same batch; another epoch seed gives another', () => {
  const shape: Shape = [8, 8, 1];
  const px = ramp(6, shape);
  const policy = { rotation: 15, translate: 0.1, zoom: 0.1, shear: 5, brightness: 0.05, contrast: 0.1, verticalFlip: true };
  const a = augmentBatch(px, shape, 6, policy, createRng(deriveSeed(7, 'augment', 1)));
  const b = augmentBatch(px, shape, 6, policy, createRng(deriveSeed(7, 'augment', 1)));
  const c = augmentBatch(px, shape, 6, policy, createRng(deriveSeed(7, 'augment', 2)));
  assert.equal(Array.from(a), Array.from(b));
  assert.ok(
    a.some((v, i) => v !== c[i]),
    'epoch 2 differs',
  );
  assert.ok(
    a.some((v, i) => v !== px[i]),
    'images are changed',
  );
  assert.ok(
    px.every((v, i) => v === ramp(6, shape)[i]),
    'input untouched',
  );
});

Augment('a 32x64x64x3 batch: every image transformed, none left as it was, the input untouched', () => {
  // Its speed is printed by the benchmark (npm run bench), not asserted against this machine's clock.
  const shape: Shape = [64, 64, 3];
  const px = ramp(32, shape);
  const policy = { rotation: 10, translate: 0.1, zoom: 0.1, shear: 5, brightness: 0.1, contrast: 0.1 };
  const out = augmentBatch(px, shape, 32, policy, createRng(1));
  assert.is(out.length, px.length);
  const size = 64 * 64 * 3;
  for (let i = 0; i < 32; i++) {
    const a = out.subarray(i * size, (i + 1) * size);
    assert.ok(
      a.some((v, k) => v !== px[i * size + k]),
      `image ${i} was transformed`,
    );
  }
  const original = ramp(32, shape);
  assert.ok(
    px.every((v, i) => v === original[i]),
    'input untouched',
  );
});

Augment('bad policies and buffers are clear errors', () => {
  assert.equal(validateAugmentPolicy({ rotation: 10, zoom: 0.2 }), []);
  const issues = validateAugmentPolicy({ rotation: -1, zoom: 1.5, fill: 'wrap' as never });
  assert.is(issues.length, 3, issues.join('; '));
  try {
    augmentBatch(new Float32Array(10), [2, 2, 1], 3, {}, createRng(1));
    assert.unreachable('short buffer');
  } catch (error) {
    assert.instance(error, MedpipeError);
    assert.is((error as MedpipeError).code, 'SHAPE_MISMATCH');
  }
  try {
    augmentBatch(new Float32Array(4), [2, 2, 1], 1, { zoom: 2 }, createRng(1));
    assert.unreachable('bad policy');
  } catch (error) {
    assert.is((error as MedpipeError).code, 'INVALID_CONFIG');
    assert.match((error as MedpipeError).message, /zoom/);
  }
});

Augment('createRng is deterministic and uniform', () => {
  const a = createRng(42);
  const b = createRng(42);
  const xs = Array.from({ length: 10000 }, () => a.next());
  assert.equal(
    xs.slice(0, 5),
    Array.from({ length: 5 }, () => b.next()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
  const r = createRng(3);
  const normals = Array.from({ length: 10000 }, () => r.normal());
  const m = normals.reduce((s, x) => s + x, 0) / normals.length;
  const v = normals.reduce((s, x) => s + (x - m) ** 2, 0) / normals.length;
  assert.ok(Math.abs(m) < 0.05 && Math.abs(v - 1) < 0.05, `normal mean ${m} var ${v}`);
  const ints = new Set(Array.from({ length: 1000 }, () => r.int(5)));
  assert.equal([...ints].sort(), [0, 1, 2, 3, 4]);
  assert.ok(createRng(1).next() !== createRng(2).next(), 'seeds differ');
  assert.ok(deriveSeed(1, 'a', 1) !== deriveSeed(1, 'a', 2) && deriveSeed(0) !== 0);
});

Augment.run();
