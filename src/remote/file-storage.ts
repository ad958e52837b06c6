import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../base/atomic.ts';
import { acPath, casPath, type RemoteStorage } from './storage.ts';

/**
 * A remote cache in a shared folder (NFS, SMB, a mounted bucket): blobs are written to a temp file
 * and renamed into place (a reader sees a whole blob or none); an entry is written to a temp file
 * and hard-linked to its name, which fails when the name exists — `link()` is atomic on every
 * POSIX filesystem (NFS included), so the first writer wins.
 * @example
 *   const storage = fileStorage('/mnt/team/medpipe-cache');
 */
export function fileStorage(root: string, url = `file://${root}`): RemoteStorage {
  const read = async (path: string): Promise<Uint8Array | undefined> => {
    try {
      const bytes = await readFile(join(root, path));
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };
  return {
    url,
    accessFix: `check that ${root} exists and that this user may read it (and write it, for mode readwrite)`,
    cas: {
      size: async (hash) => (await stat(join(root, casPath(hash))).catch(() => undefined))?.size,
      get: (hash) => read(casPath(hash)),
      put: (hash, bytes) => writeFileAtomic(join(root, casPath(hash)), bytes),
    },
    ac: {
      get: (key) => read(acPath(key)),
      async putIfAbsent(key, bytes) {
        const target = join(root, acPath(key));
        await mkdir(dirname(target), { recursive: true });
        const tmp = join(dirname(target), `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
        const handle = await open(tmp, 'w');
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
        try {
          await link(tmp, target);
          return true;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
          throw error;
        } finally {
          await rm(tmp, { force: true });
        }
      },
    },
  };
}
