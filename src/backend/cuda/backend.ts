/**
 * The backend object behind the 'cuda' name. It is tfjs' CPU backend with a second home for every tensor:
 * a tensor lives on the host (a typed array, as on the CPU backend), on the GPU (a device buffer), or
 * both. Kernels the GPU runs take their inputs' device buffers (uploading a host-only input once) and
 * leave their outputs on the device; any other kernel is tfjs' own CPU kernel, which reads `values` and
 * thereby downloads what it needs. Tensors are immutable, so a copy, once made, stays valid.
 *
 * Downloads happen only when the host needs numbers (`data()`, `dataSync()`, a CPU fallback); `data()`
 * waits on a worker thread, so JS can queue the next batch while the GPU finishes this one.
 */
import type { DataType, TensorInfo, backend_util } from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { DTYPE, type CudaDevice, type DeviceDtype, type Ptr } from './device.ts';

type DataId = object;
type Values = backend_util.BackendValues;

const BYTES: Readonly<Record<DeviceDtype, number>> = { float32: 4, int32: 4, bool: 1 };

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function deviceDtype(dtype: DataType): dtype is DeviceDtype {
  return dtype === 'float32' || dtype === 'int32' || dtype === 'bool';
}

function emptyArray(dtype: DeviceDtype, n: number): Float32Array | Int32Array | Uint8Array {
  return dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
}

/** What the CPU kernels see as a tensor's data record; `values` downloads on first read. */
export class Storage {
  refCount: number;
  host: Values | undefined;
  dev: Ptr = 0;
  /**
   * Device copies in another dtype: tfjs' Cast to a wider type (bool or int32 to float32) returns the input's
   * data under the new dtype, so one record can be read as two dtypes.
   */
  alt: Map<DeviceDtype, Ptr> | undefined;
  /** Set by tfjs' complex kernels on the CPU side. */
  complexTensorInfos?: { real: TensorInfo; imag: TensorInfo };

  constructor(private readonly owner: CudaBackend, readonly dtype: DataType, readonly size: number, host: Values | undefined, refCount = 1) {
    this.host = host;
    this.refCount = refCount;
  }

  get values(): Values {
    if (this.host === undefined) this.host = this.owner.downloadSync(this);
    return this.host;
  }

  set values(values: Values) {
    // tfjs' CPU code does not write records in place, but if anything does, the device copy is stale.
    this.host = values;
    this.owner.dropDevice(this);
  }
}

export class CudaBackend extends MathBackendCPU {
  /** Kernels that ran on the CPU because the device path did not cover them (name → count), for tests and tuning. */
  readonly fallbacks = new Map<string, number>();
  /** Records holding a device buffer (tfjs' own store is a WeakMap, which cannot be walked). */
  private readonly resident = new Set<Storage>();
  /** Bytes uploaded and downloaded so far. */
  readonly traffic = { uploads: 0, uploadBytes: 0, downloads: 0, downloadBytes: 0 };

  constructor(readonly device: CudaDevice) {
    super();
    // The CPU backend's "install tfjs-node" banner would mislead here.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  private record(dataId: DataId): Storage {
    const s = this.data.get(dataId) as unknown as Storage | undefined;
    if (s === undefined) throw new Error('cuda backend: a tensor used after it was disposed');
    return s;
  }

  override write(values: Values, shape: number[], dtype: DataType): DataId {
    const dataId = {};
    this.data.set(dataId, new Storage(this, dtype, sizeOf(shape), values) as never);
    return dataId;
  }

  override move(dataId: DataId, values: Values, shape: number[], dtype: DataType, refCount: number): void {
    this.data.set(dataId, new Storage(this, dtype, sizeOf(shape), values, refCount) as never);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const s = this.data.get(dataId) as unknown as Storage | undefined;
    if (s === undefined) return true;
    s.refCount--;
    if (!force && s.refCount > 0) return false;
    if (s.complexTensorInfos) {
      this.disposeData(s.complexTensorInfos.real.dataId, true);
      this.disposeData(s.complexTensorInfos.imag.dataId, true);
    }
    this.dropDevice(s);
    this.data.delete(dataId);
    return true;
  }

  override async read(dataId: DataId): Promise<Values> {
    const s = this.record(dataId);
    if (s.host === undefined && s.dev !== 0 && s.size > 0 && deviceDtype(s.dtype)) {
      const bytes = s.size * BYTES[s.dtype];
      const buffer = await this.device.downloadAsync(s.dev, bytes);
      this.traffic.downloads++;
      this.traffic.downloadBytes += bytes;
      const values = s.dtype === 'float32' ? new Float32Array(buffer) : s.dtype === 'int32' ? new Int32Array(buffer) : new Uint8Array(buffer);
      s.host ??= values;
    }
    return this.readSync(dataId);
  }

  override async time(f: () => void): Promise<{ kernelMs: number }> {
    this.device.sync();
    const start = performance.now();
    f();
    this.device.sync();
    return { kernelMs: performance.now() - start };
  }

  override memory(): { unreliable: boolean; reasons: string[]; numBytesInGPU: number; numBytesInGPUAllocated: number; numBytesInGPUFree: number } {
    const m = this.device.memory();
    return {
      unreliable: false, reasons: [],
      numBytesInGPU: m.inUse, numBytesInGPUAllocated: m.inUse + m.cached, numBytesInGPUFree: m.cached,
    };
  }

  override dispose(): void {
    for (const s of [...this.resident]) this.dropDevice(s);
    this.device.releaseCached();
    super.dispose();
  }

  // ---------------------------------------------------------------- for kernels

  /** Downloads a device-only tensor (waits for the GPU). */
  downloadSync(s: Storage): Values {
    if (!deviceDtype(s.dtype) || s.dev === 0) throw new Error(`cuda backend: a ${s.dtype} tensor has no data`);
    const out = emptyArray(s.dtype, s.size);
    if (s.size > 0) this.device.download(s.dev, out);
    this.traffic.downloads++;
    this.traffic.downloadBytes += out.byteLength;
    return out;
  }

  /** Frees a record's device buffer (the host copy, if any, stays). */
  dropDevice(s: Storage): void {
    if (s.dev !== 0) {
      this.device.free(s.dev);
      s.dev = 0;
    }
    if (s.alt) {
      for (const p of s.alt.values()) this.device.free(p);
      s.alt = undefined;
    }
    this.resident.delete(s);
  }

  /** Whether the GPU can hold this tensor (float32, int32 and bool can). */
  canHold(t: TensorInfo): boolean {
    return deviceDtype(t.dtype);
  }

  /** True when the tensor has a device buffer already. */
  onDevice(t: TensorInfo): boolean {
    return this.record(t.dataId).dev !== 0;
  }

  /** The tensor's device buffer (in t.dtype's layout), uploading its host values on first use. */
  ptr(t: TensorInfo): Ptr {
    const s = this.record(t.dataId);
    if (t.dtype !== s.dtype) return this.ptrAs(s, t.dtype);
    if (s.dev !== 0) return s.dev;
    if (!deviceDtype(s.dtype)) throw new Error(`cuda backend: ${s.dtype} tensors stay on the host`);
    const host = s.host as ArrayBufferView;
    s.dev = this.device.alloc(Math.max(1, s.size * BYTES[s.dtype]));
    this.resident.add(s);
    if (s.size > 0) {
      const view = host instanceof Float32Array || host instanceof Int32Array || host instanceof Uint8Array ? host : emptyArrayFrom(s.dtype, host);
      this.device.upload(s.dev, view);
      this.traffic.uploads++;
      this.traffic.uploadBytes += view.byteLength;
    }
    return s.dev;
  }

  /** A device copy of a record in another dtype (see Storage.alt), converted on the host once. */
  private ptrAs(s: Storage, dtype: DataType): Ptr {
    if (!deviceDtype(dtype)) throw new Error(`cuda backend: ${dtype} tensors stay on the host`);
    const have = s.alt?.get(dtype);
    if (have !== undefined) return have;
    const values = emptyArrayFrom(dtype, s.values as ArrayBufferView);
    const p = this.device.alloc(Math.max(1, values.byteLength));
    if (values.length > 0) this.device.upload(p, values);
    this.traffic.uploads++;
    this.traffic.uploadBytes += values.byteLength;
    (s.alt ??= new Map()).set(dtype, p);
    this.resident.add(s);
    return p;
  }

  /** The value of a one-element float32 tensor that is on the host, else undefined (no download). */
  hostScalar(t: TensorInfo): number | undefined {
    if (t.dtype !== 'float32') return undefined;
    const s = this.record(t.dataId);
    if (s.size !== 1 || s.host === undefined) return undefined;
    return (s.host as Float32Array)[0];
  }

  /** True when every input lives on the host only (small work then stays on the CPU: no transfers). */
  allOnHost(inputs: readonly TensorInfo[]): boolean {
    return inputs.every((t) => this.record(t.dataId).dev === 0);
  }

  /** A new host tensor (what a kernel computed on the host on purpose). */
  hostOutput(shape: number[], dtype: DataType, values: Values): TensorInfo {
    return { dataId: this.write(values, shape, dtype), shape, dtype };
  }

  /** A new device tensor (contents undefined until a kernel writes it). */
  output(shape: number[], dtype: DeviceDtype): { info: TensorInfo; ptr: Ptr } {
    const size = sizeOf(shape);
    const dataId = {};
    const s = new Storage(this, dtype, size, undefined);
    s.dev = this.device.alloc(Math.max(1, size * BYTES[dtype]));
    this.resident.add(s);
    this.data.set(dataId, s as never);
    return { info: { dataId, shape, dtype }, ptr: s.dev };
  }

  /** Counts a CPU fallback of a kernel the device path did not take. */
  noteFallback(kernelName: string): void {
    this.fallbacks.set(kernelName, (this.fallbacks.get(kernelName) ?? 0) + 1);
  }

  dtypeCode(dtype: DeviceDtype): number {
    return DTYPE[dtype];
  }
}

/** A host array of another typed-array class (e.g. an Int32Array stored for a bool tensor) in the device's layout. */
function emptyArrayFrom(dtype: DeviceDtype, values: ArrayBufferView): Float32Array | Int32Array | Uint8Array {
  const src = values as unknown as ArrayLike<number>;
  const out = emptyArray(dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i];
  return out;
}
