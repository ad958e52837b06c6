/**
 * One batch, assembled where the pool runs it: each record read from its shard (CRC checked),
 * widened from its stored type to float32, taken through the recorded preprocessing steps, and
 * augmented with the transform the caller drew for it — the same arithmetic, in the same order, as
 * when whole float32 arrays were normalised and then augmented per batch.
 */
import type { ImageShape } from '../../io/types.ts';
import { imageRange, transformImage, type AugmentPolicy, type ImageTransform } from '../augment.ts';
import type { PreprocessStep } from '../preprocessing.ts';
import { DTYPE_BYTES, type Dtype } from '../store/format.ts';
import { ShardFiles } from '../store/shard-reader.ts';
import { applySteps } from '../transform.ts';
import { recordMoments } from '../store/record-moments.ts';
import { lookUp, pointwiseTable, readsRange } from '../pointwise-table.ts';

/** Where one image's record is and how to read it. */
export interface BatchRecord {
  readonly shard: string;
  readonly offset: number;
  readonly length: number;
  readonly crc: number;
  readonly dtype: Dtype;
  readonly range: readonly [number, number];
}

export interface BatchRequest {
  readonly objectsDir: string;
  readonly recordShape: ImageShape;
  /** The shape after the steps (what the model takes). */
  readonly shape: ImageShape;
  readonly steps: readonly PreprocessStep[];
  readonly records: readonly BatchRecord[];
  /**
   * One drawn transform per image (sampleTransform with range 1: brightness is scaled by each
   * image's own value range here, as augmentBatch does).
   */
  readonly augment?: { readonly policy: AugmentPolicy; readonly transforms: readonly ImageTransform[] };
  /** A buffer to fill (one the consumer handed back), used when it has the batch's size. */
  readonly into?: Float32Array;
}

const readers = new Map<string, ShardFiles>();
let scratch = new Uint8Array(0);

function readerFor(objectsDir: string): ShardFiles {
  let files = readers.get(objectsDir);
  if (!files) {
    files = new ShardFiles(objectsDir);
    readers.set(objectsDir, files);
  }
  return files;
}

/** Widens a record's bytes (aligned) to float32 into `out` at `at` (TypedArray.set converts natively). */
export function widen(bytes: Uint8Array, dtype: Dtype, out: Float32Array, at: number): void {
  const n = bytes.byteLength / DTYPE_BYTES[dtype];
  switch (dtype) {
    case 'u8':
      out.set(bytes, at);
      break;
    case 'u16':
      out.set(new Uint16Array(bytes.buffer, bytes.byteOffset, n), at);
      break;
    case 'i16':
      out.set(new Int16Array(bytes.buffer, bytes.byteOffset, n), at);
      break;
    case 'f32':
      out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n), at);
      break;
  }
}

/**
 * The lookup tables of one request's 8-bit records (see pointwise-table.ts): one for the request,
 * or one per value range when a step reads the record's range; undefined when the steps are not
 * value by value.
 */
class Tables {
  private readonly byRange = new Map<string, Float32Array | undefined>();
  private readonly perRange: boolean;

  constructor(private readonly request: BatchRequest) {
    this.perRange = readsRange(request.steps);
  }

  for(range: readonly [number, number]): Float32Array | undefined {
    const key = this.perRange ? `${range[0]},${range[1]}` : '';
    if (!this.byRange.has(key)) this.byRange.set(key, pointwiseTable(this.request.steps, range, this.request.recordShape[2]));
    return this.byRange.get(key);
  }
}

/**
 * Reads record `i` of a request into `image` and applies the steps; returns the preprocessed pixels
 * (`image` itself, unless a step changes the shape). 8-bit records under value-by-value steps take
 * one table lookup per value (the same numbers).
 */
function preprocessed(request: BatchRequest, i: number, files: ShardFiles, tables: Tables, image: Float32Array): Float32Array {
  const record = request.records[i]!;
  if (scratch.byteLength < record.length) scratch = new Uint8Array(Math.max(record.length, scratch.byteLength * 2));
  const bytes = files.read(record.shard, record.offset, record.length, record.crc, scratch.subarray(0, record.length));
  const table = record.dtype === 'u8' ? tables.for(record.range) : undefined;
  if (table) {
    lookUp(bytes, table, request.recordShape[2], image, 0);
    return image;
  }
  widen(bytes, record.dtype, image, 0);
  return applySteps(image, request.recordShape, record.range, request.steps).pixels;
}

/**
 * Per image of the request, after its steps, per channel: count, sum and sum of squared deviations
 * from the channel's mean (M2) — the numbers ingest stores with each record (store/record-moments.ts)
 * — so a data set's statistics take one pass over its records (see loader/moments.ts).
 */
export function imageMoments(request: BatchRequest): Float64Array {
  const { recordShape, shape, records } = request;
  const channels = shape[2];
  const out = new Float64Array(records.length * channels * 3);
  const files = readerFor(request.objectsDir);
  const image = new Float32Array(recordShape[0] * recordShape[1] * recordShape[2]);
  const tables = new Tables(request);
  for (let i = 0; i < records.length; i++) out.set(recordMoments(preprocessed(request, i, files, tables, image), channels), i * channels * 3);
  return out;
}

/**
 * The batch's pixels, NHWC float32.
 * @example
 *   const pixels = assembleBatch({ objectsDir, recordShape, shape, steps, records });
 */
export function assembleBatch(request: BatchRequest): Float32Array {
  const { recordShape, shape, records, augment } = request;
  const recordSize = recordShape[0] * recordShape[1] * recordShape[2];
  const size = shape[0] * shape[1] * shape[2];
  const out = request.into?.length === records.length * size ? request.into : new Float32Array(records.length * size);
  const files = readerFor(request.objectsDir);
  const image = new Float32Array(recordSize);
  const tables = new Tables(request);
  // Without augmentation and with the shape kept, each record is read and transformed in place in the batch.
  const inPlace = !augment && recordSize === size;
  const fill = augment?.policy.fill ?? 'nearest';
  const fillValue = augment?.policy.fillValue ?? 0;
  const needsRange = (augment?.policy.brightness ?? 0) > 0;
  records.forEach((_, i) => {
    if (inPlace) {
      preprocessed(request, i, files, tables, out.subarray(i * size, (i + 1) * size));
      return;
    }
    const transformed = preprocessed(request, i, files, tables, image);
    if (!augment) {
      out.set(transformed, i * size);
      return;
    }
    const draw = augment.transforms[i]!;
    const range = needsRange ? imageRange(transformed, 0, size) : 1;
    const tr = draw.brightness === 0 ? draw : { ...draw, brightness: draw.brightness * range };
    transformImage(transformed, 0, out, i * size, shape, tr, fill, fillValue);
  });
  return out;
}
