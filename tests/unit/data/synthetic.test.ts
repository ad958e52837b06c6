import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ellipseDistance, ensureSyntheticSet, readSyntheticManifest, renderSyntheticImage, type Lesion } from '../../../src/data/synthetic.ts';
import { MedpipeError } from '../../../src/base/errors.ts';

interface Ctx {
  dir: string;
}
const Synthetic = suite<Ctx>('synthetic', { dir: '' });
Synthetic.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'medpipe-synthetic-'));
});
Synthetic.after.each((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

const OPTIONS = { perClass: 12, size: 48, seed: 3 };

/** The file's own size and channel count, and its grey pixels (sharp's raw output would otherwise be sRGB). */
async function decode(path: string): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const meta = await sharp(path).metadata();
  const { data, info } = await sharp(path).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  assert.is(info.channels, 1);
  return { data, width: meta.width!, height: meta.height!, channels: meta.channels! };
}

/** Mean of the pixels whose elliptical distance from the lesion lies in [lo, hi). */
function regionMean(pixels: Uint8Array | Buffer, size: number, lesion: Lesion, lo: number, hi: number): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = ellipseDistance(lesion, x + 0.5, y + 0.5);
      if (d >= lo && d < hi) {
        sum += pixels[y * size + x]!;
        n++;
      }
    }
  }
  assert.ok(n > 0, 'region holds pixels');
  return sum / n;
}

Synthetic('the same seed draws the same pixels; another seed or index draws others', () => {
  const a = renderSyntheticImage('lesion', 5, OPTIONS);
  const b = renderSyntheticImage('lesion', 5, OPTIONS);
  assert.equal(a.pixels, b.pixels);
  assert.equal(a.lesion, b.lesion);
  assert.not.equal(renderSyntheticImage('lesion', 5, { ...OPTIONS, seed: 4 }).pixels, a.pixels);
  assert.not.equal(renderSyntheticImage('lesion', 6, OPTIONS).pixels, a.pixels);
  assert.is(renderSyntheticImage('no_lesion', 5, OPTIONS).lesion, undefined);
});

Synthetic('writes a balanced set of readable grey PNGs and a manifest; two runs give identical files', async ({ dir }) => {
  const first = join(dir, 'a');
  const second = join(dir, 'b');
  const { generated, manifest } = await ensureSyntheticSet(first, OPTIONS);
  assert.ok(generated);
  await ensureSyntheticSet(second, OPTIONS);
  assert.is(manifest.files.length, 24);
  assert.is(manifest.files.filter((f) => f.label === 'lesion').length, 12);
  assert.is(manifest.files.filter((f) => f.label === 'no_lesion').length, 12);
  for (const f of manifest.files) {
    assert.ok(f.file.startsWith(`${f.label}/`), `${f.file} is in its class folder`);
    assert.is(Boolean(f.lesion), f.label === 'lesion', `${f.file}: lesion recorded for positives only`);
    const image = await decode(join(first, f.file));
    assert.equal([image.width, image.height, image.channels], [48, 48, 1], f.file);
    assert.equal(readFileSync(join(first, f.file)), readFileSync(join(second, f.file)), `${f.file} is byte-identical`);
  }
  // The PNG holds exactly the rendered pixels.
  const png = await decode(join(first, 'lesion/lesion_0003.png'));
  assert.equal(new Uint8Array(png.data), renderSyntheticImage('lesion', 3, OPTIONS).pixels);
});

Synthetic('the blob is there: brighter than its surroundings in lesion images, not in the same spot of no_lesion images', async ({ dir }) => {
  const { manifest } = await ensureSyntheticSet(dir, { ...OPTIONS, perClass: 40 });
  const positives = manifest.files.filter((f) => f.lesion);
  let lesionDiff = 0;
  let decoyDiff = 0;
  let brighter = 0;
  for (const [i, f] of positives.entries()) {
    const lesion = f.lesion!;
    const pos = await decode(join(dir, f.file));
    const neg = await decode(join(dir, `no_lesion/no_lesion_${String(i).padStart(4, '0')}.png`));
    const d = regionMean(pos.data, 48, lesion, 0, 0.6) - regionMean(pos.data, 48, lesion, 1.5, 2.5);
    lesionDiff += d;
    if (d > 0) brighter++;
    decoyDiff += regionMean(neg.data, 48, lesion, 0, 0.6) - regionMean(neg.data, 48, lesion, 1.5, 2.5);
  }
  lesionDiff /= positives.length;
  decoyDiff /= positives.length;
  const meanContrast = (positives.reduce((s, f) => s + f.lesion!.contrast, 0) / positives.length) * 255;
  // Faint (a few grey levels) but real: most of the drawn contrast survives texture and vignetting.
  assert.ok(lesionDiff > 0.5 * meanContrast, `blob minus ring ${lesionDiff.toFixed(2)} vs contrast ${meanContrast.toFixed(2)}`);
  assert.ok(meanContrast < 40, `faint: mean contrast ${meanContrast.toFixed(1)} grey levels`);
  assert.ok(brighter >= 0.85 * positives.length, `${brighter}/${positives.length} blobs brighter than their ring`);
  assert.ok(Math.abs(decoyDiff) < 0.3 * lesionDiff, `same region without a lesion: ${decoyDiff.toFixed(2)}`);
});

Synthetic('a complete set is kept; a missing file, other options or a torn manifest make it again', async ({ dir }) => {
  await ensureSyntheticSet(dir, OPTIONS);
  const file = join(dir, 'lesion/lesion_0000.png');
  const mtime = statSync(file).mtimeMs;
  assert.is((await ensureSyntheticSet(dir, OPTIONS)).generated, false);
  assert.is(statSync(file).mtimeMs, mtime, 'not rewritten');

  unlinkSync(join(dir, 'no_lesion/no_lesion_0007.png'));
  assert.is(await readSyntheticManifest(dir, OPTIONS), undefined);
  assert.ok((await ensureSyntheticSet(dir, OPTIONS)).generated);
  assert.ok(statSync(join(dir, 'no_lesion/no_lesion_0007.png')).size > 0);

  writeFileSync(join(dir, 'manifest.json'), '{"version":');
  assert.ok((await ensureSyntheticSet(dir, OPTIONS)).generated);

  const other = await ensureSyntheticSet(dir, { ...OPTIONS, perClass: 5 });
  assert.ok(other.generated);
  assert.is(other.manifest.files.length, 10);
  assert.throws(() => statSync(join(dir, 'lesion/lesion_0011.png')), 'old files removed');
});

Synthetic('bad options are a clear error', () => {
  for (const bad of [{ perClass: 0 }, { size: 8 }, { seed: 1.5 }]) {
    try {
      renderSyntheticImage('lesion', 0, bad);
      assert.unreachable(`accepted ${JSON.stringify(bad)}`);
    } catch (error) {
      assert.instance(error, MedpipeError);
      assert.is((error as MedpipeError).code, 'INVALID_CONFIG');
      assert.ok((error as MedpipeError).fix);
    }
  }
});

Synthetic.run();
