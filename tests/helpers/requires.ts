// Honest skips. A test whose precondition is missing (real data, a reference toolkit, the native
// addon) is registered as skipped, so uvu counts it under "Skipped" and `npm test` lists the reason;
// under CI=true the same test is registered as a failure that says what is missing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Test } from 'uvu';
import { pythonHas } from '../reference/dicom-nifti-check.ts';
import { SHARED_DATA } from './paths.ts';

export interface Requirement {
  readonly ok: boolean;
  /** What is missing and how to get it (shown when the test is skipped or fails under CI). */
  readonly why: string;
}

export function requirement(ok: boolean, why: string): Requirement {
  return { ok, why };
}

const ci = process.env.CI === 'true';

/**
 * Registers tests on `suite` that need `requirements`.
 * @example
 *   const it = requires(Suite, realData('pneumoniamnist'));
 *   it('trains on the real slice', async () => { ... });
 */
export function requires<T>(suite: Test<T>, ...requirements: Requirement[]): (name: string, fn: (ctx: T) => unknown) => void {
  const missing = requirements.filter((r) => !r.ok);
  if (missing.length === 0) return (name, fn) => suite(name, fn as never);
  const why = missing.map((r) => r.why).join('; ');
  if (ci) {
    return (name) =>
      suite(name, () => {
        throw new Error(`CI=true and a precondition is missing: ${why}`);
      });
  }
  return (name, fn) => {
    console.log(`  skipped: ${name} — ${why}`);
    suite.skip(name, fn as never);
  };
}

/** A data set under ../shared/data (resolved from the project root), with the files the test reads. */
export function realData(set: string, ...files: string[]): Requirement {
  const dir = path.join(SHARED_DATA, set);
  const absent = [dir, ...files.map((f) => path.join(dir, f))].find((p) => !existsSync(p));
  return requirement(absent === undefined, `${absent} not found (the shared real data sits beside the project as ../shared/data)`);
}

/** python3 imports every module (and the commands run): a reference toolkit is installed. */
export function toolkit(modules: readonly string[], apt: string, commands: readonly string[] = []): Requirement {
  const tools = pythonHas(modules, commands);
  return requirement(tools.ok, `${tools.why} (apt-get install ${apt})`);
}

export const sklearn = (): Requirement => toolkit(['sklearn', 'numpy'], 'python3-sklearn python3-numpy');

/** The native addon (oneDNN + OpenBLAS) is built and loads. */
export function nativeAddon(load: { ok: boolean; reason?: string; fix?: string }): Requirement {
  return requirement(load.ok, `native addon: ${load.reason ?? 'not loaded'}${load.fix ? ` (fix: ${load.fix})` : ''}`);
}
