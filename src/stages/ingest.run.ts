import fg from 'fast-glob';
import { existsSync, statSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { isDicom } from '../io/dicom.ts';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { decodeImageSet, encodeImageSet, sampleSize, type ImageSet } from '../data/image-set.ts';
import { SPLIT_FOLDERS, type ImageShape, type SampleMeta, type SkippedFile, type SplitName } from '../data/types.ts';
import { DECODER_VERSION, decodeFile } from '../io/read-image.ts';
import { canonicalJson, sha256 } from '../runtime/canonical.ts';
import { MedpipeError, throwIfAborted } from '../runtime/errors.ts';
import type { Fingerprint, StageContext, StageImpl } from '../runtime/stage-impl.ts';
import type { CsvIngestConfig, FolderIngestConfig } from './ingest.ts';
import { parseCsv } from './csv.ts';
import { csvAttributes, sourceFolder } from '../data/attributes.ts';

const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'tif', 'tiff', 'bmp', 'webp', 'gif', 'dcm', 'dicom', 'nii', 'nii.gz'];

/** One input file with what its place in the layout says about it. */
interface InputFile {
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

interface Listing {
  readonly files: readonly InputFile[];
  readonly classes: readonly string[];
  /** CSV columns left out of the metadata because their names look identifying. */
  readonly droppedColumns?: readonly string[];
}

function resolvePath(path: string, baseDir: string): string {
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

async function listFolder(config: FolderIngestConfig, baseDir: string): Promise<Listing> {
  const root = resolvePath(config.root, baseDir);
  const extensions = new Set((config.extensions ?? IMAGE_EXTENSIONS).map((e) => e.replace(/^\./, '').toLowerCase()));
  const entries = await fg('**/*', { cwd: root, onlyFiles: true, dot: false, followSymbolicLinks: true });
  entries.sort();
  const candidates: string[] = [];
  for (const rel of entries) {
    const ext = extensionOf(rel);
    // Extension-less files are read only when they are DICOM (many scanners write no extension);
    // anything else without an extension (README, LICENSE) is not an image and is left alone.
    if (ext === '' ? await looksLikeDicom(join(root, rel)) : extensions.has(ext)) candidates.push(rel);
  }
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
  return {
    files,
    classes: classOrder(
      files.map((f) => f.className),
      config.classes,
    ),
  };
}

async function listCsv(config: CsvIngestConfig, baseDir: string): Promise<Listing> {
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

/**
 * Salt for the hashed group keys read from DICOM (PatientID, StudyInstanceUID). Set
 * MEDPIPE_GROUP_SALT to a project secret: with the public default, short IDs could be recovered by
 * trying them all. Only a hash of the salt enters cache keys.
 */
function groupSalt(): string | undefined {
  return process.env.MEDPIPE_GROUP_SALT || undefined;
}

function decodeKey(fileHash: string, config: FolderIngestConfig | CsvIngestConfig): string {
  const salt = groupSalt();
  const axis = config.volume?.axis;
  // attributes: 1 — records made before DICOM subgroup attributes were read are decoded again.
  return sha256(
    canonicalJson({
      fileHash,
      size: config.size ?? [64, 64],
      channels: config.channels ?? 3,
      decoder: DECODER_VERSION,
      salt: salt && sha256(salt),
      axis,
      attributes: 1,
    }),
  );
}

/**
 * Resamples n single-channel slices to `depth` slices (linear along the slice axis) and interleaves
 * them as channels: [h, w, depth], slice order kept.
 */
export function stackSlices(slices: readonly Float32Array[], depth: number): Float32Array {
  const pixels = slices[0]!.length;
  const out = new Float32Array(pixels * depth);
  for (let d = 0; d < depth; d++) {
    const at = depth === 1 || slices.length === 1 ? 0 : (d * (slices.length - 1)) / (depth - 1);
    const lo = Math.floor(at);
    const hi = Math.min(lo + 1, slices.length - 1);
    const w = at - lo;
    const a = slices[lo]!;
    const b = slices[hi]!;
    for (let i = 0; i < pixels; i++) out[i * depth + d] = a[i]! * (1 - w) + b[i]! * w;
  }
  return out;
}

/** Whether slice k of a multi-slice file is selected by the ingest's `volume.slices`. */
function sliceSelected(k: number, slices: NonNullable<FolderIngestConfig['volume']>['slices']): boolean {
  if (slices === undefined || slices === 'all') return true;
  if ('every' in slices) return k % slices.every === 0;
  return k >= slices.start && k < slices.end;
}

interface DecodedFrames {
  readonly shape: ImageShape;
  readonly ranges: [number, number][];
  readonly frames: Float32Array[];
  readonly groupKeys?: Readonly<Record<string, string>>;
  /** Non-identifying DICOM attributes (sex, age band, manufacturer, view …) for subgroups. */
  readonly attributes?: Readonly<Record<string, string>>;
}

function packFrames(decoded: DecodedFrames): Uint8Array {
  const header = Buffer.from(JSON.stringify({ shape: decoded.shape, ranges: decoded.ranges, groupKeys: decoded.groupKeys, attributes: decoded.attributes }));
  const size = sampleSize(decoded.shape);
  const padded = Math.ceil((4 + header.byteLength) / 4) * 4;
  const out = new Uint8Array(padded + decoded.frames.length * size * 4);
  new DataView(out.buffer).setUint32(0, header.byteLength, true);
  out.set(header, 4);
  decoded.frames.forEach((frame, i) => out.set(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength), padded + i * size * 4));
  return out;
}

function unpackFrames(bytes: Uint8Array): DecodedFrames {
  const copy = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const length = new DataView(copy.buffer, copy.byteOffset).getUint32(0, true);
  const header = JSON.parse(Buffer.from(copy.subarray(4, 4 + length)).toString('utf8')) as Omit<DecodedFrames, 'frames'>;
  const padded = Math.ceil((4 + length) / 4) * 4;
  const size = sampleSize(header.shape);
  const frames = header.ranges.map((_, i) => new Float32Array(copy.buffer, copy.byteOffset + padded + i * size * 4, size));
  return { ...header, frames };
}

type FileOutcome = { file: InputFile; decoded: DecodedFrames; fresh: boolean } | { file: InputFile; error: MedpipeError };

async function decodeOne(file: InputFile, hash: string, config: FolderIngestConfig | CsvIngestConfig, ctx: StageContext): Promise<FileOutcome> {
  throwIfAborted(ctx.signal, ctx.stage);
  const key = decodeKey(hash, config);
  const cached = await ctx.store.getRecord('decoded', key);
  if (cached) return { file, decoded: unpackFrames(cached), fresh: false };
  try {
    const frames = await decodeFile(file.abs, {
      size: config.size ?? [64, 64],
      channels: config.channels ?? 3,
      salt: groupSalt(),
      ...(config.volume?.axis !== undefined ? { axis: config.volume.axis } : {}),
    });
    if (frames.length === 0) throw new MedpipeError('BAD_FILE', `${file.abs} holds no image.`, { file: file.abs });
    const decoded: DecodedFrames = {
      shape: frames[0]!.shape,
      ranges: frames.map((f) => [...(f.meta.range ?? rangeOf(f.data))] as [number, number]),
      frames: frames.map((f) => f.data),
      groupKeys: frames[0]!.meta.groupKeys,
      attributes: frames[0]!.meta.format === 'dicom' ? await (await import('../data/dicom-attributes.ts')).dicomAttributes(file.abs) : undefined,
    };
    await ctx.store.putRecord('decoded', key, packFrames(decoded));
    return { file, decoded, fresh: true };
  } catch (error) {
    const wrapped = error instanceof MedpipeError ? error : new MedpipeError('BAD_FILE', `${file.abs}: ${String(error)}`, { file: file.abs, cause: error });
    return { file, error: wrapped };
  }
}

function rangeOf(data: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

async function fingerprintListing(listing: Listing, ctx: StageContext): Promise<Fingerprint> {
  const files: Record<string, string> = {};
  const hashed = await lastValueFrom(
    from(listing.files).pipe(
      mergeMap(async (file) => [file.rel, await ctx.hasher.hash(file.abs)] as const, 16),
      toArray(),
    ),
    { defaultValue: [] },
  );
  for (const [rel, hash] of hashed.sort((a, b) => (a[0] < b[0] ? -1 : 1))) files[rel] = hash;
  return { files, data: listing };
}

async function decodeListing(listing: Listing, fingerprint: Fingerprint, config: FolderIngestConfig | CsvIngestConfig, ctx: StageContext): Promise<ImageSet> {
  const total = listing.files.length;
  const classIndex = new Map(listing.classes.map((name, i) => [name, i]));
  const onBadFile = config.onBadFile ?? 'fail';
  let done = 0;
  let decodedCount = 0;
  let lastEmit = 0;
  const progress = () => {
    const now = Date.now();
    if (now - lastEmit >= 100 || done === total) {
      lastEmit = now;
      ctx.emit({ type: 'stage-progress', done, total, unit: 'files', note: `${decodedCount} decoded` });
    }
  };
  // Per-slice CSV rows name the same file several times: decode it once.
  const shared = new Map<string, Promise<FileOutcome>>();
  // With onBadFile 'fail', the first bad file stops new decodes; those in flight finish (and are
  // cached) before the stage fails, so nothing writes to the cache after the run has ended.
  let firstError: MedpipeError | undefined;
  const outcomes = await lastValueFrom(
    from(listing.files).pipe(
      mergeMap(async (file): Promise<FileOutcome | undefined> => {
        if (firstError) return undefined;
        if (!shared.has(file.abs)) shared.set(file.abs, decodeOne(file, fingerprint.files[file.rel]!, config, ctx));
        const outcome: FileOutcome = { ...(await shared.get(file.abs)!), file };
        done++;
        if ('decoded' in outcome && outcome.fresh) decodedCount++;
        if ('error' in outcome && onBadFile === 'fail') firstError ??= withSkipHint(outcome.error);
        progress();
        return outcome;
      }, config.concurrency ?? 4),
      toArray(),
    ),
    { defaultValue: [] as (FileOutcome | undefined)[] },
  ).then((all) => all.filter((o): o is FileOutcome => o !== undefined));
  if (firstError) throw firstError;
  const order = new Map(listing.files.map((f, i) => [f, i]));
  outcomes.sort((a, b) => order.get(a.file)! - order.get(b.file)!);

  const skipped: SkippedFile[] = [];
  const samples: SampleMeta[] = [];
  const chunks: Float32Array[] = [];
  const ranges: number[] = [];
  let shape: ImageShape | undefined;
  for (const outcome of outcomes) {
    if ('error' in outcome) {
      const { rel, slice } = outcome.file;
      skipped.push({ file: slice === undefined ? rel : `${rel}#${slice}`, reason: outcome.error.message });
      continue;
    }
    const { file, decoded } = outcome;
    const label = classIndex.get(file.className);
    if (label === undefined) {
      skipped.push({ file: file.rel, reason: `class '${file.className}' is not in classes [${listing.classes.join(', ')}]` });
      continue;
    }
    if (file.slice !== undefined && file.slice >= decoded.frames.length) {
      const error = new MedpipeError('BAD_FILE', `${file.abs}: slice ${file.slice} requested, but the file has ${decoded.frames.length} slice(s) (0-based).`, {
        file: file.abs,
        fix: `Use a slice index below ${decoded.frames.length} in the CSV, or set onBadFile: 'skip' to skip such rows.`,
      });
      if (onBadFile === 'fail') throw error;
      skipped.push({ file: `${file.rel}#${file.slice}`, reason: error.message });
      continue;
    }
    // Slices of one volume (or frames of one file) are one patient's: without another group key they
    // stay together in one split, or near-identical neighbours would sit in train and test.
    const group = file.group ?? decoded.groupKeys?.patient ?? (decoded.frames.length > 1 ? file.rel : undefined);
    const attributes = decoded.attributes || file.attributes ? { ...decoded.attributes, ...file.attributes } : undefined;
    const depth = config.volume?.stack;
    if (depth !== undefined && file.slice === undefined) {
      // The whole (selected part of the) volume is one sample, its slices resampled to `depth` channels.
      const picked = decoded.frames.map((_, k) => k).filter((k) => sliceSelected(k, config.volume?.slices));
      if (decoded.shape[2] !== 1 || picked.length === 0) {
        const error = new MedpipeError(
          'BAD_FILE',
          `${file.abs}: volume stacking needs single-channel slices, got ${picked.length} slice(s) of ${decoded.shape[2]} channel(s).`,
          {
            file: file.abs,
            fix: "Set channels: 1 on ingest, check volume.slices, or set onBadFile: 'skip'.",
          },
        );
        if (onBadFile === 'fail') throw error;
        skipped.push({ file: file.rel, reason: error.message });
        continue;
      }
      const stacked = stackSlices(
        picked.map((k) => decoded.frames[k]!),
        depth,
      );
      shape ??= [decoded.shape[0], decoded.shape[1], depth];
      samples.push({
        id: file.rel,
        file: file.rel,
        label,
        ...(file.split ? { split: file.split } : {}),
        ...(group !== undefined ? { group } : {}),
        ...(attributes ? { attributes } : {}),
      });
      chunks.push(stacked);
      const lo = Math.min(...picked.map((k) => decoded.ranges[k]![0]));
      const hi = Math.max(...picked.map((k) => decoded.ranges[k]![1]));
      ranges.push(lo, hi);
      continue;
    }
    shape ??= decoded.shape;
    decoded.frames.forEach((frame, k) => {
      if (file.slice !== undefined ? k !== file.slice : decoded.frames.length > 1 && !sliceSelected(k, config.volume?.slices)) return;
      samples.push({
        id: decoded.frames.length > 1 ? `${file.rel}#${k}` : file.rel,
        file: file.rel,
        label,
        ...(file.split ? { split: file.split } : {}),
        ...(group !== undefined ? { group } : {}),
        ...(attributes ? { attributes } : {}),
      });
      chunks.push(frame);
      ranges.push(...decoded.ranges[k]!);
    });
  }
  if (samples.length === 0 || !shape) {
    throw new MedpipeError('NO_SAMPLES', `No readable images found (${total} candidate files, ${skipped.length} skipped).`, {
      stage: ctx.stage,
      fix: 'Check the data path and layout: one folder per class (optionally inside train/val/test folders), or a CSV path,label.',
    });
  }
  const size = sampleSize(shape);
  const pixels = new Float32Array(samples.length * size);
  chunks.forEach((chunk, i) => pixels.set(chunk, i * size));
  if (listing.droppedColumns) {
    ctx.emit({
      type: 'log',
      level: 'warn',
      message: `CSV column(s) ${listing.droppedColumns.join(', ')} look like they identify patients: left out of the subgroup metadata`,
    });
  }
  if (skipped.length > 0) {
    ctx.emit({ type: 'log', level: 'warn', message: `skipped ${skipped.length} unreadable file(s), e.g. ${skipped[0]!.file}: ${skipped[0]!.reason}` });
  }
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `${total} files: ${decodedCount} decoded, ${total - decodedCount - skipped.length} from the per-file cache`,
  });
  return {
    classes: listing.classes,
    shape,
    samples,
    pixels,
    skipped,
    ranges: new Float32Array(ranges),
    deferred: [],
    preprocessing: [{ step: 'decode', size: config.size ?? [64, 64], channels: config.channels ?? 3 }],
  };
}

function withSkipHint(error: MedpipeError): MedpipeError {
  return new MedpipeError(error.code, error.message, {
    file: error.file,
    cause: error.cause,
    fix: error.fix ?? "Remove or replace the file, or set onBadFile: 'skip' to skip unreadable files and list them in the run report.",
  });
}

function validateDecode(config: FolderIngestConfig | CsvIngestConfig): string[] {
  const problems: string[] = [];
  const volume = config.volume;
  if (volume?.stack !== undefined && !(Number.isInteger(volume.stack) && volume.stack > 0))
    problems.push(`volume.stack must be a positive whole number of slices, got ${volume.stack}`);
  if (volume?.stack !== undefined && config.channels !== 1) problems.push('volume.stack needs channels: 1 (the stacked slices become the channels)');
  if (volume?.axis !== undefined && ![0, 1, 2].includes(volume.axis)) problems.push(`volume.axis must be 0, 1 or 2, got ${volume.axis}`);
  const slices = volume?.slices;
  if (slices !== undefined && slices !== 'all') {
    if (
      'every' in slices
        ? !(Number.isInteger(slices.every) && slices.every > 0)
        : !(Number.isInteger(slices.start) && Number.isInteger(slices.end) && slices.start >= 0 && slices.end > slices.start)
    ) {
      problems.push(`volume.slices must be 'all', { start, end } with 0 <= start < end, or { every: n > 0 }, got ${JSON.stringify(slices)}`);
    }
  }
  if (config.size && !(config.size.length === 2 && config.size.every((n) => Number.isInteger(n) && n > 0))) {
    problems.push(`size must be [height, width] with positive integers, got ${JSON.stringify(config.size)}`);
  }
  if (config.channels !== undefined && config.channels !== 1 && config.channels !== 3) problems.push(`channels must be 1 or 3, got ${config.channels}`);
  if (config.onBadFile !== undefined && config.onBadFile !== 'fail' && config.onBadFile !== 'skip') problems.push(`onBadFile must be 'fail' or 'skip'`);
  return problems;
}

const common = {
  // 2: samples carry subgroup attributes (CSV columns, source folder, DICOM sex / age band / …).
  version: 2,
  encode: encodeImageSet,
  decode: decodeImageSet,
  summary: (set: ImageSet) =>
    `${set.samples.length} images ${set.shape.join('x')}, classes ${set.classes.join('/')}${set.skipped.length ? `, ${set.skipped.length} skipped` : ''}`,
  async export(set: ImageSet, outDir: string): Promise<string[]> {
    const { writeFileAtomic } = await import('../runtime/atomic.ts');
    const path = join(outDir, 'skipped-files.json');
    if (set.skipped.length === 0) {
      // A list from an earlier run would name files that are no longer skipped.
      const { rm } = await import('node:fs/promises');
      await rm(path, { force: true });
      return [];
    }
    await writeFileAtomic(path, JSON.stringify(set.skipped, null, 2) + '\n');
    return [path];
  },
};

export const ingestFolderImpl: StageImpl<FolderIngestConfig, undefined, ImageSet> = {
  ...common,
  kind: 'ingest.folder',
  validate(config, ctx) {
    const problems = validateDecode(config);
    if (typeof config.root !== 'string') return [...problems, 'root (the data folder) is required'];
    const root = resolvePath(config.root, ctx.baseDir);
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      problems.push(`data folder ${root} does not exist (root: '${config.root}', resolved from ${ctx.baseDir})`);
    }
    if (config.groupPattern) {
      try {
        new RegExp(config.groupPattern);
      } catch {
        problems.push(`groupPattern is not a valid regular expression: ${config.groupPattern}`);
      }
    }
    return problems;
  },
  async fingerprint(config, ctx) {
    return fingerprintListing(await listFolder(config, ctx.baseDir), ctx);
  },
  run: (_input, config, ctx, fingerprint) => decodeListing(fingerprint!.data as Listing, fingerprint!, config, ctx),
};

export const ingestCsvImpl: StageImpl<CsvIngestConfig, undefined, ImageSet> = {
  ...common,
  kind: 'ingest.csv',
  validate(config, ctx) {
    const problems = validateDecode(config);
    if (typeof config.csv !== 'string') return [...problems, 'csv (the path,label file) is required'];
    const csv = resolvePath(config.csv, ctx.baseDir);
    if (!existsSync(csv)) problems.push(`CSV file ${csv} does not exist`);
    return problems;
  },
  async fingerprint(config, ctx) {
    const listing = await listCsv(config, ctx.baseDir);
    const fp = await fingerprintListing(listing, ctx);
    const csvHash = await ctx.hasher.hash(resolvePath(config.csv, ctx.baseDir));
    return { files: { ...fp.files, [`(csv) ${config.csv}`]: csvHash }, data: listing };
  },
  run: (_input, config, ctx, fingerprint) => decodeListing(fingerprint!.data as Listing, fingerprint!, config, ctx),
};
