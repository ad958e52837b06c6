/**
 * Every kind of unit a worker can run, found by its `kind`. A stage that gets a new kind of unit
 adds a line here; docs/distributed.md says how.
 */
import type { UnitDefinition } from '../../base/units.ts';
import { shardUnit } from '../../data/store/shard-unit.ts';
import { foldUnit } from '../../train/cv-fold.ts';
import { trialUnit } from '../../train/tune-trial.ts';

export const UNIT_KINDS: readonly UnitDefinition<any, any>[] = [trialUnit, foldUnit, shardUnit];

export function unitDefinition(kind: string): UnitDefinition<unknown, unknown> | undefined {
  return UNIT_KINDS.find((definition) => definition.kind === kind);
}
