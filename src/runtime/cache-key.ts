import { canonicalJson, sha256 } from '../base/canonical.ts';
import type { MissReason } from './events.ts';
import { diffPaths } from '../base/diff-paths.ts';

export { diffPaths };

/** Everything a stage's cache key is made of, kept so a later miss can be explained. */
export interface KeyInputs {
  readonly kind: string;
  readonly version: number;
  /** The canonical config (functions by source, see canonical.ts). */
  readonly config: unknown;
  readonly upstream: { readonly stage: string; readonly outputHash: string } | null;
  /** Input files: relative path → content hash. */
  readonly files?: Readonly<Record<string, string>>;
  /**
   * Instead of `files` for a large listing (over LARGE_LISTING files): the cache object holding it
   * (listing-object.ts: paths and binary hashes) and its size. Keeps entries and keys small.
   */
  readonly listing?: { readonly hash: string; readonly count: number };
  /** Environment parts that change results (tfjs version, backend, seed). */
  readonly env: Readonly<Record<string, string>>;
}

/** Listings longer than this are keyed by their digest (KeyInputs.listing). */
export const LARGE_LISTING = 2000;

export function stageKey(inputs: KeyInputs): string {
  return sha256(canonicalJson(inputs));
}

/** Makes a config hashable and comparable: the same canonical form that goes into the key. */
export function canonicalConfig(config: unknown): unknown {
  return JSON.parse(canonicalJson(config ?? null));
}

/**
 * Why `current` differs from `previous` (the inputs of the stage's last run). `files`: how their
 * files differ, when the caller compared two large listings itself (listing-object.ts's diffListings).
 */
export function explainMiss(
  previous: KeyInputs | undefined,
  current: KeyInputs,
  files?: { readonly added: number; readonly removed: number; readonly changed: number; readonly examples: readonly string[] },
): MissReason[] {
  if (!previous) return [{ kind: 'new', detail: 'no earlier run of this stage in this cache' }];
  const reasons: MissReason[] = [];
  if (previous.kind !== current.kind || previous.version !== current.version) {
    reasons.push({
      kind: 'code',
      detail: `${previous.kind} v${previous.version} → ${current.kind} v${current.version}`,
    });
  }
  const fields = diffPaths(previous.config, current.config, '');
  if (fields.length > 0) reasons.push({ kind: 'config', fields });
  if (previous.upstream?.outputHash !== current.upstream?.outputHash) {
    reasons.push({ kind: 'upstream', stage: current.upstream?.stage ?? previous.upstream?.stage ?? '?' });
  }
  if (files) {
    if (files.added + files.removed + files.changed > 0) reasons.push({ kind: 'files', ...files, examples: [...files.examples] });
  } else if (previous.files || current.files) {
    const before = previous.files ?? {};
    const after = current.files ?? {};
    const added: string[] = [];
    const removed: string[] = [];
    const changed: string[] = [];
    for (const [file, hash] of Object.entries(after)) {
      if (!(file in before)) added.push(file);
      else if (before[file] !== hash) changed.push(file);
    }
    for (const file of Object.keys(before)) if (!(file in after)) removed.push(file);
    if (added.length + removed.length + changed.length > 0) {
      reasons.push({
        kind: 'files',
        added: added.length,
        removed: removed.length,
        changed: changed.length,
        examples: [...changed, ...added, ...removed].slice(0, 3),
      });
    }
  }
  const parts = [...new Set([...Object.keys(previous.env), ...Object.keys(current.env)])].filter((part) => previous.env[part] !== current.env[part]);
  if (parts.length > 0) reasons.push({ kind: 'env', parts: parts.map((p) => `${p} ${previous.env[p] ?? '-'} → ${current.env[p] ?? '-'}`) });
  if (reasons.length === 0) reasons.push({ kind: 'corrupt', detail: 'the entry was missing or failed verification' });
  return reasons;
}
