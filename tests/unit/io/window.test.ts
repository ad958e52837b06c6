import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readDicom } from '../../../src/io/dicom.ts';
import { applyWindow, resolveWindow, stackWindows, WINDOW_PRESETS } from '../../../src/io/window.ts';
import { MedpipeError } from '../../../src/base/errors.ts';
import { FIXTURES } from '../../helpers/paths.ts';

const Window = suite('applyWindow / stackWindows');

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);

Window('presets are the cited radiology values', () => {
  assert.equal(WINDOW_PRESETS.lung, { center: -600, width: 1500 });
  assert.equal(WINDOW_PRESETS.mediastinum, { center: 50, width: 350 });
  assert.equal(WINDOW_PRESETS.abdomen, { center: 50, width: 400 });
  assert.equal(WINDOW_PRESETS.softTissue, { center: 40, width: 400 });
  assert.equal(WINDOW_PRESETS.bone, { center: 400, width: 1800 });
  assert.equal(WINDOW_PRESETS.brain, { center: 40, width: 80 });
  assert.ok(Object.isFrozen(WINDOW_PRESETS) && Object.isFrozen(WINDOW_PRESETS.lung));
});

Window('linear-exact (default): PS3.3 C.11.2.1.3.2, clip to [c − w/2, c + w/2] then scale', () => {
  // Brain window 40/80: 0 HU and below black, 80 HU and above white (Radiopaedia's worked example).
  const x = new Float32Array([-1000, 0, 0.5, 20, 40, 60, 79.5, 80, 80.5, 3000]);
  const y = applyWindow(x, 'brain');
  const expected = [0, 0, 0.5 / 80, 0.25, 0.5, 0.75, 79.5 / 80, 1, 1, 1];
  expected.forEach((e, i) => close(y[i], e, `x=${x[i]}`));
  // y = (x − c)/w + 0.5 for a non-preset window, checked at a few odd points.
  const z = applyWindow(new Float32Array([-1350.5, -1337, -600, 100]), { center: -600, width: 1500 });
  close(z[0], 0, 'below c − w/2 = −1350');
  close(z[1], (-1337 + 600) / 1500 + 0.5, 'just inside');
  close(z[2], 0.5, 'center');
  close(z[3], (100 + 600) / 1500 + 0.5, 'inside');
});

Window('linear: PS3.3 C.11.2.1.2.1 formula with (c − 0.5) and (w − 1)', () => {
  // c = 40, w = 400: x ≤ 40 − 0.5 − 199.5 = −160 → 0; x > 40 − 0.5 + 199.5 = 239 → 1;
  // otherwise ((x − 39.5) / 399 + 0.5).
  const x = new Float32Array([-160, -159, 39.5, 100, 238, 239, 239.5]);
  const y = applyWindow(x, { center: 40, width: 400 }, { fn: 'linear' });
  const expected = [0, (-159 - 39.5) / 399 + 0.5, 0.5, (100 - 39.5) / 399 + 0.5, (238 - 39.5) / 399 + 0.5, 1, 1];
  expected.forEach((e, i) => close(y[i], e, `x=${x[i]}`));
  // Width 1 is the standard's threshold case: x ≤ c − 0.5 → 0, x > c − 0.5 → 1.
  const t = applyWindow(new Float32Array([9.4, 9.5, 9.6]), { center: 10, width: 1 }, { fn: 'linear' });
  assert.equal(Array.from(t), [0, 0, 1]);
  // The two functions really differ (not an alias).
  const diff =
    applyWindow(new Float32Array([100]), { center: 40, width: 400 })[0] - applyWindow(new Float32Array([100]), { center: 40, width: 400 }, { fn: 'linear' })[0];
  assert.ok(Math.abs(diff) > 1e-4);
});

Window('NaN stays NaN; bad windows and names are config errors', () => {
  assert.ok(Number.isNaN(applyWindow(new Float32Array([NaN]), 'lung')[0]));
  for (const bad of [
    { center: 0, width: 0 },
    { center: 0, width: -5 },
    { center: NaN, width: 100 },
  ]) {
    try {
      applyWindow(new Float32Array(1), bad);
      assert.unreachable(`accepted ${JSON.stringify(bad)}`);
    } catch (error) {
      assert.instance(error, MedpipeError);
      assert.is((error as MedpipeError).code, 'INVALID_CONFIG');
    }
  }
  assert.throws(() => applyWindow(new Float32Array(1), { center: 0, width: 0.5 }, { fn: 'linear' }), /width ≥ 1|Invalid window/);
  assert.throws(() => resolveWindow('liver' as never), /Unknown window preset 'liver'/);
});

Window('stackWindows: channel k is window k, channels-last', () => {
  const data = new Float32Array([-1000, -600, 0, 40, 400, 1500]);
  const { data: stacked, shape } = stackWindows(data, [2, 3, 1], ['lung', 'mediastinum', 'bone']);
  assert.equal(shape, [2, 3, 3]);
  const lung = applyWindow(data, 'lung');
  const med = applyWindow(data, 'mediastinum');
  const bone = applyWindow(data, 'bone');
  for (let i = 0; i < data.length; i++) {
    assert.is(stacked[3 * i], lung[i]);
    assert.is(stacked[3 * i + 1], med[i]);
    assert.is(stacked[3 * i + 2], bone[i]);
  }
  assert.throws(() => stackWindows(new Float32Array(18), [2, 3, 3], ['lung']), /single-channel/);
  assert.throws(() => stackWindows(data, [2, 3, 1], []), /at least one window/);
});

Window('real CT (HU) through lung and bone windows: every pixel follows the formula', async () => {
  const [ct] = await readDicom(path.join(FIXTURES, 'dicom', 'CT_small.dcm'));
  const { data } = stackWindows(ct.data, [128, 128, 1], ['lung', 'bone']);
  const clip = (v: number): number => Math.min(1, Math.max(0, v));
  let clippedWhiteInLung = 0;
  for (let i = 0; i < ct.data.length; i++) {
    const hu = ct.data[i];
    close(data[2 * i], clip((hu + 600) / 1500 + 0.5), `pixel ${i} lung`);
    close(data[2 * i + 1], clip((hu - 400) / 1800 + 0.5), `pixel ${i} bone`);
    if (data[2 * i] === 1) clippedWhiteInLung++;
  }
  // Soft tissue (> 150 HU) is white in the lung window: the slice has some, but not all.
  assert.ok(clippedWhiteInLung > 0 && clippedWhiteInLung < ct.data.length);
});

Window.run();
