import fg from 'fast-glob';
import { open, readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { MedpipeError } from '../base/errors.ts';
import { parseCsv } from '../io/csv.ts';
import { isDicom } from '../io/dicom.ts';
import type { CsvIngestConfig, FolderIngestConfig } from './ingest-config.ts';
import { SPLIT_FOLDERS, type SplitName } from './types.ts';
import { csvAttributes, sourceFolder } from './attributes.ts';

/** The input files of an ingest: a folder per class (optionally inside train/val/test), or a CSV. */
const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'tif', 'tiff', 'bmp', 'webp', 'gif', 'dcm', 'dicom', 'nii', 'nii.gz'];

/** One input file with what its place in the layout says about it. */
export interface InputFile {
  readonly rel: string;
  readonly abs: string;
  readonly className: string;
  readonly split?: SplitName;
  readonly group?: string;
  /** One slice / frame of a multi-slice file (a CSV `slice` column): per-slice labels. */
  readonly slice?: number;
  /** Subgroup metadata: extra CSV columns, or the source folder. */
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface Listing {
  readonly files: readonly InputFile[];
  readonly classes: readonly string[];
  /** CSV columns left out of the metadata because their names look identifying. */
  readonly droppedColumns?: readonly string[];
}

export function resolvePath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function extensionOf(file: string): string {
  const lower = file.toLowerCase();
  if (lower.endsWith('.nii.gz')) return 'nii.gz';
  return extname(lower).slice(1);
}

async function looksLikeDicom(path: string): Promise<boolean> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const head = new Uint8Array(132);
    const { bytesRead } = await handle.read(head, 0, 132, 0);
    return isDicom(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

function classOrder(found: Iterable<string>, given: readonly string[] | undefined): string[] {
  const names = [...new Set(found)].sort();
  if (!given) return names;
  return [...given];
}

export async function listFolder(config: FolderIngestConfig, baseDir: string): Promise<Listing> {
  const root = resolvePath(config.root, baseDir);
  const extensions = new Set((config.extensions ?? IMAGE_EXTENSIONS).map((e) => e.replace(/^\./, '').toLowerCase()));
  const entries = await fg('**/*', { cwd: root, onlyFiles: true, dot: false, followSymbolicLinks: true });
  entries.sort();
  // Extension-less files are read only when they are DICOM (many scanners write no extension);
  // anything else without an extension (README, LICENSE) is not an image and is left alone. Their
  // first 132 bytes are probed 32 at a time: a folder of 10^5 such files is not read one by one.
  const extensionless = entries.filter((rel) => extensionOf(rel) === '');
  const dicom = new Set<string>();
  for (let i = 0; i < extensionless.length; i += 32) {
    const batch = extensionless.slice(i, i + 32);
    const found = await Promise.all(batch.map((rel) => looksLikeDicom(join(root, rel))));
    batch.forEach((rel, k) => found[k] && dicom.add(rel));
  }
  const candidates = entries.filter((rel) => (extensionOf(rel) === '' ? dicom.has(rel) : extensions.has(extensionOf(rel))));
  const firstSegments = new Set(candidates.map((rel) => rel.split('/')[0]!.toLowerCase()));
  const splitLayout = firstSegments.size > 0 && [...firstSegments].every((s) => s in SPLIT_FOLDERS);
  const pattern = config.groupPattern ? new RegExp(config.groupPattern) : undefined;
  const files: InputFile[] = [];
  for (const rel of candidates) {
    const parts = rel.split('/');
    const classIndex = splitLayout ? 1 : 0;
    if (parts.length <= classIndex + 1) continue; // not inside a class folder
    const folder = parts[classIndex]!;
    const className = config.labelMap?.[folder] ?? folder;
    const group = pattern ? pattern.exec(rel)?.[1] : undefined;
    const source = sourceFolder(rel, classIndex);
    files.push({
      rel,
      abs: join(root, rel),
      className,
      split: splitLayout ? SPLIT_FOLDERS[parts[0]!.toLowerCase()] : undefined,
      group,
      ...(source !== undefined ? { attributes: { source } } : {}),
    });
  }
  return { files, classes: classOrder(files.map((f) => f.className), config.classes) };
}

export async function listCsv(config: CsvIngestConfig, baseDir: string): Promise<Listing> {
  const csvPath = resolvePath(config.csv, baseDir);
  const rows = parseCsv(await readFile(csvPath, 'utf8'), csvPath);
  const dir = dirname(csvPath);
  const dropped = new Set<string>();
  const files = rows.map((row, i): InputFile => {
    const path = row.path ?? row.file ?? row.filename;
    const label = row.label ?? row.class;
    if (!path || label === undefined || label === '') {
      throw new MedpipeError('INVALID_CONFIG', `${csvPath}, row ${i + 2}: needs a 'path' and a 'label' column.`, {
        file: csvPath,
        fix: 'Use a header line `path,label[,group][,split]`.',
      });
    }
    const split = row.split ? SPLIT_FOLDERS[row.split.toLowerCase()] : undefined;
    const slice = row.slice ? Number(row.slice) : undefined;
    if (slice !== undefined && !(Number.isInteger(slice) && slice >= 0)) {
      throw new MedpipeError('INVALID_CONFIG', `${csvPath}, row ${i + 2}: slice must be a 0-based slice index, got '${row.slice}'.`, {
        file: csvPath,
        fix: 'Leave slice empty to take every slice of the file, or give the index of one slice (0, 1, ...).',
      });
    }
    const { attributes, dropped: droppedHere } = csvAttributes(row);
    droppedHere.forEach((column) => dropped.add(column));
    return {
      rel: path,
      abs: resolvePath(path, dir),
      className: label,
      split,
      group: row.group || undefined,
      ...(slice !== undefined ? { slice } : {}),
      ...(attributes ? { attributes } : {}),
    };
  });
  return {
    files,
    classes: classOrder(
      files.map((f) => f.className),
      config.classes,
    ),
    ...(dropped.size > 0 ? { droppedColumns: [...dropped].sort() } : {}),
  };
}
