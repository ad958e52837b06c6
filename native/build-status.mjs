// What the addon builds (native/build.mjs, native/codec/build.mjs, native/cuda/build.mjs) do when they stop: record
// the outcome in <buildDir>/status.json, which the runtime reads for its one-line reason, and on a failure print
// one line (why, and the fix) and exit 0 — an install never fails because an optional backend cannot build.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `failLine(reason)` is the line a failed build prints. */
export function buildStatus(buildDir, failLine) {
  function record(status) {
    try {
      mkdirSync(buildDir, { recursive: true });
      writeFileSync(join(buildDir, 'status.json'), `${JSON.stringify({ ...status, at: new Date().toISOString() })}\n`);
    } catch {
      // A read-only install tree: the runtime then gives the generic reason.
    }
  }
  function fail(reason, log) {
    record({ ok: false, reason, log });
    console.log(failLine(reason));
    process.exit(0);
  }
  return { record, fail };
}
