import type { Artifact } from '../../base/artifact.ts';
import type { ObjectRef } from '../../base/object-store.ts';
import { sha256 } from '../../base/canonical.ts';
import type { UnitDefinition, UnitItem } from '../../base/units.ts';
import { canonicalConfig, stageKey, type KeyInputs } from '../cache-key.ts';

/** A unit ready to run: its encoded input, the hashes of its input blobs, its key. */
export interface PreparedUnit {
  readonly key: string;
  readonly label: string;
  readonly inputs: KeyInputs;
  readonly artifact: Artifact;
  /** Input blob name → sha256. */
  readonly blobs: Readonly<Record<string, string>>;
  /** Objects the input points at (a data set's shards), already in the cache: they travel by hash. */
  readonly refs: readonly ObjectRef[];
}

// Units of one stage share big inputs (the training pixels): hash each view of a buffer once.
const hashes = new WeakMap<ArrayBufferLike, Map<string, string>>();

function hashOf(bytes: Uint8Array): string {
  let known = hashes.get(bytes.buffer);
  if (!known) hashes.set(bytes.buffer, (known = new Map()));
  const at = `${bytes.byteOffset}:${bytes.byteLength}`;
  let hash = known.get(at);
  if (hash === undefined) known.set(at, (hash = sha256(bytes)));
  return hash;
}

/**
 * Encodes a unit's input and derives its key the way a stage's key is derived (kind, version, the
 * input's JSON part as config, its blobs' hashes as files, the environment), so `status` and miss
 * reasons read unit entries like stage entries.
 * @example
 *   const unit = await prepareUnit(trialUnit, { input, label: 'grid point 1/4' }, async () => ({ tfjs: '4.22.0', backend: 'native' }));
 */
export async function prepareUnit<I, R>(
  definition: UnitDefinition<I, R>,
  item: UnitItem<I>,
  tfEnv: () => Promise<Readonly<Record<string, string>>>,
): Promise<PreparedUnit> {
  const artifact = await definition.input.encode(item.input);
  const blobs: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(artifact.blobs)) blobs[name] = hashOf(bytes);
  const refs = artifact.refs ?? [];
  const files: Record<string, string> = { ...blobs };
  for (const ref of refs) files[`ref:${ref.hash}`] = ref.hash;
  const inputs: KeyInputs = {
    kind: definition.kind,
    version: definition.version,
    config: canonicalConfig(definition.keyPart ? definition.keyPart(artifact.meta) : artifact.meta),
    upstream: null,
    files,
    env: definition.usesTf ? { ...(await tfEnv()) } : {},
  };
  return { key: stageKey(inputs), label: item.label, inputs, artifact, blobs, refs };
}
