/**
 * A small synthetic chest-CT data set written as real DICOM at test time: several patients with
 * several axial slices each, one class folder per label (`clear` / `nodule`), signed 16-bit pixels
 * with two scanner conventions for Rescale Slope/Intercept, and patient names and IDs chosen by the
 * caller (so tests can check they never leak). File names carry only an ordinal (`p03_s1.dcm`),
 * never a name or ID.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { greyImage, SOP_CLASS } from './dicom-writer.ts';
import { prng as mulberry32 } from './prng.ts';

export interface CtPatient {
  readonly index: number;
  readonly name: string;
  readonly id: string;
  readonly className: 'clear' | 'nodule';
  /** Paths relative to the data root. */
  readonly files: readonly string[];
}

export interface CtDataset {
  readonly root: string;
  readonly patients: readonly CtPatient[];
  /** Relative path → the patient it belongs to (ground truth for the split checks). */
  readonly patientOf: ReadonlyMap<string, CtPatient>;
  /** Relative path → the slice's values in HU (row-major, size × size). */
  readonly hu: ReadonlyMap<string, Int16Array>;
}

export interface CtDatasetOptions {
  /** @default 8 (half of them with a nodule) */
  readonly patients?: number;
  /** @default 4 */
  readonly slices?: number;
  /** Stored image size (square). @default 48 */
  readonly size?: number;
  /** Patient identity of patient k. @default `Doe^Jane-SECRET-<k>` and `PID-SECRET-<100 + k>` */
  readonly identity?: (k: number) => { readonly name: string; readonly id: string };
  /** @default 1 */
  readonly seed?: number;
}


/** Approximately normal noise (sum of uniforms), integer HU. */
function noise(rand: () => number, sigma: number): number {
  return Math.round((rand() + rand() + rand() + rand() - 2) * sigma * 1.73);
}

/** One axial slice in HU: air, body, two lungs, a vertebra, and optionally a nodule in the right lung. */
export function phantomSlice(size: number, rand: () => number, shape: { body: number; lung: number; nodule?: { x: number; y: number; r: number } }): Int16Array {
  const hu = new Int16Array(size * size);
  const c = (size - 1) / 2;
  const inEllipse = (x: number, y: number, cx: number, cy: number, rx: number, ry: number) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let value = -1000 + noise(rand, 8);
      if (inEllipse(x, y, c, c, size * 0.45 * shape.body, size * 0.36 * shape.body)) value = 40 + noise(rand, 12);
      const lungRx = size * 0.15 * shape.lung;
      const lungRy = size * 0.22 * shape.lung;
      if (inEllipse(x, y, c - size * 0.2, c - size * 0.03, lungRx, lungRy) || inEllipse(x, y, c + size * 0.2, c - size * 0.03, lungRx, lungRy)) {
        value = -850 + noise(rand, 25);
      }
      if (inEllipse(x, y, c, c + size * 0.25, size * 0.07, size * 0.06)) value = 700 + noise(rand, 40);
      if (shape.nodule && inEllipse(x, y, shape.nodule.x, shape.nodule.y, shape.nodule.r, shape.nodule.r)) value = 30 + noise(rand, 10);
      hu[y * size + x] = value;
    }
  }
  return hu;
}

/**
 * Writes the data set under `root` (`<class>/p<k>_s<j>.dcm`). Even patients use scanner A
 * (stored = HU, slope 1, intercept 0: negative stored values), odd ones scanner B (slope 0.5,
 * intercept −24), so only a reader that honours both PixelRepresentation and the rescale gets
 * the same HU for both.
 * @example
 *   const data = await makeCtDataset(path.join(dir, 'data'), { patients: 8, slices: 4 });
 */
export async function makeCtDataset(root: string, options: CtDatasetOptions = {}): Promise<CtDataset> {
  const count = options.patients ?? 8;
  const slices = options.slices ?? 4;
  const size = options.size ?? 48;
  const identity = options.identity ?? ((k: number) => ({ name: `Doe^Jane-SECRET-${k}`, id: `PID-SECRET-${100 + k}` }));
  const rand = mulberry32(options.seed ?? 1);
  const patients: CtPatient[] = [];
  const patientOf = new Map<string, CtPatient>();
  const hu = new Map<string, Int16Array>();
  for (let k = 0; k < count; k++) {
    const className = k % 2 === 0 ? 'clear' : 'nodule';
    await mkdir(path.join(root, className), { recursive: true });
    const { name, id } = identity(k);
    const scannerB = k % 2 === 1 ? k % 4 === 1 : k % 4 === 2; // both scanners in both classes
    const body = 0.9 + 0.1 * rand();
    const files: string[] = [];
    for (let j = 0; j < slices; j++) {
      const lung = 0.85 + 0.05 * j + 0.05 * rand();
      const nodule = className === 'nodule' ? { x: size * (0.68 + 0.05 * rand()), y: size * (0.42 + 0.1 * rand()), r: size * 0.07 } : undefined;
      const values = phantomSlice(size, rand, { body, lung, nodule });
      const slope = scannerB ? 0.5 : 1;
      const intercept = scannerB ? -24 : 0;
      const stored = Array.from(values, (v) => (v - intercept) / slope);
      const rel = `${className}/p${String(k).padStart(2, '0')}_s${j}.dcm`;
      await writeFile(
        path.join(root, rel),
        greyImage({
          sopClass: SOP_CLASS.ct,
          modality: 'CT',
          patientName: name,
          patientId: id,
          ids: { study: 1000 + k, series: 1, instance: j + 1 },
          rows: size,
          cols: size,
          stored,
          signed: true,
          slope,
          intercept,
          window: { center: 40, width: 400 },
        }),
      );
      files.push(rel);
      hu.set(rel, values);
    }
    const patient: CtPatient = { index: k, name, id, className, files };
    patients.push(patient);
    for (const file of files) patientOf.set(file, patient);
  }
  return { root, patients, patientOf, hu };
}
