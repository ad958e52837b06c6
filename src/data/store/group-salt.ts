/**
 * Salt for the hashed group keys read from DICOM (PatientID, StudyInstanceUID). Set
 * MEDPIPE_GROUP_SALT to a project secret: with the public default, short IDs could be recovered by
 * trying them all. Only a hash of a hash of it enters cache keys; workers read it from the environment.
 */
import { sha256 } from '../../base/canonical.ts';
import { decoderKey } from '../../io/decoder-version.ts';

/**
 * The environment's part of an ingest's cache key: the decoder (the codec addon or sharp decode
 * JPEG luma differently), and the salt when one is set — a hash of a hash of it, never the salt;
 * nothing when no salt is set.
 */
export function ingestKeyEnv(): Readonly<Record<string, string>> {
  const salt = saltKey();
  return { decoder: decoderKey(), ...(salt ? { groupSalt: salt } : {}) };
}

/** The salt as keys and jobs name it: a hash of a hash of MEDPIPE_GROUP_SALT; undefined when none is set. */
export function saltKey(): string | undefined {
  const salt = process.env.MEDPIPE_GROUP_SALT || undefined;
  return salt ? sha256(sha256(salt)).slice(0, 16) : undefined;
}
