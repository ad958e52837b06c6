/**
 * Recycles the large Float32Array outputs of native kernels. Writing a freshly allocated 64 MB array costs
 * about four times the arithmetic on this kind of VM (the kernel zeroes and maps every 4 KiB page on first
 * touch), and a training step allocates the same few dozen sizes again and again, so buffers released by
 * tfjs (tensor disposed) go back to a free list keyed by size, as PyTorch's caching allocator does.
 *
 * Safety: a buffer is reused only when no live tensor still refers to it and no user code has seen it.
 * The backend counts, per pooled ArrayBuffer, the storage entries that hold it (CPU kernels such as Slice
 * store views of their input), and pins a buffer for good once it is read out (dataSync/data/bufferSync).
 */

/** Arrays below this size come from V8 directly: small allocations are cheap and churn fast. */
const MIN_POOLED_BYTES = 1 << 16;

export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  /** Pooled buffers handed out, with the number of storage entries that currently hold them. */
  private readonly holders = new WeakMap<ArrayBufferLike, number>();
  private freeBytes = 0;
  /** Buffers served from the free list / newly allocated, for the bench and tests. */
  reused = 0;
  allocated = 0;

  /** @param maxFreeBytes most bytes kept on the free lists; more is left to the garbage collector. */
  constructor(private readonly maxFreeBytes: number) {}

  /** A Float32Array of length n. Contents are NOT zeroed when reused: the caller writes every element. */
  take(n: number): Float32Array {
    const bytes = n * 4;
    if (bytes < MIN_POOLED_BYTES) return new Float32Array(n);
    const list = this.free.get(bytes);
    let buffer = list?.pop();
    if (buffer) {
      this.freeBytes -= bytes;
      this.reused++;
    } else {
      buffer = new ArrayBuffer(bytes);
      this.allocated++;
    }
    this.holders.set(buffer, 0);
    return new Float32Array(buffer);
  }

  /** A storage entry now holds `values`. */
  retain(values: unknown): void {
    const buffer = bufferOf(values);
    const n = buffer && this.holders.get(buffer);
    if (n !== undefined && buffer) this.holders.set(buffer, n + 1);
  }

  /** A storage entry holding `values` was deleted; the last one returns the buffer to the free list. */
  release(values: unknown): void {
    const buffer = bufferOf(values);
    const n = buffer && this.holders.get(buffer);
    if (n === undefined || !buffer) return;
    if (n > 1) {
      this.holders.set(buffer, n - 1);
      return;
    }
    this.holders.delete(buffer);
    if (this.freeBytes + buffer.byteLength > this.maxFreeBytes || !(buffer instanceof ArrayBuffer)) return;
    const list = this.free.get(buffer.byteLength);
    if (list) list.push(buffer);
    else this.free.set(buffer.byteLength, [buffer]);
    this.freeBytes += buffer.byteLength;
  }

  /** User code has a reference to `values`: never reuse its buffer. */
  pin(values: unknown): void {
    const buffer = bufferOf(values);
    if (buffer) this.holders.delete(buffer);
  }

  /** Drops the free lists (memory goes back to the garbage collector). */
  clear(): void {
    this.free.clear();
    this.freeBytes = 0;
  }

  get pooledBytes(): number {
    return this.freeBytes;
  }
}

function bufferOf(values: unknown): ArrayBufferLike | undefined {
  return values instanceof Float32Array ? values.buffer : undefined;
}
