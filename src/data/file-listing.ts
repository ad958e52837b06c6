import { open, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { MedpipeError } from '../base/errors.ts';
import { parseCsvTable } from '../io/csv.ts';
import { isDicom } from '../io/dicom.ts';
import type { CsvIngestConfig, FolderIngestConfig } from './ingest-config.ts';
import { orderClasses } from './task.ts';
import { SPLIT_FOLDERS, type SplitName } from './types.ts';
import { CSV_COLUMNS, csvAttributes, sourceFolder } from './attributes.ts';
import { sortedFilesUnder } from './files-under.ts';

/** The input files of an ingest: a folder per class (optionally inside train/val/test), or a CSV. */
const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'tif', 'tiff', 'bmp', 'webp', 'gif', 'dcm', 'dicom', 'nii', 'nii.gz'];

/** One input file with what its place in the layout says about it. */
export interface InputFile {
  readonly rel: string;
  readonly abs: string;
  readonly className: string;
  /** Multi-label listings: the findings of this file (className is then their `|` list). */
  readonly findings?: readonly string[];
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
  /** Each file has a set of findings (possibly empty) rather than one class. */
  readonly multiLabel?: boolean;
  /** CSV columns left out of the metadata because their names look identifying. */
  readonly droppedColumns?: readonly string[];
  /** Every file is listed once, whole (a folder listing: no file twice, no slices). */
  readonly distinct?: boolean;
  /** A folder listing's stats, taken while listing: 4 per file in `files`' order (listing-digest.ts's statAll numbers). */
  readonly stats?: BigInt64Array;
  /**
   * A folder listing's folder, ending in '/': every file's `abs` is it followed by its `rel`. Paths
   * are then compared by `rel` alone: `abs` is a concatenation V8 keeps as two pieces, and the
   * first look at its characters (startsWith, a regex) copied it whole, 10^5 times.
   */
  readonly under?: string;
}

export function resolvePath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** The file's extension, lower case, without the dot ('nii.gz' for NIfTI); '' for none (path.extname's rules). */
function extensionOf(file: string): string {
  const dot = file.lastIndexOf('.');
  // A dot that starts the name ('.hidden') is no extension; only the extension is lower-cased (10^5 paths).
  if (dot <= file.lastIndexOf('/') + 1) return '';
  const ext = file.slice(dot + 1).toLowerCase();
  return ext === 'gz' && file.toLowerCase().endsWith('.nii.gz') ? 'nii.gz' : ext;
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

/** The given class order, else the names found, sorted (numbered grades by their number). */
function classOrder(found: Iterable<string>, given: readonly string[] | undefined): string[] {
  if (given) return [...given];
  return orderClasses([...new Set(found)].sort());
}


export async function listFolder(config: FolderIngestConfig, baseDir: string): Promise<Listing> {
  const root = resolvePath(config.root, baseDir);
  const extensions = new Set((config.extensions ?? IMAGE_EXTENSIONS).map((e) => e.replace(/^\./, '').toLowerCase()));
  const { rels: entries, stats: entryStats } = await sortedFilesUnder(root);
  // Extension-less files are read only when they are DICOM (many scanners write no extension);
  // anything else without an extension (README, LICENSE) is not an image and is left alone. Their
  // first 132 bytes are probed 32 at a time: a folder of 10^5 such files is not read one by one.
  const extensionOfEntry = entries.map(extensionOf); // once a file: 10^5 lower-casings otherwise twice
  const extensionless = entries.filter((_, i) => extensionOfEntry[i] === '');
  const dicom = new Set<string>();
  for (let i = 0; i < extensionless.length; i += 32) {
    const batch = extensionless.slice(i, i + 32);
    const found = await Promise.all(batch.map((rel) => looksLikeDicom(join(root, rel))));
    batch.forEach((rel, k) => found[k] && dicom.add(rel));
  }
  // The entries that are images (by extension, or DICOM by content), by index: stats are kept by it.
  const candidates: number[] = [];
  const firstFolders = new Set<string>();
  for (let i = 0; i < entries.length; i++) {
    const rel = entries[i]!;
    if (!(extensionOfEntry[i] === '' ? dicom.has(rel) : extensions.has(extensionOfEntry[i]!))) continue;
    candidates.push(i);
    const slash = rel.indexOf('/');
    firstFolders.add(slash < 0 ? rel : rel.slice(0, slash));
  }
  const firstSegments = new Set([...firstFolders].map((s) => s.toLowerCase()));
  const splitLayout = firstSegments.size > 0 && [...firstSegments].every((s) => s in SPLIT_FOLDERS);
  const pattern = config.groupPattern ? new RegExp(config.groupPattern) : undefined;
  const classIndex = splitLayout ? 1 : 0;
  // Paths from the walk are normal (no '.', '..' or doubled '/'): a join is a concatenation.
  const under = root.endsWith('/') ? root : `${root}/`;
  const files: InputFile[] = [];
  // The listing's stats, for the files kept (statAll's numbers, taken by the listing itself).
  const stats = entryStats && new BigInt64Array(candidates.length * 4);
  // What a file's folder says (class, split, source folder), worked out once a folder: the paths are
  // sorted, so a folder's files are consecutive (10^5 files, a few hundred folders). One attributes
  // object per source folder, shared by its files.
  let folderOf = '\0';
  let here: { readonly className: string; readonly split?: SplitName; readonly attributes?: { readonly source: string } } | undefined;
  for (const i of candidates) {
    const rel = entries[i]!;
    const slash = rel.lastIndexOf('/');
    if (slash < 0) continue; // not inside a class folder
    if (slash !== folderOf.length || !rel.startsWith(folderOf)) {
      folderOf = rel.slice(0, slash);
      const parts = folderOf.split('/');
      const folder = parts[classIndex];
      const source = sourceFolder(rel, classIndex);
      here =
        folder === undefined
          ? undefined
          : {
              className: config.labelMap?.[folder] ?? folder,
              split: splitLayout ? SPLIT_FOLDERS[parts[0]!.toLowerCase()] : undefined,
              ...(source !== undefined ? { attributes: Object.freeze({ source }) } : {}),
            };
    }
    if (!here) continue;
    if (stats) for (let k = 0; k < 4; k++) stats[files.length * 4 + k] = entryStats![i * 4 + k]!;
    const file: { -readonly [K in keyof InputFile]: InputFile[K] } = {
      rel,
      abs: under + rel,
      className: here.className,
      split: here.split,
      group: pattern ? pattern.exec(rel)?.[1] : undefined,
    };
    if (here.attributes) file.attributes = here.attributes; // set, not spread: no object per file
    files.push(file);
  }
  return {
    files,
    classes: classOrder(files.map((f) => f.className), config.classes),
    distinct: true,
    under,
    ...(stats ? { stats: stats.subarray(0, files.length * 4) } : {}),
  };
}

export async function listCsv(config: CsvIngestConfig, baseDir: string): Promise<Listing> {
  const csvPath = resolvePath(config.csv, baseDir);
  const { header, rows } = parseCsvTable(await readFile(csvPath, 'utf8'), csvPath);
  const dir = dirname(csvPath);
  const findingColumns = config.findings ?? (header.some((h) => ['label', 'class'].includes(h.toLowerCase())) ? undefined : binaryColumns(header, rows));
  if (findingColumns) {
    const missing = findingColumns.filter((f) => !header.some((h) => h.toLowerCase() === f.toLowerCase()));
    if (missing.length > 0) {
      throw new MedpipeError('INVALID_CONFIG', `${csvPath}: no column ${missing.map((m) => `'${m}'`).join(', ')} for the findings.`, {
        file: csvPath,
        fix: `Name the 0/1 finding columns of the header (${header.join(', ')}).`,
      });
    }
  }
  const multiLabel = findingColumns !== undefined || config.task === 'multilabel' || rows.some((row) => (row.label ?? row.class ?? '').includes('|'));
  // Finding columns are labels, not subgroup attributes.
  const labelColumns = new Set((findingColumns ?? []).map((f) => f.toLowerCase()));
  const dropped = new Set<string>();
  const files = rows.map((row, i): InputFile => {
    const path = row.path ?? row.file ?? row.filename;
    const label = row.label ?? row.class;
    const where = `${csvPath}, row ${i + 2}`;
    if (!path || (!findingColumns && (label === undefined || (label === '' && !multiLabel)))) {
      throw new MedpipeError('INVALID_CONFIG', `${where}: needs a 'path' and a 'label' column.`, {
        file: csvPath,
        fix: 'Use a header line `path,label[,group][,split]` (multi-label: findings separated by | in label, or one 0/1 column per finding).',
      });
    }
    const split = row.split ? SPLIT_FOLDERS[row.split.toLowerCase()] : undefined;
    const slice = row.slice ? Number(row.slice) : undefined;
    if (slice !== undefined && !(Number.isInteger(slice) && slice >= 0)) {
      throw new MedpipeError('INVALID_CONFIG', `${where}: slice must be a 0-based slice index, got '${row.slice}'.`, {
        file: csvPath,
        fix: 'Leave slice empty to take every slice of the file, or give the index of one slice (0, 1, ...).',
      });
    }
    const findings = findingColumns
      ? findingsOf(row, findingColumns, where)
      : multiLabel
        ? label!
            .split('|')
            .map((f) => f.trim())
            .filter((f) => f !== '')
        : undefined;
    const { attributes, dropped: droppedHere } = csvAttributes(Object.fromEntries(Object.entries(row).filter(([column]) => !labelColumns.has(column))));
    droppedHere.forEach((column) => dropped.add(column));
    return {
      rel: path,
      abs: resolvePath(path, dir),
      className: findings ? findings.join('|') : label!,
      ...(findings ? { findings } : {}),
      split,
      group: row.group || undefined,
      ...(slice !== undefined ? { slice } : {}),
      ...(attributes ? { attributes } : {}),
    };
  });
  const found = multiLabel ? (findingColumns ?? files.flatMap((f) => f.findings ?? [])) : files.map((f) => f.className);
  // Finding columns keep their order in the header (or in `findings`); other names are sorted.
  const classes = config.classes ? [...config.classes] : findingColumns ? [...findingColumns] : classOrder(found, undefined);
  return { files, classes, ...(multiLabel ? { multiLabel } : {}), ...(dropped.size > 0 ? { droppedColumns: [...dropped].sort() } : {}) };
}

/** Columns (besides path, label, group, split, slice) whose every value is 0 or 1: one finding each. */
function binaryColumns(header: readonly string[], rows: readonly Record<string, string>[]): string[] | undefined {
  const columns = header.filter(
    (h) => !CSV_COLUMNS.has(h.toLowerCase()) && rows.length > 0 && rows.every((row) => row[h.toLowerCase()] === '0' || row[h.toLowerCase()] === '1'),
  );
  return columns.length > 0 ? columns : undefined;
}

function findingsOf(row: Record<string, string>, columns: readonly string[], where: string): string[] {
  return columns.filter((column) => {
    const value = row[column.toLowerCase()];
    if (value !== '0' && value !== '1') {
      throw new MedpipeError('INVALID_CONFIG', `${where}: finding '${column}' is '${value ?? ''}', not 0 or 1.`, {
        fix: 'Write 1 where the finding is present and 0 where it is not.',
      });
    }
    return value === '1';
  });
}
