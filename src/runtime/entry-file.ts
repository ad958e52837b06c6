/**
 * The bytes of a cache entry file. An entry is JSON whose `meta` (a stage's output data) can be
 * megabytes — evaluate's curves and predictions are 12 MB at 10^5 images — while a lookup needs
 * only its head (key, output hash, objects). So the file carries two checksums over its own bytes:
 *
 *   {"sha256":"<head>","metaSha256":"<meta>","metaAt":"<offset, 12 digits>","entry":{…head…,"meta":…}}
 *
 * Both are verified on every lookup (a torn or edited file is a miss), but only the head is
 * parsed: `meta` is a getter that parses its bytes when the output is loaded. Checksums are of the
 * bytes as written, so reading needs no canonical re-serialisation (which cost more than the parse). Files of the first
 * layout (`{"checksum": sha256 of the canonical entry, "entry": …}`) are still read.
 * @example
 *   await writeFileAtomic(path, entryFileBytes(entry));
 *   const entry = parseEntryFile(await readFile(path)); // undefined when it does not verify
 */
import { createHash } from 'node:crypto';
import { canonicalJson, sha256 } from '../base/canonical.ts';
import { jsonChunks } from '../base/json-chunks.ts';
import type { CacheEntry } from './cache-store.ts';

const PREFIX = '{"sha256":"';
const META_FIELD = ',"meta":';
const DIGITS = 12;
/** Bytes before the head: the prefix, two hex digests, the offset and the field names between them. */
const HEAD_AT = PREFIX.length + 64 + '","metaSha256":"'.length + 64 + '","metaAt":"'.length + DIGITS + '","entry":'.length;

export function entryFileBytes(entry: CacheEntry): Buffer {
  return Buffer.concat([...entryFilePieces(entry)].map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)));
}

/**
 * The same bytes in pieces for writeFileAtomic: the meta's JSON is made twice, piece by piece (once
 * for its checksum and length, once to write it), so a large output is never one string in memory.
 */
export function entryFilePieces(entry: CacheEntry): Iterable<string | Uint8Array> {
  const { meta, ...head } = entry;
  const headBytes = Buffer.from(JSON.stringify(head).slice(0, -1)); // without its closing brace: the meta follows
  const metaText = () => (meta === undefined ? ['null'] : jsonChunks(meta));
  const hash = createHash('sha256');
  for (const piece of metaText()) hash.update(piece);
  const metaAt = HEAD_AT + headBytes.byteLength;
  const prefix = `${PREFIX}${sha256(headBytes)}","metaSha256":"${hash.digest('hex')}","metaAt":"${String(metaAt).padStart(DIGITS, '0')}","entry":`;
  return (function* () {
    yield prefix;
    yield headBytes;
    yield META_FIELD;
    yield* metaText();
    yield '}}';
  })();
}

/** Whether a file has the first layout (then it is worth rewriting once it verifies). */
export const isFirstLayout = (bytes: Buffer): boolean => bytes.subarray(0, PREFIX.length).toString('latin1') !== PREFIX;

/** The verified entry of a file's bytes, or undefined when any of them is damaged. */
export function parseEntryFile(bytes: Buffer): CacheEntry | undefined {
  if (isFirstLayout(bytes)) return parseFirstLayout(bytes);
  if (bytes.byteLength < HEAD_AT + 2) return undefined;
  const prefix = bytes.toString('latin1', 0, HEAD_AT);
  const match = /^\{"sha256":"([0-9a-f]{64})","metaSha256":"([0-9a-f]{64})","metaAt":"(\d{12})","entry":$/.exec(prefix);
  if (!match) return undefined;
  const metaAt = Number(match[3]);
  const metaStart = metaAt + META_FIELD.length;
  if (metaStart > bytes.byteLength - 2 || bytes.toString('latin1', metaAt, metaStart) !== META_FIELD) return undefined;
  const headBytes = bytes.subarray(HEAD_AT, metaAt);
  if (sha256(headBytes) !== match[1]) return undefined;
  let entry: CacheEntry;
  try {
    entry = JSON.parse(`${headBytes.toString('utf8')}}`) as CacheEntry;
  } catch {
    return undefined;
  }
  const metaBytes = bytes.subarray(metaStart, bytes.byteLength - 2);
  if (sha256(metaBytes) !== match[2] || bytes.toString('latin1', bytes.byteLength - 2) !== '}}') return undefined;
  let meta: { value: unknown } | undefined;
  Object.defineProperty(entry, 'meta', {
    enumerable: true,
    configurable: true,
    get: () => (meta ??= { value: JSON.parse(metaBytes.toString('utf8')) }).value,
  });
  return entry;
}

/** The first layout: the whole entry parsed, its checksum over the canonical form. */
function parseFirstLayout(bytes: Buffer): CacheEntry | undefined {
  let parsed: { checksum?: string; entry?: CacheEntry };
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const entry = parsed.entry;
  if (!entry || parsed.checksum !== sha256(canonicalJson(entry))) return undefined;
  return entry;
}
