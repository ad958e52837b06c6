/**
 * Every stage kind medpipe knows, as one list. The runtime's registry, the `StageKind` type and the
 * docs derive from it; a factory whose definition is missing here does not compile.
 */
import { augmentStage } from './augment.ts';
import { buildStage } from './build.ts';
import type { AnyDefinition } from './core/define-stage.ts';
import { crossValidateStage } from './cross-validate.ts';
import { evaluateStage } from './evaluate.ts';
import { fitStage } from './fit.ts';
import { ingestCsvStage, ingestFolderStage, ingestNpzStage } from './ingest.ts';
import { normalizeStage } from './normalize.ts';
import { splitStage } from './split.ts';
import { tuneStage } from './tune.ts';

export const STAGES = [
  ingestFolderStage,
  ingestCsvStage,
  ingestNpzStage,
  normalizeStage,
  augmentStage,
  splitStage,
  buildStage,
  fitStage,
  tuneStage,
  crossValidateStage,
  evaluateStage,
] as const;

export type StageKind = (typeof STAGES)[number]['kind'];

const byKind: ReadonlyMap<string, AnyDefinition> = new Map(STAGES.map((definition) => [definition.kind, definition as AnyDefinition]));

/** The definition of a kind; undefined for a kind medpipe does not know (a plain-JavaScript pipeline). */
export function definitionOf(kind: string): AnyDefinition | undefined {
  return byKind.get(kind);
}

export const STAGE_KINDS: readonly StageKind[] = STAGES.map((definition) => definition.kind);
