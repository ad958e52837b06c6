/**
 * Pairs images with their masks (and ROI masks) across sibling folders by a name template:
 * `{id}_training.tif` ↔ `{id}_manual1.gif`. An image without its mask is an error naming both the
 * image and the path that was expected, so a wrong template is found before anything is decoded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { MedpipeError } from '../base/errors.ts';
import { parseCsv } from '../io/csv.ts';
import type { SegmentationCsvSource, SegmentationSource } from './segmentation-config.ts';
import { SPLIT_FOLDERS } from './types.ts';
import type { SplitName } from './types.ts';

export interface SegmentationPair {
  /** Stable id: the source's image folder (as configured) and the file name. */
  readonly id: string;
  readonly image: string;
  readonly mask: string;
  readonly roi?: string;
  /** A second observer's mask. */
  readonly observer?: string;
  readonly split?: SplitName;
  /** Group key (e.g. patient): whole groups go to one split. */
  readonly group?: string;
}

const IMAGE_EXT = /\.(png|jpe?g|tiff?|gif|bmp|webp|nii|nii\.gz)$/i;

/** A file name without its extension ('case_001.nii.gz' → 'case_001'). */
const stemOf = (name: string): string => (/\.nii\.gz$/i.test(name) ? name.slice(0, -7) : name.slice(0, name.length - extname(name).length));

function templateRegex(template: string): RegExp {
  const [before, after] = template.split('{id}').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${before}(.+?)${after}$`);
}

/** Finds `{id}` in a folder: the exact name from the template, or (without one) any file with that stem. */
function partner(dir: string, names: readonly string[], id: string, template: string | undefined): string | undefined {
  if (template) {
    const name = template.replace('{id}', id);
    return names.includes(name) ? join(dir, name) : undefined;
  }
  const found = names.find((n) => stemOf(n) === id);
  return found === undefined ? undefined : join(dir, found);
}

function list(dir: string, what: string): string[] {
  try {
    return readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
  } catch (error) {
    throw new MedpipeError('DATA_NOT_FOUND', `The ${what} folder ${dir} cannot be read.`, { file: dir, fix: 'Check the path (relative paths resolve from the pipeline file).', cause: error });
  }
}

/** Rows of a pairs CSV: image, mask[, roi][, split][, group], paths relative to the CSV. */
function csvPairs(source: SegmentationCsvSource, baseDir: string): SegmentationPair[] {
  const file = isAbsolute(source.csv) ? source.csv : resolve(baseDir, source.csv);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MedpipeError('DATA_NOT_FOUND', `The pairs CSV ${file} cannot be read.`, { file, fix: 'Check the path (relative paths resolve from the pipeline file).', cause: error });
  }
  const rows = parseCsv(text, file);
  const dir = dirname(file);
  return rows.map((row, i) => {
    const where = `${file} row ${i + 2}`;
    if (!row.image || !row.mask) {
      throw new MedpipeError('INVALID_CONFIG', `${where}: needs an image and a mask (columns image, mask[, roi][, split][, group]).`, { file, fix: 'Fill both columns.' });
    }
    const split = row.split ? SPLIT_FOLDERS[row.split.toLowerCase()] : undefined;
    if (row.split && !split) throw new MedpipeError('INVALID_CONFIG', `${where}: split '${row.split}' is not train, val or test.`, { file, fix: 'Use train, val or test (or leave it empty).' });
    const image = resolve(dir, row.image);
    return {
      id: relative(dir, image),
      image,
      mask: resolve(dir, row.mask),
      ...(row.roi ? { roi: resolve(dir, row.roi) } : {}),
      ...(split ? { split } : {}),
      ...(row.group ? { group: row.group } : {}),
    };
  });
}

export function pairSegmentationFiles(sources: readonly (SegmentationSource | SegmentationCsvSource)[], baseDir: string): SegmentationPair[] {
  const pairs: SegmentationPair[] = [];
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  for (const source of sources) {
    if ('csv' in source) {
      pairs.push(...csvPairs(source, baseDir));
      continue;
    }
    const [imageDir, maskDir] = [at(source.images), at(source.masks)];
    const roiDir = source.roi ? at(source.roi) : undefined;
    const maskNames = list(maskDir, 'mask');
    const roiNames = roiDir ? list(roiDir, 'ROI') : [];
    const observerDir = source.observer ? at(source.observer.masks) : undefined;
    const observerNames = observerDir ? list(observerDir, 'second observer') : [];
    const pattern = source.match ? templateRegex(source.match.image) : undefined;
    for (const name of list(imageDir, 'image')) {
      if (!IMAGE_EXT.test(name)) continue;
      const id = pattern ? pattern.exec(name)?.[1] : stemOf(name);
      if (id === undefined) continue; // not an image of this template (e.g. a README)
      const mask = partner(maskDir, maskNames, id, source.match?.mask);
      if (!mask) {
        throw new MedpipeError('DATA_NOT_FOUND', `${join(imageDir, name)} has no mask: expected ${join(maskDir, source.match ? source.match.mask.replace('{id}', id) : `${id}.*`)}.`, {
          file: join(imageDir, name),
          fix: "Add the mask, or fix the source's match templates (e.g. { image: '{id}_training.tif', mask: '{id}_manual1.gif' }).",
        });
      }
      let roi: string | undefined;
      if (roiDir) {
        roi = partner(roiDir, roiNames, id, source.match?.roi);
        if (!roi) {
          throw new MedpipeError('DATA_NOT_FOUND', `${join(imageDir, name)} has no ROI mask in ${roiDir}${source.match?.roi ? ` (expected ${source.match.roi.replace('{id}', id)})` : ''}.`, {
            file: join(imageDir, name),
            fix: 'Add the ROI mask, fix match.roi, or leave roi out.',
          });
        }
      }
      const observer = observerDir ? partner(observerDir, observerNames, id, source.observer!.match) : undefined;
      if (observerDir && !observer) {
        throw new MedpipeError('DATA_NOT_FOUND', `${join(imageDir, name)} has no second observer's mask in ${observerDir}.`, {
          file: join(imageDir, name),
          fix: 'Add it, fix observer.match, or leave observer out.',
        });
      }
      pairs.push({
        id: `${source.images.replace(/\/+$/, '')}/${name}`,
        image: join(imageDir, name),
        mask,
        ...(roi ? { roi } : {}),
        ...(observer ? { observer } : {}),
        ...(source.split ? { split: source.split } : {}),
      });
    }
  }
  if (pairs.length === 0) {
    throw new MedpipeError('NO_SAMPLES', `No image/mask pairs found in ${sources.map((s) => ('csv' in s ? s.csv : s.images)).join(', ')}.`, { fix: 'Check the folders and match.image.' });
  }
  return pairs;
}
