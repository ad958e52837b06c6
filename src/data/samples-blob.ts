/**
 * How a manifest's samples are stored: by column (id, file, label, split, group, labels,
 * attributes; a column that is absent everywhere is left out, `file` when it repeats `id`), as
 * JSON, deflated — a few bytes a sample instead of a hundred. "MPSAMP2" first: a blob of the
 * earlier layout (a plain JSON array) is refused as CACHE_CORRUPT, so its entry is recomputed.
 * @example
 *   const bytes = encodeSamples(set.samples); decodeSamples(bytes); // the same samples
 */
import { deflatedBlob, inflatedBlob } from '../base/deflated-blob.ts';
import type { SampleMeta } from './types.ts';

const MAGIC = 'MPSAMP2';
const OPTIONAL = ['labels', 'split', 'group', 'attributes'] as const;

export function encodeSamples(samples: readonly SampleMeta[]): Uint8Array {
  const columns: Record<string, unknown> = { count: samples.length, id: samples.map((s) => s.id), label: samples.map((s) => s.label) };
  if (samples.some((s) => s.file !== s.id)) columns.file = samples.map((s) => s.file);
  for (const name of OPTIONAL) if (samples.some((s) => s[name] !== undefined)) columns[name] = samples.map((s) => s[name] ?? null);
  return deflatedBlob(MAGIC, Buffer.from(JSON.stringify(columns), 'utf8'));
}

export function decodeSamples(bytes: Uint8Array): SampleMeta[] {
  const columns = JSON.parse(inflatedBlob(bytes, MAGIC, "A dataset's sample list").toString('utf8')) as Record<string, unknown[]> & { count: number };
  const { id, label } = columns;
  const file = columns.file ?? id;
  const present = OPTIONAL.filter((name) => columns[name] !== undefined);
  const samples: SampleMeta[] = new Array(columns.count);
  for (let i = 0; i < columns.count; i++) {
    const sample: Record<string, unknown> = { id: id![i], file: file![i], label: label![i] };
    for (const name of present) {
      const value = columns[name]![i];
      if (value !== null) sample[name] = value;
    }
    samples[i] = sample as unknown as SampleMeta;
  }
  return samples;
}
