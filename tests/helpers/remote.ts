// Helpers for tests of the remote cache: key pairs, and a check that a file:// remote holds no entry
// pointing at a missing or damaged blob.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface Keys {
  readonly a: string;
  readonly aPub: string;
  readonly b: string;
  readonly bPub: string;
}

/** Two key pairs in `dir`: a (the writer) and b (a stranger). */
export async function makeKeys(dir: string): Promise<Keys> {
  const { writeKeyPair } = await import('../../src/remote/signing.ts');
  const a = await writeKeyPair(path.join(dir, 'a'));
  const b = await writeKeyPair(path.join(dir, 'b'));
  return { a: a.privateFile, aPub: a.publicFile, b: b.privateFile, bPub: b.publicFile };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of await readdir(dir).catch(() => [] as string[])) {
    for (const name of await readdir(path.join(dir, sub)).catch(() => [] as string[])) if (!name.startsWith('.')) out.push(path.join(dir, sub, name));
  }
  return out;
}

export interface RemoteEntryInfo {
  readonly key: string;
  readonly stage: string;
  readonly kind: string;
  readonly blobs: Record<string, { hash: string; size: number }>;
}

/** Every entry in a file:// remote (the envelope's entry), and every blob file. */
export async function listRemote(root: string): Promise<{ entries: RemoteEntryInfo[]; blobs: string[] }> {
  const entries: RemoteEntryInfo[] = [];
  for (const file of await filesUnder(path.join(root, 'ac'))) {
    const envelope = JSON.parse(await readFile(file, 'utf8')) as { entry: string };
    entries.push(JSON.parse(envelope.entry) as RemoteEntryInfo);
  }
  return { entries, blobs: await filesUnder(path.join(root, 'cas')) };
}

/** Problems of a file:// remote: entries naming a blob that is missing, or that does not hash to its name. */
export async function danglingEntries(root: string): Promise<string[]> {
  const problems: string[] = [];
  for (const entry of (await listRemote(root)).entries) {
    for (const [name, { hash, size }] of Object.entries(entry.blobs)) {
      const bytes = await readFile(path.join(root, 'cas', hash.slice(0, 2), hash)).catch(() => undefined);
      if (!bytes) problems.push(`${entry.stage}: blob ${name} missing`);
      else if (bytes.byteLength !== size || createHash('sha256').update(bytes).digest('hex') !== hash) problems.push(`${entry.stage}: blob ${name} damaged`);
    }
  }
  return problems;
}
