/**
 * The backend object behind the 'native' name: tfjs' MathBackendCPU (same storage, same fallback kernels)
 * plus the buffer pool that native kernels allocate their outputs from.
 */
import type { DataType, backend_util } from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BufferPool } from './native-memory.ts';

type DataId = object;

/** Bytes of released buffers kept for reuse (MEDPIPE_POOL_MB overrides). @default 1024 MiB */
const DEFAULT_POOL_MB = 1024;

export class NativeBackend extends MathBackendCPU {
  readonly pool = new BufferPool((Number(process.env.MEDPIPE_POOL_MB) || DEFAULT_POOL_MB) * 2 ** 20);

  constructor() {
    super();
    // The CPU backend's "install tfjs-node" banner would mislead here.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  override write(values: backend_util.BackendValues, shape: number[], dtype: DataType): DataId {
    const id = super.write(values, shape, dtype);
    this.pool.retain(values);
    return id;
  }

  override move(dataId: DataId, values: backend_util.BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    const old = this.data.get(dataId)?.values;
    super.move(dataId, values, shape, dtype, refCount);
    if (old !== values) {
      this.pool.pin(old);
      this.pool.retain(values);
    }
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const done = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) this.pool.release(values);
    return done;
  }

  override readSync(dataId: DataId): backend_util.BackendValues {
    // What leaves the backend may be kept by the caller: its buffer is never reused.
    this.pool.pin(this.data.get(dataId)?.values);
    return super.readSync(dataId);
  }

  override dispose(): void {
    this.pool.clear();
    super.dispose();
  }
}
