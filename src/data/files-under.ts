/**
 * Every file under a folder, as relative '/'-separated paths: what fast-glob's
 * `'**' + '/*'` with onlyFiles, dot: false and followSymbolicLinks gave, walked directly — a
 * listing of 10^5 files spent most of its time in fast-glob's per-entry matching and objects.
 * Names starting with '.' are skipped (files and folders); symbolic links are followed (a link to
 * a file is a file, a link to a folder is walked; a broken link is skipped); a link back to a
 * folder being walked is not walked again (fast-glob went round until the path was too long); a
 * folder that vanishes while walking is skipped.
 * @example
 *   const rels = (await filesUnder('/data/xray')).sort(); // ['normal/a.png', 'pneumonia/b.png', ...] (in no set order)
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { nativeCodec, type NativeCodec } from '../io/native-codec.ts';

const gone = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');

export async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string, walking: ReadonlySet<string>): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (gone(error)) return;
      throw error;
    }
    // Folders are walked concurrently (their readdir calls overlap on libuv's threads); the caller sorts.
    const folders: Promise<void>[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const relPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isFile()) {
        out.push(relPath);
        continue;
      }
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
      // Joined only here, for folders and links (a join per file cost 10^5 normalisations).
      const path = join(dir, entry.name);
      folders.push(
        stat(path)
          .catch((error: unknown) => {
            if (gone(error) || (error as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
            throw error;
          })
          .then(async (target) => {
            if (target?.isFile()) out.push(relPath);
            else if (target?.isDirectory()) {
              const id = `${target.dev}:${target.ino}`;
              if (!walking.has(id)) await walk(path, relPath, new Set([...walking, id]));
            }
          }),
      );
    }
    await Promise.all(folders);
  };
  const top = await stat(root).catch(() => undefined);
  if (top?.isDirectory()) await walk(root, '', new Set([`${top.dev}:${top.ino}`]));
  return out;
}

/** Files under a folder in sort() order, with their stats (statAll's numbers) when the listing took them. */
export interface SortedFiles {
  readonly rels: string[];
  /** 4 per file in `rels`' order: size, mtime ns, ctime ns, inode. */
  readonly stats?: BigInt64Array;
}

/**
 * filesUnder, sorted, and with every file's stat when the native codec is built: its scanTree lists
 * and stats 10^5 files on two threads in one call (a cached rerun's listing and stat were ~0.5 s of
 * JavaScript and one stat(2) per absolute path).
 */
export async function sortedFilesUnder(root: string, scan: NativeCodec['scanTree'] | null = nativeCodec()?.scanTree ?? null): Promise<SortedFiles> {
  if (!scan) return { rels: (await filesUnder(root)).sort() };
  const found = await scan(root, Math.max(1, Math.min(availableParallelism(), 4)));
  const rels = found.paths === '' ? [] : found.paths.split('\0');
  if (found.sorted) return { rels, stats: found.stats };
  // A name outside the BMP: UTF-8 byte order may differ from sort()'s UTF-16 order. Sort here, stats alike.
  const order = rels.map((_, i) => i).sort((a, b) => (rels[a]! < rels[b]! ? -1 : rels[a]! > rels[b]! ? 1 : 0));
  const stats = new BigInt64Array(found.stats.length);
  order.forEach((from, to) => stats.set(found.stats.subarray(from * 4, from * 4 + 4), to * 4));
  return { rels: order.map((i) => rels[i]!), stats };
}
