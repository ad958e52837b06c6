// Decoding matches PIL: PNG (grey, RGB, RGBA, palette) and JPEG through the codec addon — and the
// JavaScript resize used after sharp — give PIL's `convert(mode).resize(size, BILINEAR)` bytes,
// at the same size, shrunk and enlarged. The one documented difference: a colour JPEG asked for one
// channel is decoded to its own luma, within one grey level of PIL's RGB → L.
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBytes } from '../../../src/io/decode-bytes.ts';
import { nativeCodec } from '../../../src/io/native-codec.ts';
import { convertIntegerChannels, resampleBilinear } from '../../../src/io/resample.ts';
import { PYTHON } from '../../reference/dicom-nifti-check.ts';
import { encodePng, prng, removeDir, tempDir } from '../../helpers/core.ts';
import { requirement, requires, toolkit } from '../../helpers/requires.ts';

const Decode = suite<{ dir: string; files: Record<string, string> }>("decode: PNG and JPEG pixels equal PIL's, resized as PIL's BILINEAR");

Decode.before(async (ctx) => {
  ctx.dir = await tempDir('decode-pil');
  const sharp = (await import('sharp')).default;
  const rand = prng(5);
  // Smooth content with noise, so resizing has something to average.
  const pixels = (w: number, h: number, c: number) =>
    Array.from({ length: w * h * c }, (_, i) =>
      Math.max(0, Math.min(255, Math.round(((i / c) % w) * 3 + Math.floor(i / c / w) * 2 + (rand() - 0.5) * 40 + (i % c) * 30))),
    );
  const files: Record<string, string> = {};
  const put = async (name: string, bytes: Buffer) => {
    files[name] = path.join(ctx.dir, name);
    await writeFile(files[name]!, bytes);
  };
  await put('grey.png', await encodePng(37, 23, 1, 8, pixels(37, 23, 1)));
  await put('rgb.png', await encodePng(30, 20, 3, 8, pixels(30, 20, 3)));
  await put('rgba.png', await encodePng(30, 20, 4, 8, pixels(30, 20, 4)));
  await put(
    'palette.png',
    await sharp(Buffer.from(pixels(30, 20, 3)), { raw: { width: 30, height: 20, channels: 3 } })
      .png({ palette: true, colours: 16 })
      .toBuffer(),
  );
  await put(
    'grey.jpg',
    await sharp(Buffer.from(pixels(40, 32, 1)), { raw: { width: 40, height: 32, channels: 1 } })
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
  await put(
    'colour.jpg',
    await sharp(Buffer.from(pixels(40, 32, 3)), { raw: { width: 40, height: 32, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
  // Last, so the fixtures above keep their pixels. Every row filter (none, sub, up, average,
  // Paeth), the data cut in three IDATs, a pHYs chunk: what encoders write, and what the addon's
  // one-pass decoder (png_plain.cc) unfilters itself.
  const filtered = { filter: (y: number) => y % 5, idatChunks: 3, phys: true };
  await put('filtered-grey.png', await encodePng(37, 23, 1, 8, pixels(37, 23, 1), filtered));
  await put('filtered-rgb.png', await encodePng(30, 20, 3, 8, pixels(30, 20, 3), filtered));
  ctx.files = files;
});
Decode.after(async (ctx) => removeDir(ctx.dir));

function pil(cases: [string, 'L' | 'RGB', number, number][]): { size: [number, number]; bytes: Buffer }[] {
  const run = spawnSync(
    PYTHON,
    [path.join(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../../reference/pil_decode.py'), JSON.stringify(cases)],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (run.status !== 0) throw new Error(run.stderr);
  return (JSON.parse(run.stdout) as { size: [number, number]; bytes: string }[]).map((r) => ({ size: r.size, bytes: Buffer.from(r.bytes, 'base64') }));
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

const it = requires(
  Decode,
  toolkit(['PIL'], 'python3-pil'),
  requirement(
    nativeCodec() !== undefined,
    'the codec addon is not built (apt-get install libspng-dev libjpeg62-turbo-dev libdeflate-dev, then node native/codec/build.mjs)',
  ),
);

it('through the codec addon: the same bytes as PIL for every PNG, size and channel count', async ({ files }) => {
  const sizes: [number, number][] = [
    [0, 0],
    [9, 14],
    [47, 61],
  ];
  const cases: [string, 'L' | 'RGB', number, number][] = [];
  for (const name of ['grey.png', 'rgb.png', 'filtered-grey.png', 'filtered-rgb.png', 'rgba.png', 'palette.png', 'grey.jpg', 'colour.jpg']) {
    for (const mode of ['L', 'RGB'] as const) for (const [h, w] of sizes) cases.push([files[name]!, mode, w, h]);
  }
  const expected = pil(cases);
  for (let i = 0; i < cases.length; i++) {
    const [file, mode, w, h] = cases[i]!;
    const [frame] = await decodeBytes(await readFile(file), file, { channels: mode === 'L' ? 1 : 3, ...(w ? { size: [h, w] as const } : {}) });
    const what = `${path.basename(file)} ${mode} ${w}x${h}`;
    assert.equal([frame!.shape[1], frame!.shape[0]], expected[i]!.size, `${what}: size`);
    assert.ok(frame!.data instanceof Uint8Array, `${what}: stored as uint8`);
    if (file.endsWith('colour.jpg') && mode === 'L') {
      // The JPEG's own luma channel, not a conversion of its decoded RGB.
      assert.ok(maxDiff(frame!.data, expected[i]!.bytes) <= 1, `${what}: within one level of PIL`);
    } else {
      assert.equal(Array.from(frame!.data), Array.from(expected[i]!.bytes), `${what}: PIL's bytes`);
    }
  }
});

it("the JavaScript resize and grey conversion (used after sharp) give PIL's bytes too", async ({ files }) => {
  for (const name of ['rgb.png', 'grey.png']) {
    const [full] = pil([[files[name]!, 'RGB', 0, 0]]);
    const [w, h] = full!.size;
    const rgb = new Uint8Array(full!.bytes);
    const cases: [string, 'L' | 'RGB', number, number][] = [
      [files[name]!, 'L', 0, 0],
      [files[name]!, 'L', 11, 7],
      [files[name]!, 'RGB', 53, 41],
      [files[name]!, 'RGB', 7, 5],
    ];
    const expected = pil(cases);
    cases.forEach(([, mode, ow, oh], i) => {
      let { data, shape } = convertIntegerChannels(rgb, [h, w, 3], mode === 'L' ? 1 : 3);
      if (ow) data = resampleBilinear(data, shape, oh, ow);
      assert.equal(Array.from(data), Array.from(expected[i]!.bytes), `${name} → ${mode} ${ow}x${oh}`);
    });
  }
});

Decode.run();
