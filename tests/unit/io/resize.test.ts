// Values of the bilinear resize and the channel conversion, against hand-computed results that
// OpenCV's cv2.resize(INTER_LINEAR) and PIL's convert('L') (Rec. 601 luma) also give.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { convertChannels, resizeBilinear } from '../../../src/io/resize.ts';

const Resize = suite('resize: bilinear with pixel centres aligned, channel conversion');
const close = (a: ArrayLike<number>, b: readonly number[], what: string) => {
  assert.is(a.length, b.length, `${what}: length`);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

Resize('2×2 → 4×4: a linear ramp stays the same ramp (cv2.resize gives the same)', () => {
  const out = resizeBilinear(new Float32Array([0, 10, 20, 30]), [2, 2, 1], 4, 4);
  close(out, [0, 2.5, 7.5, 10, 5, 7.5, 12.5, 15, 15, 17.5, 22.5, 25, 20, 22.5, 27.5, 30], 'upscale');
});

Resize('4×4 → 2×2: each output is the mean of its 2×2 block', () => {
  const out = resizeBilinear(
    Float32Array.from({ length: 16 }, (_, i) => i),
    [4, 4, 1],
    2,
    2,
  );
  close(out, [2.5, 4.5, 10.5, 12.5], 'downscale');
});

Resize('channels stay apart; the same size returns the input untouched', () => {
  const rgb = new Float32Array([0, 100, 200, 10, 110, 210, 20, 120, 220, 30, 130, 230]);
  const out = resizeBilinear(rgb, [2, 2, 3], 1, 1);
  close(out, [15, 115, 215], 'the mean of each channel');
  assert.is(resizeBilinear(rgb, [2, 2, 3], 2, 2), rgb);
});

Resize('a non-square target: 1×4 → 1×2', () => {
  close(resizeBilinear(new Float32Array([0, 1, 2, 3]), [1, 4, 1], 1, 2), [0.5, 2.5], 'width halved');
});

Resize('grey → RGB replicates; RGB → grey is 0.299 R + 0.587 G + 0.114 B; RGBA drops alpha', () => {
  assert.equal(Array.from(convertChannels(new Float32Array([7, 9]), [1, 2, 1], 3).data), [7, 7, 7, 9, 9, 9]);
  const grey = convertChannels(new Float32Array([255, 0, 0, 0, 255, 0, 0, 0, 255]), [1, 3, 3], 1);
  assert.equal(grey.shape, [1, 3, 1]);
  close(grey.data, [76.245, 149.685, 29.07], 'luma');
  assert.equal(Array.from(convertChannels(new Float32Array([1, 2, 3, 255]), [1, 1, 4], 3).data), [1, 2, 3]);
});

Resize.run();
