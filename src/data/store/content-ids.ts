/**
 * Which rows hold identical pixels, without reading them all: rows can only be equal when their
 * CRC-32, length and stored type agree, and only such candidates are read and compared byte for
 * byte. The leak audit costs a pass over the index plus a read of the few look-alikes.
 */
import { createHash } from 'node:crypto';
import type { RecordTable } from './record-table.ts';
import { ShardFiles } from './shard-reader.ts';

/**
 * One number per row: equal numbers ⇔ equal stored records (same type, same bytes).
 * @example
 *   const ids = contentIds(set.table, set.objectsDir); // ids[i] === ids[j]: duplicates
 */
export function contentIds(table: RecordTable, objectsDir: string): Int32Array {
  const n = table.shard.length;
  const ids = new Int32Array(n);
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = `${table.crc[i]}:${table.length[i]}:${table.dtype[i]}`;
    const list = byKey.get(key);
    if (list) list.push(i);
    else byKey.set(key, [i]);
  }
  let next = 0;
  const files = new ShardFiles(objectsDir);
  try {
    for (const rows of byKey.values()) {
      if (rows.length === 1) {
        ids[rows[0]!] = next++;
        continue;
      }
      // Candidates: the same CRC. Equal bytes ⇔ equal sha256, so group by that.
      const bySha = new Map<string, number>();
      for (const i of rows) {
        const hash = table.shards[table.shard[i]!]!.hash;
        const bytes = files.read(hash, table.offset[i]!, table.length[i]!, table.crc[i]!);
        const digest = createHash('sha256').update(bytes).digest('hex');
        let id = bySha.get(digest);
        if (id === undefined) {
          id = next++;
          bySha.set(digest, id);
        }
        ids[i] = id;
      }
    }
  } finally {
    files.close();
  }
  return ids;
}
