/**
 * A small, seeded "lesion / no lesion" image set that medpipe makes itself, so the demo runs on a
 * fresh clone without a download. Every image is grey textured "tissue" (smooth multi-scale noise,
 * faint rib-like bands, film grain, vignetting — roughly how a radiograph looks); images of the
 * positive class also carry one faint, soft-edged elliptical blob of random size, position,
 * orientation and contrast. Each image depends only on (seed, class, index), so the set is the same
 * on every machine.
 *
 * @example
 *   await ensureSyntheticSet('data/synthetic', { perClass: 200 });  // data/synthetic/{lesion,no_lesion}/*.png
 *   const { pixels, lesion } = renderSyntheticImage('lesion', 0);
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { MedpipeError } from '../base/errors.ts';
import { createRng, deriveSeed, type Rng } from '../base/rng.ts';

/** Bump when the drawing changes, so an old set on disk is regenerated. */
export const SYNTHETIC_VERSION = 3;
export const SYNTHETIC_CLASSES = ['no_lesion', 'lesion'] as const;
export type SyntheticClass = (typeof SYNTHETIC_CLASSES)[number];

export interface SyntheticSetOptions {
  /** Images per class. @default 300 */
  readonly perClass?: number;
  /** Width and height in pixels. @default 64 */
  readonly size?: number;
  /** Seed of the whole set. @default 7 */
  readonly seed?: number;
}

/** The blob drawn into a positive image: centre and radii in pixels, angle in radians, contrast in [0, 1] grey units. */
export interface Lesion {
  readonly cx: number;
  readonly cy: number;
  readonly rx: number;
  readonly ry: number;
  readonly angle: number;
  readonly contrast: number;
}

export interface SyntheticImage {
  /** 8-bit grey pixels, row-major, size × size. */
  readonly pixels: Uint8Array;
  readonly size: number;
  /** Only for the 'lesion' class. */
  readonly lesion?: Lesion;
}

export interface SyntheticManifest {
  readonly version: number;
  readonly options: Required<SyntheticSetOptions>;
  readonly files: readonly { readonly file: string; readonly label: SyntheticClass; readonly lesion?: Lesion }[];
}

const MANIFEST = 'manifest.json';

function resolved(options: SyntheticSetOptions): Required<SyntheticSetOptions> {
  const value = { perClass: options.perClass ?? 300, size: options.size ?? 64, seed: options.seed ?? 7 };
  if (!Number.isInteger(value.perClass) || value.perClass < 1) {
    throw new MedpipeError('INVALID_CONFIG', `Synthetic perClass must be a positive integer, got ${value.perClass}.`, { fix: 'Use e.g. perClass: 200.' });
  }
  if (!Number.isInteger(value.size) || value.size < 16) {
    throw new MedpipeError('INVALID_CONFIG', `Synthetic size must be an integer >= 16, got ${value.size}.`, { fix: 'Use e.g. size: 64.' });
  }
  if (!Number.isInteger(value.seed)) throw new MedpipeError('INVALID_CONFIG', `Synthetic seed must be an integer, got ${value.seed}.`, { fix: 'Use e.g. seed: 7.' });
  return value;
}

/**
 * Distance of pixel (x, y) from the lesion centre in units of its radii: < 1 inside the ellipse,
 * 1 on its edge.
 */
export function ellipseDistance(lesion: Lesion, x: number, y: number): number {
  const dx = x - lesion.cx;
  const dy = y - lesion.cy;
  const cos = Math.cos(lesion.angle);
  const sin = Math.sin(lesion.angle);
  const u = (dx * cos + dy * sin) / lesion.rx;
  const v = (-dx * sin + dy * cos) / lesion.ry;
  return Math.sqrt(u * u + v * v);
}

/** Value noise on a (cells+1)² lattice, smoothly interpolated: one octave of the tissue texture. */
function valueNoise(rng: Rng, cells: number, size: number): Float32Array {
  const lattice = Float32Array.from({ length: (cells + 1) * (cells + 1) }, () => rng.next() * 2 - 1);
  const out = new Float32Array(size * size);
  const fade = (t: number): number => t * t * (3 - 2 * t);
  for (let y = 0; y < size; y++) {
    const gy = ((y + 0.5) / size) * cells;
    const iy = Math.min(Math.floor(gy), cells - 1);
    const ty = fade(gy - iy);
    for (let x = 0; x < size; x++) {
      const gx = ((x + 0.5) / size) * cells;
      const ix = Math.min(Math.floor(gx), cells - 1);
      const tx = fade(gx - ix);
      const a = lattice[iy * (cells + 1) + ix]!;
      const b = lattice[iy * (cells + 1) + ix + 1]!;
      const c = lattice[(iy + 1) * (cells + 1) + ix]!;
      const d = lattice[(iy + 1) * (cells + 1) + ix + 1]!;
      out[y * size + x] = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }
  }
  return out;
}

/**
 * Draws image `index` of a class. The random draws do not depend on the class except for the
 * lesion, which is drawn last, so the texture statistics of both classes are the same.
 */
export function renderSyntheticImage(label: SyntheticClass, index: number, options: SyntheticSetOptions = {}): SyntheticImage {
  const { size, seed } = resolved(options);
  const rng = createRng(deriveSeed(seed, 'synthetic', label, index));
  // Exposure varies per image (more than a lesion moves the mean), so brightness alone gives nothing away.
  const base = rng.uniform(0.35, 0.55);
  const octaves = [
    { cells: 3, amplitude: 0.1 },
    { cells: 6, amplitude: 0.06 },
    { cells: 12, amplitude: 0.02 },
  ].map((o) => ({ noise: valueNoise(rng, o.cells, size), amplitude: o.amplitude }));
  const bandFrequency = rng.uniform(3, 6);
  const bandPhase = rng.uniform(0, 2 * Math.PI);
  const bandBend = rng.uniform(0.05, 0.2);
  const bandAmplitude = rng.uniform(0.01, 0.03);
  const vignette = rng.uniform(0.25, 0.45);
  const grain = 0.015;

  let lesion: Lesion | undefined;
  if (label === 'lesion') {
    // Inside the central half, radii 8–16% of the width, 10–20 grey levels in 100 brighter: faint
    // next to the texture's swings, yet learnable by the small demo model in a few epochs.
    lesion = {
      cx: rng.uniform(0.25, 0.75) * size,
      cy: rng.uniform(0.25, 0.75) * size,
      rx: rng.uniform(0.08, 0.16) * size,
      ry: rng.uniform(0.08, 0.16) * size,
      angle: rng.uniform(0, Math.PI),
      contrast: rng.uniform(0.1, 0.2),
    };
  }

  const pixels = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    const ny = (y + 0.5) / size;
    for (let x = 0; x < size; x++) {
      const nx = (x + 0.5) / size;
      const i = y * size + x;
      let v = base;
      for (const o of octaves) v += o.amplitude * o.noise[i]!;
      v += bandAmplitude * Math.sin(2 * Math.PI * (bandFrequency * ny + bandBend * Math.sin(Math.PI * nx)) + bandPhase);
      if (lesion) {
        // Soft edge (logistic in the elliptical distance): a blob, not a stamped disc.
        const d = ellipseDistance(lesion, x + 0.5, y + 0.5);
        v += lesion.contrast / (1 + Math.exp((d - 1) / 0.12));
      }
      const r2 = ((nx - 0.5) ** 2 + (ny - 0.5) ** 2) / 0.5;
      v *= 1 - vignette * r2;
      v += grain * rng.normal();
      pixels[i] = Math.max(0, Math.min(255, Math.round(v * 255)));
    }
  }
  return { pixels, size, lesion };
}

function fileName(label: SyntheticClass, index: number): string {
  return `${label}/${label}_${String(index).padStart(4, '0')}.png`;
}

/** The manifest of a complete set at `dir` made with these options, or undefined (missing, other options, files gone). */
export async function readSyntheticManifest(dir: string, options: SyntheticSetOptions = {}): Promise<SyntheticManifest | undefined> {
  const wanted = resolved(options);
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return undefined;
  let manifest: SyntheticManifest;
  try {
    manifest = JSON.parse(await readFile(path, 'utf8')) as SyntheticManifest;
  } catch {
    return undefined;
  }
  const same =
    manifest.version === SYNTHETIC_VERSION &&
    manifest.options?.perClass === wanted.perClass &&
    manifest.options.size === wanted.size &&
    manifest.options.seed === wanted.seed &&
    Array.isArray(manifest.files) &&
    manifest.files.length === 2 * wanted.perClass;
  if (!same || !manifest.files.every((f) => existsSync(join(dir, f.file)))) return undefined;
  return manifest;
}

/**
 * Writes the set to `dir/{no_lesion,lesion}/*.png` plus `dir/manifest.json` (written last, so a
 * set cut off half-way is never taken as complete). Does nothing when a complete set with the same
 * options is already there; otherwise replaces the two class folders.
 */
export async function ensureSyntheticSet(
  dir: string,
  options: SyntheticSetOptions = {},
): Promise<{ readonly generated: boolean; readonly manifest: SyntheticManifest }> {
  const opts = resolved(options);
  const existing = await readSyntheticManifest(dir, opts);
  if (existing) return { generated: false, manifest: existing };
  try {
    await rm(join(dir, MANIFEST), { force: true });
    const files: { file: string; label: SyntheticClass; lesion?: Lesion }[] = [];
    for (const label of SYNTHETIC_CLASSES) {
      await rm(join(dir, label), { recursive: true, force: true });
      await mkdir(join(dir, label), { recursive: true });
      for (let index = 0; index < opts.perClass; index++) {
        const image = renderSyntheticImage(label, index, opts);
        const file = fileName(label, index);
        await sharp(image.pixels, { raw: { width: image.size, height: image.size, channels: 1 } })
          .toColourspace('b-w') // one grey channel in the file; without it sharp writes RGB
          .png({ compressionLevel: 9 })
          .toFile(join(dir, file));
        files.push(image.lesion ? { file, label, lesion: image.lesion } : { file, label });
      }
    }
    const manifest: SyntheticManifest = { version: SYNTHETIC_VERSION, options: opts, files };
    await writeFile(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
    return { generated: true, manifest };
  } catch (error) {
    if (error instanceof MedpipeError) throw error;
    throw new MedpipeError('BAD_FILE', `Could not write the synthetic image set to ${dir}: ${String(error)}`, {
      file: dir,
      fix: 'Check that the folder is writable and the disk has space, then run again.',
      cause: error,
    });
  }
}
