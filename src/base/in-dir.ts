/**
 * Writing into a folder that was made once: the first write of a process makes the folder, later
 * ones skip the mkdir (a system call a file), and a write that finds the folder gone (a cache
 * cleared, a test's folder removed) makes it again and retries.
 * @example
 *   inDir(dir, () => writeFileSync(join(dir, name), bytes));
 */
import { mkdirSync } from 'node:fs';

/** Folders this process has made (or found): made again only when a call finds one gone (ENOENT). */
const madeDirs = new Set<string>();

/** `act()`, after making `dir` the first time, and again should `act` find it gone. */
export function inDir<T>(dir: string, act: () => T): T {
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    madeDirs.add(dir);
  }
  try {
    return act();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dir, { recursive: true });
    return act();
  }
}
