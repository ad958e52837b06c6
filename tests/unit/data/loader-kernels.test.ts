// The codec addon's loader kernels give the very float32 numbers of their JavaScript twins: the
// affine resampling of the augmentation (interior and border pixels, every fill mode, grey and RGB,
// flips and quarter turns that land exactly on the grid) and the 8-bit lookup table.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRng } from '../../../src/base/rng.ts';
import { inverseAffine, resampleAffine, sampleTransform } from '../../../src/data/augment.ts';
import { lookUp } from '../../../src/data/pointwise-table.ts';
import { nativeCodec } from '../../../src/io/native-codec.ts';
import { prng } from '../../helpers/core.ts';
import { requirement, requires } from '../../helpers/requires.ts';

const Kernels = suite('loader kernels: codec addon = JavaScript, bit for bit');
const native = nativeCodec();
const it = requires(
  Kernels,
  requirement(native?.affine !== undefined && native.lookupU8 !== undefined, 'the codec addon is not built with its loader kernels (node native/codec/build.mjs)'),
);

const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

it('affine: 200 drawn transforms per fill mode, 1 and 3 channels, odd sizes, offsets', () => {
  const rand = prng(21);
  const rng = createRng(3);
  const policy = { rotation: 40, translate: 0.3, zoom: 0.4, shear: 15, horizontalFlip: true, verticalFlip: true };
  for (const shape of [[31, 23, 1], [17, 29, 3]] as const) {
    const size = shape[0] * shape[1] * shape[2];
    const src = Float32Array.from({ length: size + 7 }, () => (rand() - 0.3) * 300);
    for (const fill of ['nearest', 'constant', 'reflect'] as const) {
      for (let t = 0; t < 200; t++) {
        const tr = sampleTransform(policy, shape, rng, 1);
        const map = inverseAffine(tr, shape[0], shape[1]);
        const js = new Float32Array(size + 5);
        const cc = new Float32Array(size + 5);
        resampleAffine(src, 7, js, 5, shape, map, fill, -1.25, null);
        resampleAffine(src, 7, cc, 5, shape, map, fill, -1.25, native!.affine);
        assert.equal(bits(cc), bits(js), `${shape.join('x')} ${fill} transform ${t}`);
      }
    }
    // Exact grid maps (flips, quarter turns, shifts by whole pixels) copy values unchanged in both.
    for (const tr of [
      { rotation: 90, tx: 0, ty: 0, scale: 1, shear: 0, flipH: false, flipV: false, brightness: 0, contrast: 1 },
      { rotation: 0, tx: 3, ty: -2, scale: 1, shear: 0, flipH: true, flipV: true, brightness: 0, contrast: 1 },
    ]) {
      const map = inverseAffine(tr, shape[0], shape[1]);
      const js = new Float32Array(size);
      const cc = new Float32Array(size);
      resampleAffine(src, 0, js, 0, shape, map, 'reflect', 0, null);
      resampleAffine(src, 0, cc, 0, shape, map, 'reflect', 0, native!.affine);
      assert.equal(bits(cc), bits(js), JSON.stringify(tr));
    }
  }
});

it('lookup: grey and RGB tables, at an offset', () => {
  const rand = prng(5);
  for (const channels of [1, 3]) {
    const table = Float32Array.from({ length: 256 * channels }, () => (rand() - 0.5) * 10);
    const bytes = Uint8Array.from({ length: 101 * channels }, () => Math.floor(rand() * 256));
    const js = new Float32Array(bytes.length + 3);
    const cc = new Float32Array(bytes.length + 3);
    lookUp(bytes, table, channels, js, 3, null);
    lookUp(bytes, table, channels, cc, 3, native!.lookupU8);
    assert.equal(bits(cc), bits(js), `${channels} channel(s)`);
  }
});

it('out-of-bounds arguments are refused, not written past the array', () => {
  assert.throws(() => native!.lookupU8!(new Uint8Array(10), new Float32Array(256), 1, new Float32Array(12), 5), /bounds/);
  assert.throws(() => native!.affine!(new Float32Array(4), 0, new Float32Array(3), 0, 2, 2, 1, [1, 0, 0, 0, 1, 0], 0, 0), /bounds/);
});

Kernels.run();
