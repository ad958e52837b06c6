/**
 * A large listing's digest: every file's absolute and relative path with its stat (size, mtime,
 * ctime, inode), in listing order, in one SHA-256. Equal digests mean every file has the stat it
 * had when their content hashes were last learned, so the stat cache would name the same hashes
 * file by file (the same trust as git's index, one level up). An unchanged listing of 10^5 files is
 * then recognised with one hash over its stats instead of a row lookup, a stamp comparison and a
 * key entry per file — the bulk of a no-op rerun.
 * @example
 *   const stats = statUnits(units);
 *   const digest = listingDigest(units, stats, extra);
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { canonicalJson } from '../../base/canonical.ts';
import { nativeCodec, type NativeCodec } from '../../io/native-codec.ts';
import type { Unit } from './ingest-plan.ts';

/** A file modified this recently may change again within its mtime tick (git's "racy" case). */
const RACY_NS = 2_000_000_000n;

/**
 * Every unit's stat in one array, four numbers per unit: size, mtime ns, ctime ns, inode (-1 each
 * for a file that is gone). In one call to the codec addon when it is built (no object per file).
 */
export function statAll(units: readonly Unit[], native: NativeCodec['statMany'] | null = nativeCodec()?.statMany): BigInt64Array {
  if (native) return native(units.map((u) => u.abs));
  const out = new BigInt64Array(units.length * 4);
  for (let i = 0; i < units.length; i++) {
    const info = statSync(units[i]!.abs, { bigint: true, throwIfNoEntry: false });
    if (!info) out.fill(-1n, i * 4, i * 4 + 4);
    else out.set([info.size, info.mtimeNs, info.ctimeNs, BigInt.asIntN(64, info.ino)], i * 4);
  }
  return out;
}

/** Sets unit.stat from statAll's numbers (left unset for a file that is gone). */
export function attachStats(units: readonly Unit[], stats: BigInt64Array): void {
  for (let i = 0; i < units.length; i++) {
    if (stats[i * 4]! < 0n) continue; // gone
    units[i]!.stat = { size: stats[i * 4]!, mtimeNs: stats[i * 4 + 1]!, ctimeNs: stats[i * 4 + 2]!, ino: BigInt.asUintN(64, stats[i * 4 + 3]!) };
  }
}

/** Stats every unit (unit.stat) and returns statAll's numbers. */
export function statUnits(units: readonly Unit[]): BigInt64Array {
  const stats = statAll(units);
  attachStats(units, stats);
  return stats;
}

/** The digest of the units' paths and stats (and of `extra`, key entries that are not files of the listing). */
export function listingDigest(units: readonly Unit[], stats: BigInt64Array, extra: Readonly<Record<string, string>> = {}): string {
  const hash = createHash('sha256');
  // Paths in chunks: one update per file costs more than the hashing itself.
  let chunk = '';
  for (const unit of units) {
    chunk += `${unit.abs}\0${unit.rel}\n`;
    if (chunk.length > 1 << 16) {
      hash.update(chunk);
      chunk = '';
    }
  }
  hash.update(chunk);
  hash.update(new Uint8Array(stats.buffer, stats.byteOffset, stats.byteLength));
  hash.update(canonicalJson(extra));
  return hash.digest('hex');
}

/**
 * Whether the listing may be remembered by its digest: every file's hash known, none modified in
 * the last 2 s (its content could still change without its stat changing).
 */
export function settled(units: readonly Unit[], now = BigInt(Date.now()) * 1_000_000n): boolean {
  return units.every((u) => u.hash !== undefined && u.stat !== undefined && now - u.stat.mtimeNs > RACY_NS);
}
