import * as assert from 'uvu/assert';
import { MedpipeError } from '../../src/base/errors.ts';

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

/** Runs `fn`, expects it to throw a MedpipeError of `code` whose message matches and that carries a fix. */
export function throwsCode(fn: () => unknown, code: string, pattern: RegExp): void {
  try {
    fn();
  } catch (error) {
    assert.instance(error, MedpipeError);
    assert.is((error as MedpipeError).code, code);
    assert.match((error as MedpipeError).message, pattern);
    assert.ok((error as MedpipeError).fix, 'error carries a fix');
    return;
  }
  assert.unreachable(`expected a ${code} error`);
}
