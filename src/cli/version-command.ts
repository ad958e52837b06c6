import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runsBundle } from '../base/bundle.ts';
import { medpipeVersion } from '../history/finish-run.ts';

/**
 * `medpipe version`: the version, and how this medpipe runs: its prebuilt bundle (dist/, fast to
 * start) or its TypeScript sources through tsx, with the reason (edited sources, no build).
 */
export async function versionCommand(): Promise<number> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  // Imported by a computed URL so that it is not bundled: bin/ is plain JavaScript beside the sources.
  const freshness = pathToFileURL(join(root, 'bin', 'fresh-bundle.mjs')).href;
  const { freshBundle } = (await import(freshness)) as { freshBundle: (root: string) => { dir?: string; reason?: string } };
  const how = runsBundle()
    ? 'runs its prebuilt bundle (dist/)'
    : `runs its TypeScript sources through tsx (${freshBundle(root).reason ?? 'dist/ was built after this process started'}; \`npm run build\` rebuilds dist/)`;
  process.stdout.write(`medpipe ${medpipeVersion() ?? '(unknown version)'}: ${how}\n`);
  return 0;
}
