import * as assert from 'uvu/assert';
import { MedpipeError } from '../../src/runtime/errors.ts';

/** Runs `fn`, expects a MedpipeError, and returns it for further checks. */
export async function failure(fn: () => Promise<unknown>): Promise<MedpipeError> {
  try {
    await fn();
  } catch (error) {
    assert.instance(error, MedpipeError);
    return error as MedpipeError;
  }
  assert.unreachable('expected a MedpipeError');
  throw new Error('unreachable');
}
