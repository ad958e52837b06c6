/**
 * A large listing's cache object (KeyInputs.listing): every input file's path and content hash,
 * the one place a data set's source hashes are stored (the shards, tables and stat cache refer to
 * it, never repeat it). Layout: "MPLIST2\n", a u32 length and a JSON header (count; the values that
 * are not sha256 hex, by index), the paths in sorted order joined by NUL and deflated, then 32
 * bytes a path (the sha256; zeros where the header has the value). About 35 bytes a file, where
 * canonical JSON took about 100.
 * @example
 *   const { bytes, keys } = encodeListing(files); decodeListing(bytes).files; // equal to files
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { indexOfSorted } from '../base/sorted.ts';
import type { KeyInputs } from './cache-key.ts';

const MAGIC = 'MPLIST2\n';
const HEX = /^[0-9a-f]{64}$/;

/** A listing as columns: paths in code-unit order (as canonical JSON sorts keys), each once, and each one's value. */
export interface ListingColumns {
  readonly keys: readonly string[];
  readonly values: readonly string[];
}

/** The object's bytes and its paths in their stored order (sorted as canonical JSON sorts keys). */
export function encodeListing(files: Readonly<Record<string, string>>): EncodedListing {
  const keys = Object.keys(files);
  // Ingest builds its files in path order: checking is one pass, sorting 10^5 strings is not.
  if (!keys.every((key, i) => i === 0 || keys[i - 1]! < key)) keys.sort();
  return encodeListingColumns({ keys, values: keys.map((key) => files[key]!) });
}

/** A listing object's bytes, and the same decoded (what decodeListingParts gives for the bytes). */
export interface EncodedListing {
  readonly bytes: Uint8Array;
  /** The paths in stored order. */
  readonly keys: readonly string[];
  readonly parts: DecodedListing;
}

/**
 * encodeListing's bytes from columns (no object of 10^5 keys built). `deflatedPaths`: the paths
 * part of an earlier object whose paths are these keys (the usual rerun: same files, one changed),
 * which deflating them again would give byte for byte.
 */
export function encodeListingColumns(columns: ListingColumns, deflatedPaths?: Uint8Array): EncodedListing {
  const { keys, values } = columns;
  const other: Record<number, string> = {};
  // Usually every value is a hash: all decoded in one call, checked by encoding them back (one
  // string compare, where a test and a write a value cost ~3 µs each at 10^5 files).
  let whole = true;
  for (let i = 0; i < values.length && whole; i++) whole = values[i]!.length === 64;
  const joined = whole ? values.join('') : '';
  let hashes = whole ? Buffer.from(joined, 'hex') : Buffer.alloc(0);
  const asHex = whole && hashes.byteLength === values.length * 32 && hashes.toString('hex') === joined;
  if (!asHex) {
    hashes = Buffer.alloc(keys.length * 32);
    for (let i = 0; i < keys.length; i++) {
      const value = values[i]!;
      if (HEX.test(value)) hashes.write(value, i * 32, 'hex');
      else other[i] = value;
    }
  }
  const paths = deflatedPaths ?? deflateRawSync(Buffer.from(keys.join('\0'), 'utf8'), { level: 6 });
  const header = Buffer.from(JSON.stringify({ count: keys.length, paths: paths.byteLength, other }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.byteLength);
  const parts: DecodedListing = { keys, hashes, other, deflatedPaths: paths };
  if (asHex) hexOf.set(parts, joined); // the values are its hashes' hex already
  return { bytes: Buffer.concat([Buffer.from(MAGIC, 'latin1'), length, header, paths, hashes]), keys, parts };
}

export interface DecodedListing {
  /** Paths in stored order. */
  readonly keys: readonly string[];
  /** 32 bytes per path (its sha256), zeros where `other` has its value. */
  readonly hashes: Buffer;
  readonly other: Readonly<Record<number, string>>;
  /** The paths as stored (deflated): encodeListingColumns reuses them for the same paths. */
  readonly deflatedPaths: Uint8Array;
}

/** The listing's parts, or undefined when the bytes are not a listing object of this layout. */
export function decodeListingParts(bytes: Uint8Array): DecodedListing | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.byteLength < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const length = buf.readUInt32LE(MAGIC.length);
  let at = MAGIC.length + 4;
  const { count, paths, other } = JSON.parse(buf.toString('utf8', at, at + length)) as { count: number; paths: number; other: Record<number, string> };
  at += length;
  const deflatedPaths = buf.subarray(at, at + paths);
  const keys = count === 0 ? [] : inflateRawSync(deflatedPaths).toString('utf8').split('\0');
  at += paths;
  if (keys.length !== count || buf.byteLength !== at + count * 32) return undefined;
  return { keys, hashes: buf.subarray(at), other, deflatedPaths };
}

/** Each listing's hashes as one hex string, made on the first value asked for: a value is then a slice of it (a toString a path cost ~0.5 µs, 10^5 of them a rerun's). */
const hexOf = new WeakMap<DecodedListing, string>();

/** The hash (or other value) of path `i`. */
export function listingValue(parts: DecodedListing, i: number): string {
  const other = parts.other[i];
  if (other !== undefined) return other;
  let hex = hexOf.get(parts);
  if (hex === undefined) {
    hex = parts.hashes.toString('hex');
    hexOf.set(parts, hex);
  }
  return hex.slice(i * 64, i * 64 + 64);
}

/** The hash (or other value) of one path, by binary search over the sorted paths: no object of 10^5 entries built. */
export function listingLookup(parts: DecodedListing): (path: string) => string | undefined {
  return (path) => {
    const at = indexOfSorted(parts.keys, path);
    return at < 0 ? undefined : listingValue(parts, at);
  };
}

/** A key's input files as a lookup (path → hash); undefined when its listing object is gone or damaged. */
export async function filesLookup(
  store: { getObject(hash: string): Promise<Uint8Array | undefined> },
  inputs: KeyInputs,
): Promise<((path: string) => string | undefined) | undefined> {
  if (inputs.files) {
    const files = inputs.files;
    return (path) => (Object.hasOwn(files, path) ? files[path] : undefined);
  }
  const bytes = inputs.listing && (await store.getObject(inputs.listing.hash));
  const parts = bytes && decodeListingParts(bytes);
  return parts ? listingLookup(parts) : undefined;
}

/** What changed between two listings (paths added, removed, with another hash), walking both sorted path lists once. */
export function diffListings(before: DecodedListing, after: DecodedListing): { added: number; removed: number; changed: number; examples: string[] } {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  let i = 0;
  let j = 0;
  const a = before.keys;
  const b = after.keys;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) removed.push(a[i++]!);
    else if (i >= a.length || b[j]! < a[i]!) added.push(b[j++]!);
    else {
      const same =
        before.other[i] !== undefined || after.other[j] !== undefined
          ? listingValue(before, i) === listingValue(after, j)
          : before.hashes.compare(after.hashes, j * 32, j * 32 + 32, i * 32, i * 32 + 32) === 0;
      if (!same) changed.push(b[j]!);
      i++;
      j++;
    }
  }
  return { added: added.length, removed: removed.length, changed: changed.length, examples: [...changed, ...added, ...removed].slice(0, 3) };
}

/** path → hash, as the listing was keyed; undefined for bytes that are not a listing object. */
export function decodeListing(bytes: Uint8Array): Record<string, string> | undefined {
  const parts = decodeListingParts(bytes);
  if (!parts) return undefined;
  const files: Record<string, string> = {};
  parts.keys.forEach((key, i) => {
    files[key] = listingValue(parts, i);
  });
  return files;
}

/** Key inputs with a large listing read back from its object (a placeholder entry when it is gone). */
export async function withFiles(
  store: { getObject(hash: string): Promise<Uint8Array | undefined> },
  inputs: KeyInputs | undefined,
): Promise<KeyInputs | undefined> {
  if (!inputs?.listing) return inputs;
  const bytes = await store.getObject(inputs.listing.hash);
  const { listing, ...rest } = inputs;
  const files = bytes && decodeListing(bytes);
  if (!files) return { ...rest, files: { [`(${listing.count} files; their list was removed from the cache)`]: listing.hash } };
  return { ...rest, files };
}
