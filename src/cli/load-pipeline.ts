import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPipeline, type Pipeline } from '../pipeline.ts';
import { bundleEntries, ensureTypeScript } from '../base/bundle.ts';
import { importCompiledPipeline } from './compile-pipeline.ts';
import { MedpipeError } from '../base/errors.ts';

/**
 * Imports a user's pipeline file (TypeScript: compiled in-process under the bundle, else through
 * tsx) and returns its default export.
 * `fresh` loads it (and the local files it imports) anew, for watch mode.
 */
export async function loadPipelineFile(file: string, options: { fresh?: boolean } = {}): Promise<Pipeline<unknown>> {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new MedpipeError('PIPELINE_LOAD', `Pipeline file ${file} does not exist.`, {
      file,
      fix: 'Check the path, or create one with `medpipe init <name> --data <folder>`.',
    });
  }
  let mod: { default?: unknown };
  try {
    const entries = bundleEntries();
    mod = (entries && (await importCompiledPipeline(path, entries, options))) ?? (await importThroughTsx(path, options));
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    throw new MedpipeError('PIPELINE_LOAD', `Pipeline file ${file} failed to load: ${message}`, { file, fix: fixFor(message), cause: error });
  }
  const value = mod.default;
  if (!isPipeline(value)) {
    throw new MedpipeError('PIPELINE_LOAD', `Pipeline file ${file} has no pipeline as its default export.`, {
      file,
      fix: "End the file with `export default pipeline('name').stage(...)`.",
    });
  }
  return value;
}

/** The pipeline module through tsx's loader hooks (`fresh`: its own copy, local imports included). */
async function importThroughTsx(path: string, options: { fresh?: boolean }): Promise<{ default?: unknown }> {
  await ensureTypeScript();
  if (!options.fresh) return (await import(pathToFileURL(path).href)) as { default?: unknown };
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(pathToFileURL(path).href, { parentURL: import.meta.url })) as { default?: unknown };
}

/** The fix for the load errors people actually meet, else the generic one. */
function fixFor(message: string): string {
  if (/Cannot find (package|module) 'medpipe'/.test(message)) {
    return "Install medpipe in this project (`npm install medpipe`, or `npm link` a checkout), so `import ... from 'medpipe'` resolves.";
  }
  if (/require\(\) (of )?ES Module|Cannot use import statement outside a module|ERR_REQUIRE_ESM/.test(message)) {
    return 'The pipeline is loaded as CommonJS: add "type": "module" to the nearest package.json, or name the file .mts.';
  }
  return 'Fix the error in the pipeline file (run `npx tsc --noEmit` to see type errors).';
}
