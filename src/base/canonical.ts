import { createHash } from 'node:crypto';
import { jsonChunks } from './json-chunks.ts';

/**
 * Canonical JSON for hashing: object keys sorted, `undefined` dropped, functions by their
 * source text (so editing a user function invalidates the stage), typed arrays by content hash,
 * non-finite numbers spelled out (JSON would turn them into null and make NaN equal to Infinity).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(toCanonical(value, new Set()));
}

/**
 * What canonical JSON puts for a value: itself for JSON scalars, arrays and plain objects (which
 * the caller walks), a stand-in for the rest, undefined where the value is dropped.
 */
export function canonicalLeaf(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $number: String(value) };
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (typeof value === 'function') return { $function: normalizeSource(value.toString()) };
  if (value === undefined || typeof value === 'symbol') return undefined;
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return { $bytes: sha256(bytes) };
  }
  if (value instanceof RegExp) return { $regexp: value.toString() };
  if (value instanceof Date) return { $date: value.toISOString() };
  return value;
}

function toCanonical(value: unknown, seen: Set<unknown>): unknown {
  const leaf = canonicalLeaf(value);
  if (leaf !== value || leaf === null || typeof leaf !== 'object') return leaf;
  if (seen.has(value)) throw new TypeError('Cannot hash a cyclic configuration object.');
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => toCanonical(item, seen) ?? null);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const item = toCanonical((value as Record<string, unknown>)[key], seen);
      if (item !== undefined) out[key] = item;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** Function source with whitespace runs collapsed, so reformatting alone does not invalidate. */
function normalizeSource(source: string): string {
  return source.replace(/\s+/g, ' ').trim();
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of canonicalJson(value), hashed piece by piece: a large value is never one string. */
export function hashJson(value: unknown): string {
  const hash = createHash('sha256');
  for (const piece of jsonChunks(value, { canonical: true })) hash.update(piece);
  return hash.digest('hex');
}
