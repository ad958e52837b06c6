import type { Redis } from 'ioredis';
import { sha256 } from '../../../base/canonical.ts';
import type { BlobStore } from '../../../remote/storage.ts';

/** How long a unit's input or result blob stays in Redis (refreshed on every put). @default one day */
const TTL_SECONDS = 24 * 3600;

/**
 * The transfer store between a coordinator and its workers: blobs in Redis under
 * `medpipe:blob:<sha256>`, with a time to live (they are copies: the caches keep the originals). A
 * blob that does not re-hash to its name reads as missing.
 */
export class RedisBlobs implements BlobStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'medpipe:blob:',
  ) {}

  async size(hash: string): Promise<number | undefined> {
    const length = await this.redis.strlen(this.prefix + hash);
    return length > 0 ? length : undefined;
  }

  async get(hash: string): Promise<Uint8Array | undefined> {
    const bytes = await this.redis.getBuffer(this.prefix + hash);
    if (!bytes || sha256(bytes) !== hash) return undefined;
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Keeps a blob that is there for another TTL (a shard a later unit names again). */
  async touch(hash: string): Promise<void> {
    await this.redis.expire(this.prefix + hash, TTL_SECONDS);
  }

  async put(hash: string, bytes: Uint8Array): Promise<void> {
    // Units of a stage share their big inputs: a blob already there is not sent again, only kept longer.
    if ((await this.size(hash)) === bytes.byteLength) {
      await this.redis.expire(this.prefix + hash, TTL_SECONDS);
      return;
    }
    const written = await this.redis.set(this.prefix + hash, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'EX', TTL_SECONDS, 'NX');
    if (written === null) await this.redis.expire(this.prefix + hash, TTL_SECONDS);
  }
}
