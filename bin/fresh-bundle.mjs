// Whether dist/ (scripts/bundle.mjs) was built from the sources and packages that are here now.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The bundle's folder when every source file it was built from has the size and mtime it had then
 * and the bundled packages have their versions; otherwise undefined and why (MEDPIPE_BUNDLE=0: never).
 */
export function freshBundle(root) {
  if (process.env.MEDPIPE_BUNDLE === '0') return { reason: 'MEDPIPE_BUNDLE=0' };
  const dir = join(root, 'dist');
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'inputs.json'), 'utf8'));
  } catch {
    return { reason: 'dist/ is not built (npm run build)' };
  }
  for (const [name, version] of Object.entries(manifest.packages)) {
    const installed = installedVersion(root, name);
    if (installed !== version) return { reason: `${name} is ${installed ?? 'missing'}, dist/ has ${version}` };
  }
  for (const [file, size, mtimeMs] of manifest.files) {
    const s = statSync(join(root, file), { throwIfNoEntry: false });
    if (!s || s.size !== size || s.mtimeMs !== mtimeMs) return { reason: `${file} changed since dist/ was built` };
  }
  return { dir };
}

/** The version of the package `name` installed under root's node_modules; undefined when it is not. */
export function installedVersion(root, name) {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}
