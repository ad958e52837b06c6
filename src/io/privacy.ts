import { createHmac } from 'node:crypto';

/**
 * The salt used when a caller gives none. It is public, so hashes made with it only hide an
 * identifier from a casual reader: short numeric PatientIDs can be recovered by trying them all.
 * Pipelines should pass a per-project secret salt (e.g. one generated once and kept beside the cache).
 */
export const DEFAULT_GROUP_SALT = 'medpipe-group-key-v1';

/**
 * A short, stable, non-reversible stand-in for an identifier (PatientID, StudyInstanceUID, ...),
 * safe to store in cache keys, reports and logs.
 *
 * HMAC-SHA256 keyed by the salt rather than sha256(salt + value): same cost, and no ambiguity
 * between where the salt ends and the value starts. 16 hex chars = 64 bits, far more than needed
 * to keep distinct patients apart in any data set. Surrounding DICOM padding (spaces, NULs) is
 * trimmed so the same ID from two files gives the same key.
 * @example
 *   saltedHash('1CT1', projectSalt) // → 'c0ffee…' (16 hex chars)
 */
export function saltedHash(value: string, salt: string = DEFAULT_GROUP_SALT): string {
  const normalized = value.replace(/^[\s\0]+|[\s\0]+$/g, '');
  return createHmac('sha256', salt).update(normalized, 'utf8').digest('hex').slice(0, 16);
}
