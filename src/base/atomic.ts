import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { crashPoint } from './crash-point.ts';
import { inDir } from './in-dir.ts';

/**
 * Writes a file so that a reader sees either the old content or the complete new one, never a
 * torn write: data goes to a temp file in the same directory, is fsynced, then renamed over.
 * `data` may come in pieces, also from a stream (strings are written as UTF-8), so a large file is never whole in memory.
 * `fsync: false` skips the fsync for files that can be rebuilt (a kill still never tears them;
 * only a power cut can lose them, and then they are redone).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
  options: { readonly fsync?: boolean } = {},
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const handle = await open(tmp, 'w');
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
    else for await (const piece of data) await handle.writeFile(piece); // from the current position on, every byte
    crashPoint('write');
    if (options.fsync !== false) {
      await handle.sync();
      crashPoint('fsync');
    }
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, path);
    crashPoint('rename');
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * writeFileAtomic with `fsync: false` for a small file, in two or three system calls on this thread
 * (no fsync: for files that can be rebuilt; a kill still never tears them). An ingest writes one
 * per job: on libuv's pool its five calls queued behind the codec's decoding calls, and their
 * promises cost this thread more than the calls themselves.
 */
export function writeFileAtomicSync(path: string, data: Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  inDir(dir, () => writeFileSync(tmp, data));
  crashPoint('write');
  try {
    renameSync(tmp, path);
    crashPoint('rename');
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}
