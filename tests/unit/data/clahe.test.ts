/** CLAHE equals OpenCV's (cv2.createCLAHE(...).apply) on the fixture tests/reference/clahe_fixture.py wrote. */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clahe } from '../../../src/data/clahe.ts';
import { enhance } from '../../../src/data/enhance.ts';

const S = suite('clahe');

interface Case {
  height: number;
  width: number;
  clipLimit: number;
  tiles: [number, number];
  input: number[];
  opencv: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/clahe/cases.json', import.meta.url), 'utf8')) as { cases: Case[] };

S('equals OpenCV within one grey level on every pixel, and exactly on nearly all', () => {
  assert.ok(fixture.cases.length >= 5);
  for (const c of fixture.cases) {
    const out = clahe(Uint8Array.from(c.input), c.height, c.width, { clipLimit: c.clipLimit, tiles: c.tiles });
    let worst = 0;
    let differ = 0;
    for (let i = 0; i < out.length; i++) {
      const d = Math.abs(out[i]! - c.opencv[i]!);
      worst = Math.max(worst, d);
      if (d > 0) differ++;
    }
    const where = `${c.width}x${c.height}, clip ${c.clipLimit}, tiles ${c.tiles.join('x')}`;
    assert.ok(worst <= 1, `${where}: max difference ${worst}`);
    assert.ok(differ <= out.length * 0.001, `${where}: ${differ} of ${out.length} pixels differ`);
  }
});

S('changes the image (the fixture is not its own equalization) and a flat image stays flat', () => {
  const c = fixture.cases[0]!;
  const out = clahe(Uint8Array.from(c.input), c.height, c.width, { clipLimit: c.clipLimit, tiles: c.tiles });
  assert.ok(out.some((v, i) => v !== c.input[i]));
  const flat = clahe(new Uint8Array(32 * 32).fill(100), 32, 32, { clipLimit: 2, tiles: [4, 4] });
  assert.ok(flat.every((v) => v === flat[0]));
});

S('too many tiles is a clear error', () => {
  assert.throws(() => clahe(new Uint8Array(16), 4, 4, { tiles: [8, 8] }), /tiles 8x8 do not fit a 4x4 image/);
});

S('enhance: maps the source range to 8-bit levels, applies CLAHE per channel, then gamma (skimage convention)', () => {
  // A 16-bit two-channel image whose range is [0, 1020]: 4 source units per grey level.
  const h = 16;
  const w = 16;
  const raw = Float32Array.from({ length: h * w * 2 }, (_, i) => (i % 2 === 0 ? 256 : 4 * ((i >> 1) % 256)));
  const plain = enhance(raw, h, w, 2, [0, 1020], { gamma: 0.5 });
  assert.equal(plain.range, [0, 255]);
  assert.ok(Math.abs(plain.pixels[0]! - 255 * (64 / 255) ** 0.5) < 1e-3, 'level 64 under gamma 0.5');
  assert.ok(Math.abs(plain.pixels[3]! - 255 * (1 / 255) ** 0.5) < 1e-3, 'second channel, level 1');
  const eq = enhance(raw, h, w, 2, [0, 1020], { clahe: { clipLimit: 2, tiles: [2, 2] } });
  const second = Uint8Array.from({ length: h * w }, (_, p) => (p % 256) & 255);
  const expected = clahe(second, h, w, { clipLimit: 2, tiles: [2, 2] });
  for (let p = 0; p < h * w; p++) assert.is(eq.pixels[p * 2 + 1], expected[p]);
});

S.run();
