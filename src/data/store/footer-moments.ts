/**
 * The per-record moments of a table's rows, read back from their shards' footers (a stored table
 * does not repeat them: record-table.ts). One footer read per shard; rows are matched to records
 * by their byte offset.
 * @example
 *   const moments = footerMoments(train.table, objectsDir, channels); // undefined: not every record has them
 */
import { objectPath } from '../../base/object-store.ts';
import type { RecordTable } from './record-table.ts';
import { readShardFooter } from './shard-reader.ts';

/** 3 · channels numbers a row ([n, sum, M2] per channel), or undefined when a record lacks them. */
export function footerMoments(table: RecordTable, objectsDir: string, channels: number): Float64Array | undefined {
  const width = channels * 3;
  const n = table.shard.length;
  const out = new Float64Array(n * width);
  const byShard = new Map<number, Map<number, readonly number[] | undefined>>();
  for (let i = 0; i < n; i++) {
    const s = table.shard[i]!;
    let byOffset = byShard.get(s);
    if (!byOffset) {
      byOffset = new Map(readShardFooter(objectPath(objectsDir, table.shards[s]!.hash)).records.map((r) => [r.offset, r.moments]));
      byShard.set(s, byOffset);
    }
    const moments = byOffset.get(table.offset[i]!);
    if (moments?.length !== width) return undefined;
    out.set(moments, i * width);
  }
  return out;
}
