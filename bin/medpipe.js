#!/usr/bin/env node
// Registers tsx so that medpipe's TypeScript sources and users' pipeline files load without a build step.
import { register as registerHook } from 'node:module';
import { register } from 'tsx/esm/api';

// `medpipe run ... | head`: a closed pipe ends the output quietly, not with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

register();
registerHook('./resolve-medpipe.mjs', import.meta.url);
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
