/** The stage registry, derived from the definitions listed in src/stages/all.ts. */
import * as all from './all.ts';
import type { AnyDefinition } from './core/define-stage.ts';

type Listed = (typeof all)[keyof typeof all];

/** Every stage kind medpipe knows. */
export type StageKind = Listed['kind'];

export const STAGES: readonly Listed[] = Object.values(all);

const byKind: ReadonlyMap<string, AnyDefinition> = new Map(STAGES.map((definition) => [definition.kind, definition as AnyDefinition]));

/** The definition of a kind; undefined for a kind medpipe does not know (a plain-JavaScript pipeline). */
export function definitionOf(kind: string): AnyDefinition | undefined {
  return byKind.get(kind);
}

/** The kinds, sorted, for messages. */
export const STAGE_KINDS: readonly StageKind[] = STAGES.map((definition) => definition.kind).sort();
