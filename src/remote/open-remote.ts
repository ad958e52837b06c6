import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MedpipeError } from '../base/errors.ts';
import { fileStorage } from './file-storage.ts';
import { RemoteCache, type RemoteEntry, type RemoteMode } from './remote-cache.ts';
import { s3Storage } from './s3-storage.ts';
import { loadSigner, loadTrustedKeys, publicKeyObject } from './signing.ts';
import type { RemoteStorage } from './storage.ts';

/** How to reach and use a shared cache (`--remote` and friends, or MEDPIPE_REMOTE*). */
export interface RemoteOptions {
  /** `s3://bucket/prefix` or `file:///shared/dir`. */
  readonly url: string;
  /** `read` never uploads; `readwrite` uploads what this machine computes. @default 'read' */
  readonly mode?: RemoteMode;
  /** Ed25519 private key (PEM) that signs uploads; required for readwrite. Its public key is trusted too. */
  readonly key?: string;
  /** Public key files (PEM) whose entries are trusted. @default none: only the own key's */
  readonly trust?: readonly string[];
}

/** The remote settings in the environment: MEDPIPE_REMOTE, MEDPIPE_REMOTE_MODE, MEDPIPE_REMOTE_KEY, MEDPIPE_REMOTE_TRUST (comma-separated). */
export function remoteOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): RemoteOptions | undefined {
  if (!env.MEDPIPE_REMOTE) return undefined;
  return {
    url: env.MEDPIPE_REMOTE,
    mode: env.MEDPIPE_REMOTE_MODE as RemoteMode | undefined,
    key: env.MEDPIPE_REMOTE_KEY || undefined,
    trust: env.MEDPIPE_REMOTE_TRUST ? env.MEDPIPE_REMOTE_TRUST.split(',').filter(Boolean) : undefined,
  };
}

/** The storage a URL names. */
export function storageFor(url: string): RemoteStorage {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL('invalid:');
  }
  if (parsed.protocol === 'file:') return fileStorage(fileURLToPath(parsed), url);
  if (parsed.protocol === 's3:' && parsed.hostname) return s3Storage(parsed.hostname, decodeURIComponent(parsed.pathname), url);
  throw new MedpipeError('INVALID_CONFIG', `--remote '${url}' is not a remote cache location.`, {
    fix: 'Use s3://bucket/prefix (endpoint, region and credentials from the AWS environment) or file:///shared/folder.',
  });
}

/**
 * Opens a remote cache: checks the settings (mode, keys) and builds the verified cache over the
 * storage the URL names. Nothing is contacted yet.
 * @example
 *   const remote = openRemote({ url: 's3://lab-cache/medpipe', trust: ['ci.pub'] }, { check });
 */
export function openRemote<E extends RemoteEntry>(
  options: RemoteOptions,
  hooks: { check: (entry: E) => boolean; describe?: (entry: E) => string },
): RemoteCache<E> {
  const mode = options.mode ?? 'read';
  if (mode !== 'read' && mode !== 'readwrite') {
    throw new MedpipeError('INVALID_CONFIG', `--remote-mode '${String(mode)}' is not a mode.`, {
      fix: "Use 'read' (download only) or 'readwrite' (also upload; for trusted CI and workers).",
    });
  }
  if (mode === 'readwrite' && !options.key) {
    throw new MedpipeError('INVALID_CONFIG', '--remote-mode readwrite needs a key to sign what it uploads.', {
      fix: 'Make one with `medpipe keygen ci` and pass --remote-key ci.key (or MEDPIPE_REMOTE_KEY); readers trust ci.pub.',
    });
  }
  const signer = options.key ? loadSigner(resolve(options.key)) : undefined;
  const trusted = loadTrustedKeys((options.trust ?? []).map((file) => resolve(file)));
  if (signer) trusted.set(signer.publicKey, publicKeyObject(signer));
  if (trusted.size === 0) {
    throw new MedpipeError('INVALID_CONFIG', `--remote ${options.url}: no key is trusted, so no remote entry could ever be used.`, {
      fix: "Pass the writers' public keys: --remote-trust ci.pub (or MEDPIPE_REMOTE_TRUST=ci.pub,other.pub).",
    });
  }
  return new RemoteCache<E>({ storage: storageFor(options.url), mode, signer, trusted, ...hooks });
}
