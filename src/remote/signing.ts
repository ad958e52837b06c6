/**
 * Ed25519 signatures on remote cache entries (node:crypto, no dependency): a writer signs each entry
 * with its private key; a reader accepts an entry only when the signature verifies with one of the
 * public keys it trusts. Keys are PEM files: `medpipe keygen <name>` writes `<name>.key` (private,
 * mode 0600) and `<name>.pub`; a trust file may hold several public keys one after another.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sha256 } from '../base/canonical.ts';
import { MedpipeError } from '../base/errors.ts';

export interface Signer {
  /** The public key as raw bytes in base64url (JWK `x`): what an entry names as its signer. */
  readonly publicKey: string;
  readonly sign: (data: Uint8Array) => string;
}

/** Trusted public keys, by their raw base64url form. */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

/** A short, stable name for a public key in messages (first 12 hex digits of its sha256). */
export function keyId(publicKey: string): string {
  return sha256(Buffer.from(publicKey, 'base64url')).slice(0, 12);
}

function rawOf(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return jwk.x;
}

/** Loads a private key (PEM, PKCS#8) for signing. */
export function loadSigner(file: string): Signer {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
    rawOf(createPublicKey(key));
  } catch (cause) {
    throw new MedpipeError('INVALID_CONFIG', `${file} is not an Ed25519 private key in PEM format.`, {
      file,
      cause,
      fix: 'Make a key pair with `medpipe keygen <name>` and pass <name>.key as --remote-key (or MEDPIPE_REMOTE_KEY).',
    });
  }
  const publicKey = rawOf(createPublicKey(key));
  return { publicKey, sign: (data) => sign(null, data, key).toString('base64') };
}

/** Reads every PEM public key in the files (each file may hold several). */
export function loadTrustedKeys(files: readonly string[]): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new MedpipeError('INVALID_CONFIG', `The trusted-keys file ${file} cannot be read.`, {
        file,
        cause,
        fix: 'Pass the .pub files written by `medpipe keygen` as --remote-trust (or MEDPIPE_REMOTE_TRUST), separated by commas.',
      });
    }
    const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
    if (blocks.length === 0) {
      throw new MedpipeError('INVALID_CONFIG', `${file} holds no PEM public key.`, { file, fix: 'Use the .pub file written by `medpipe keygen`.' });
    }
    for (const block of blocks) {
      try {
        const key = createPublicKey(block);
        keys.set(rawOf(key), key);
      } catch (cause) {
        throw new MedpipeError('INVALID_CONFIG', `${file} holds a public key that is not Ed25519.`, {
          file,
          cause,
          fix: 'Use the .pub file written by `medpipe keygen`.',
        });
      }
    }
  }
  return keys;
}

/** Whether `signature` (base64) over `data` verifies with the trusted key `publicKey`. */
export function verifySignature(trusted: TrustedKeys, publicKey: string, data: Uint8Array, signature: string): boolean {
  const key = trusted.get(publicKey);
  if (!key) return false;
  try {
    return verify(null, data, key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** The public key of a signer as a KeyObject (a writer trusts its own entries). */
export function publicKeyObject(signer: Signer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: signer.publicKey }, format: 'jwk' });
}

/** Writes a new key pair: `<base>.key` (PKCS#8 PEM, mode 0600) and `<base>.pub` (SPKI PEM). */
export async function writeKeyPair(base: string): Promise<{ privateFile: string; publicFile: string; id: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await mkdir(dirname(base), { recursive: true });
  const privateFile = `${base}.key`;
  const publicFile = `${base}.pub`;
  await writeFile(privateFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  await writeFile(publicFile, publicKey.export({ format: 'pem', type: 'spki' }), { flag: 'wx' });
  return { privateFile, publicFile, id: keyId(rawOf(publicKey)) };
}
