/**
 * The manifest of an ingest: the listing's rows matched to the records the jobs stored, as
 * samples (id, file, label, split, group) and rows of the record table. No pixel is read here.
 */
import { MedpipeError } from '../../base/errors.ts';
import type { ObjectRef } from '../../base/object-store.ts';
import type { InputFile, Listing } from '../file-listing.ts';
import type { ImageSet } from '../image-set.ts';
import type { DecodeConfig } from '../ingest-config.ts';
import { sliceSelected } from '../stack-slices.ts';
import { taskField, type ClassificationTask } from '../task.ts';
import type { ImageShape, SampleMeta, SkippedFile } from '../types.ts';
import type { FileProblem, ShardRecord } from './format.ts';
import type { DecodeSpec } from './ingest-job.ts';
import { emptyTable, setRecord } from './record-table.ts';

/** A stored record and the shard it is in. */
export interface Located {
  readonly shard: ObjectRef;
  readonly record: ShardRecord;
}

export interface AssembleInput {
  readonly listing: Listing;
  readonly config: DecodeConfig;
  readonly spec: DecodeSpec;
  /** Records by the file's relative path (as its first listing row names it), in frame order. */
  readonly records: Pick<ReadonlyMap<string, readonly Located[]>, 'get'>;
  /** Files that gave no record, by the same path. */
  readonly problems: ReadonlyMap<string, FileProblem>;
  /** Absolute path → the relative path records and problems are filed under (CSV rows may spell a file differently); absent: the row's own. */
  readonly relOf?: ReadonlyMap<string, string>;
  readonly objectsDir: string;
  /** The listing's task (listingTask): absent or binary for one class per file. */
  readonly task?: ClassificationTask;
}

function withSkipHint(problem: FileProblem): MedpipeError {
  return new MedpipeError(problem.code as never, problem.message, {
    file: problem.path ?? problem.file,
    fix: problem.fix ?? "Remove or replace the file, or set onBadFile: 'skip' to skip unreadable files and list them in the run report.",
  });
}

/**
 * One sample's metadata, fields set one by one and absent ones never set (spreads of small objects
 * cost ~1 µs a sample at 10^5). A function of its own, not a closure per file: each closure made in
 * the loop cost another µs (tsx names every function it creates).
 */
function sampleMeta(
  id: string,
  file: InputFile,
  label: number,
  labels: number[] | undefined,
  group: string | undefined,
  attributes: Readonly<Record<string, string>> | undefined,
): SampleMeta {
  const sample: { -readonly [K in keyof SampleMeta]: SampleMeta[K] } = { id, file: file.rel, label };
  if (labels) sample.labels = labels;
  if (file.split) sample.split = file.split;
  if (group !== undefined) sample.group = group;
  if (attributes) sample.attributes = attributes;
  return sample;
}

/**
 * Builds the ImageSet: one sample per listing row (per selected slice of a multi-slice file),
 * in listing order; bad files fail or are skipped as `onBadFile` says.
 */
export function assembleImageSet(input: AssembleInput): ImageSet {
  const { listing, config, spec, records, problems } = input;
  const onBadFile = config.onBadFile ?? 'fail';
  const classIndex = new Map(listing.classes.map((name, i) => [name, i]));
  const skipped: SkippedFile[] = [];
  const samples: SampleMeta[] = [];
  const chosen: Located[] = [];
  let recordShape: ImageShape | undefined;
  const add = (sample: SampleMeta, located: Located) => {
    const shape = located.record.shape;
    recordShape ??= shape;
    if (shape !== recordShape && (shape[0] !== recordShape[0] || shape[1] !== recordShape[1] || shape[2] !== recordShape[2])) {
      throw new MedpipeError('SHAPE_MISMATCH', `${sample.file}: its images are ${shape.join('x')}, the others ${recordShape.join('x')}.`, {
        file: sample.file,
        fix: 'Give every file the same kind of sample: do not mix stacked volumes (volume.stack) with per-slice CSV rows.',
      });
    }
    samples.push(sample);
    chosen.push(located);
  };
  for (const file of listing.files) {
    const key = input.relOf?.get(file.abs) ?? file.rel;
    const problem = problems.size > 0 ? problems.get(key) : undefined;
    if (problem) {
      if (onBadFile === 'fail') throw withSkipHint(problem);
      skipped.push({ file: file.slice === undefined ? file.rel : `${file.rel}#${file.slice}`, reason: problem.message });
      continue;
    }
    const located = records.get(key) ?? [];
    const unknown = file.findings ? file.findings.filter((f) => !classIndex.has(f)) : classIndex.has(file.className) ? undefined : [file.className];
    if (unknown && unknown.length > 0) {
      skipped.push({ file: file.rel, reason: `${file.findings ? 'finding' : 'class'} '${unknown.join("', '")}' is not in classes [${listing.classes.join(', ')}]` });
      continue;
    }
    // Multi-label samples have no single class: label -1 and a 0/1 vector over the findings (in the
    // samples blob, not the records: relabelling never re-ingests).
    const label = file.findings ? -1 : classIndex.get(file.className)!;
    const labels = file.findings ? listing.classes.map((c) => (file.findings!.includes(c) ? 1 : 0)) : undefined;
    const first = located[0]?.record;
    if (!first) continue;
    const frames = first.frames;
    // Slices of one volume (or frames of one file) are one patient's: without another group key they
    // stay together in one split, or near-identical neighbours would sit in train and test.
    const group = file.group ?? first.groupKeys?.patient ?? (frames > 1 ? file.rel : undefined);
    // The listing's attributes object is shared (frozen, one per source folder) unless the file adds its own.
    const attributes = first.attributes ? { ...first.attributes, ...file.attributes } : file.attributes;
    if (file.slice !== undefined) {
      const at = located.find((l) => l.record.stack === undefined && (l.record.frame ?? 0) === file.slice);
      if (!at || file.slice >= frames) {
        const error = new MedpipeError('BAD_FILE', `${file.abs}: slice ${file.slice} requested, but the file has ${frames} slice(s) (0-based).`, {
          file: file.abs,
          fix: `Use a slice index below ${frames} in the CSV, or set onBadFile: 'skip' to skip such rows.`,
        });
        if (onBadFile === 'fail') throw error;
        skipped.push({ file: `${file.rel}#${file.slice}`, reason: error.message });
        continue;
      }
      add(sampleMeta(frames > 1 ? `${file.rel}#${file.slice}` : file.rel, file, label, labels, group, attributes), at);
      continue;
    }
    if (spec.stack !== undefined) {
      const stacked = located.find((l) => l.record.stack !== undefined);
      if (stacked) add(sampleMeta(file.rel, file, label, labels, group, attributes), stacked);
      continue;
    }
    for (const l of located) {
      if (l.record.stack !== undefined) continue;
      const k = l.record.frame ?? 0;
      if (frames > 1 && !sliceSelected(k, spec.slices)) continue;
      add(sampleMeta(frames > 1 ? `${file.rel}#${k}` : file.rel, file, label, labels, group, attributes), l);
    }
  }
  if (samples.length === 0 || !recordShape) {
    throw new MedpipeError('NO_SAMPLES', `No readable images found (${listing.files.length} candidate files, ${skipped.length} skipped).`, {
      fix: 'Check the data path and layout: one folder per class (optionally inside train/val/test folders), or a CSV path,label.',
    });
  }
  const shards: ObjectRef[] = [];
  const shardIndex = new Map<string, number>();
  const channels = recordShape[2];
  const withMoments = chosen.every(({ record }) => record.moments?.length === channels * 3);
  const table = emptyTable(chosen.length, shards, withMoments ? channels * 3 : 0);
  let lastShard: ObjectRef | undefined;
  let lastAt = 0;
  chosen.forEach(({ shard, record }, i) => {
    // A job's records share one shard object and come in a run: the map only when it changes.
    let at = shard === lastShard ? lastAt : shardIndex.get(shard.hash);
    if (at === undefined) {
      at = shards.length;
      shards.push({ hash: shard.hash, size: shard.size });
      shardIndex.set(shard.hash, at);
    }
    lastShard = shard;
    lastAt = at;
    setRecord(table, i, at, record);
  });
  return {
    classes: listing.classes,
    ...taskField(input.task ?? 'binary'),
    shape: recordShape,
    recordShape,
    samples,
    table,
    objectsDir: input.objectsDir,
    skipped,
    deferred: [],
    decode: spec,
    preprocessing: [{ step: 'decode', size: config.size ?? [64, 64], channels: config.channels ?? 3 }],
  };
}
