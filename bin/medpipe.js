#!/usr/bin/env node
// Runs the prebuilt bundle (dist/, scripts/bundle.mjs) when it matches the sources; otherwise registers
// tsx so that medpipe's TypeScript sources load without a build step. Users' pipeline files are
// TypeScript either way: with the bundle compiled in-process (src/cli/compile-pipeline.ts), else through tsx.
import { register as registerHook } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshBundle } from './fresh-bundle.mjs';

// `medpipe run ... | head`: a closed pipe ends the output quietly, not with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = freshBundle(root);
let main;
if (bundle.dir) {
  const at = (name) => pathToFileURL(`${bundle.dir}/${name}.js`).href;
  const cli = await import(at('main'));
  // A pipeline's `import ... from 'medpipe'` (or from medpipe's src/index.ts) gets the bundle's
  // modules, the ones this CLI runs, not a second copy from the sources.
  const entries = {
    [pathToFileURL(`${root}/src/index.ts`).href]: at('index'),
    [pathToFileURL(`${root}/src/explain/grad-cam.ts`).href]: at('explain'),
  };
  cli.useBundle({
    workerEntry: at('worker'),
    entries,
    // For a pipeline file that cli/compile-pipeline.ts cannot compile: tsx's hooks, and ours for medpipe.
    registerTypeScript: async () => {
      // The library a pipeline imports loads first, natively: once tsx's hooks are registered every
      // module (each of the bundle's chunks) makes a round trip to the loader thread.
      await import(at('index'));
      (await import('tsx/esm/api')).register();
      registerHook('./resolve-medpipe.mjs', import.meta.url, { data: { redirects: entries } });
    },
  });
  main = cli.main;
} else {
  (await import('tsx/esm/api')).register();
  registerHook('./resolve-medpipe.mjs', import.meta.url);
  main = (await import('../src/cli/main.ts')).main;
}
process.exitCode = await main(process.argv.slice(2));
