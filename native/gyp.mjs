// What both addon builds (native/build.mjs, native/codec/build.mjs) need to run node-gyp offline:
// the node-gyp that ships with npm and Node's own headers (native/build-status.mjs records the outcome).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function has(cmd, args = ['--version']) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

export function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    (() => {
      try {
        return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
      } catch {
        return undefined;
      }
    })(),
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  ];
  return candidates.find((p) => p && existsSync(p));
}

// Node's own headers: node-gyp would otherwise try to download them, which fails offline.
export function nodeDir() {
  const candidates = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..'), '/usr', '/usr/local'];
  return candidates.find((d) => d && existsSync(join(d, 'include/node/node_api.h')) && existsSync(join(d, 'include/node/common.gypi')));
}

/**
 * Checks the toolchain (compiler, make, python3, node-gyp, Node's headers) and runs `node-gyp
 * rebuild` in `dir`; on any problem calls `fail(reason, log?)`, which must not return.
 */
export function rebuild(dir, addonPath, fail) {
  if (!has('g++') && !has('c++')) fail('no C++ compiler (g++) found');
  if (!has('make')) fail('make not found');
  if (!has('python3')) fail('python3 not found (node-gyp needs it)');
  const gyp = nodeGyp();
  if (!gyp) fail('node-gyp not found (it ships with npm)');
  const nodedir = nodeDir();
  if (!nodedir) fail('Node.js headers not found (install the nodejs package that ships include/node, e.g. libnode-dev)');
  const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, '-j', 'max'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, npm_config_nodedir: nodedir },
    maxBuffer: 64 * 1024 * 1024,
  });
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0 || !existsSync(addonPath)) {
    const firstError = log.split('\n').find((l) => /error/i.test(l) && !/gyp ERR!/.test(l))?.trim() ?? `node-gyp exited with ${r.status}`;
    fail(`compile failed: ${firstError.slice(0, 200)}`, log.slice(-20000));
  }
}
