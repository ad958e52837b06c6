/**
 * Makes the data bench's large synthetic set: `count` 224x224 grey PNGs (half 'lesion', half
 * 'no_lesion'), drawn by medpipe's own synthetic renderer (smooth multi-scale tissue, rib bands,
 * vignetting and film grain, so PNG compresses them about as well as real radiographs: ~30 KB a
 * file, ~1.6:1) and encoded by libpng through sharp with its default adaptive filters.
 * Cached outside the repository; `manifest.json` is written last, so a set cut off half-way is
 * regenerated (only the missing files).
 *   npx tsx bench/data/generate.ts <dir> <count> [--part i/n]
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { renderSyntheticImage, SYNTHETIC_CLASSES } from '../../src/data/synthetic.ts';

export const GENERATOR_VERSION = 1;
export const SIZE = 224;

/** Relative path of image `i` of the set: classes alternate, 1000 files per sub-folder. */
export function generatedFile(i: number): { rel: string; label: (typeof SYNTHETIC_CLASSES)[number]; index: number } {
  const label = SYNTHETIC_CLASSES[i % 2]!;
  const index = Math.floor(i / 2);
  return { rel: `${label}/${String(Math.floor(index / 1000)).padStart(3, '0')}/${label}_${String(index).padStart(6, '0')}.png`, label, index };
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { part: { type: 'string', default: '0/1' } } });
  const [dir, countText] = positionals;
  const count = Number(countText);
  const [part, parts] = values.part!.split('/').map(Number) as [number, number];
  sharp.concurrency(1);
  for (let i = part; i < count; i += parts) {
    const { rel, label, index } = generatedFile(i);
    const path = join(dir!, rel);
    if (existsSync(path)) continue;
    const image = renderSyntheticImage(label, index, { size: SIZE, seed: 11 });
    await mkdir(join(path, '..'), { recursive: true });
    const png = await sharp(image.pixels, { raw: { width: SIZE, height: SIZE, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    await writeFile(path, png);
  }
  if (parts === 1) await writeFile(join(dir!, 'manifest.json'), JSON.stringify({ version: GENERATOR_VERSION, count, size: SIZE }));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
