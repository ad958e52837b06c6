// A Redis server of its own for a test: Debian's redis-server on a free loopback port, in a temp
// folder, stopped (and restartable, same port and data) by the test. `.ci/run` installs it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { reapWithThisProcess } from './reaper.ts';
import { requirement, type Requirement } from './requires.ts';

export function redisServer(): Requirement {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return requirement(found.status === 0, 'redis-server not found (apt-get install redis-server; .ci/run installs it)');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RedisInstance {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, or SIGKILL for a crash) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port, with the same data folder. */
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  dispose(): Promise<void>;
}

/**
 * Starts redis-server on 127.0.0.1 with an append-only file (as BullMQ's docs recommend for
 * production), so a restart keeps the jobs; `persist: false` gives a server that forgets them.
 */
export async function startRedis(options: { persist?: boolean } = {}): Promise<RedisInstance> {
  const dir = await mkdtemp(path.join(tmpdir(), 'medpipe-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const persist = options.persist ?? true;
  const start = async () => {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      persist ? 'yes' : 'no',
      '--appendfsync',
      'always',
      '--maxmemory-policy',
      'noeviction',
    ];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    reapWithThisProcess(proc.pid);
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      proc.stdout!.on('data', (chunk) => {
        out += chunk;
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${out}`));
      });
    });
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async dispose() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
