import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, mkdir, rm, writeFile, unlink, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Subscription } from 'rxjs';
import { watchFiles, type ChangeEvent } from '../../../src/runtime/watch.ts';

interface Ctx {
  dir: string;
  seen: ChangeEvent[];
  sub?: Subscription;
}

const Files = suite<Ctx>('watchFiles (real chokidar on a temp dir)');

Files.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'medpipe-watch-'));
  await mkdir(path.join(ctx.dir, 'data', 'normal'), { recursive: true });
  await mkdir(path.join(ctx.dir, 'cache'), { recursive: true });
  await writeFile(path.join(ctx.dir, 'data', 'normal', 'a.png'), 'old');
  await writeFile(path.join(ctx.dir, 'pipeline.ts'), '// v1\n');
  ctx.seen = [];
});

Files.after.each(async (ctx) => {
  ctx.sub?.unsubscribe();
  await rm(ctx.dir, { recursive: true, force: true });
});

function start(ctx: Ctx, paths: string[]): Promise<void> {
  return new Promise((resolve) => {
    ctx.sub = watchFiles(paths, { stableMs: 50, onReady: resolve }).subscribe((c) => ctx.seen.push(c));
  });
}

async function until(ctx: Ctx, predicate: (seen: ChangeEvent[]) => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate(ctx.seen)) {
    if (Date.now() > end) throw new Error(`timed out; seen: ${JSON.stringify(ctx.seen)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Files('reports add, change and unlink under a folder, and a watched file, but not cache/', async (ctx) => {
  await start(ctx, [ctx.dir]);
  const fresh = path.join(ctx.dir, 'data', 'normal', 'b.png');
  await writeFile(path.join(ctx.dir, 'cache', 'entry.json'), '{}'); // written by the run itself: ignored
  await writeFile(path.join(ctx.dir, 'data', 'normal', '.a.png.swp'), 'x'); // editor swap file: ignored
  await writeFile(fresh, 'new');
  await until(ctx, (s) => s.some((c) => c.path === fresh));
  await appendFile(path.join(ctx.dir, 'pipeline.ts'), '// a comment\n');
  await until(ctx, (s) => s.some((c) => c.kind === 'change'));
  await unlink(path.join(ctx.dir, 'data', 'normal', 'a.png'));
  await until(ctx, (s) => s.some((c) => c.kind === 'unlink'));
  assert.equal(ctx.seen, [
    { kind: 'add', path: fresh },
    { kind: 'change', path: path.join(ctx.dir, 'pipeline.ts') },
    { kind: 'unlink', path: path.join(ctx.dir, 'data', 'normal', 'a.png') },
  ]);
});

Files('a file being written in pieces is reported once, after it is complete', async (ctx) => {
  await start(ctx, [path.join(ctx.dir, 'data')]);
  const target = path.join(ctx.dir, 'data', 'normal', 'big.png');
  await writeFile(target, 'part1');
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 15));
    await appendFile(target, `part${i + 2}`);
  }
  await until(ctx, (s) => s.length > 0);
  await new Promise((r) => setTimeout(r, 150)); // room for a stray second event
  assert.equal(ctx.seen, [{ kind: 'add', path: target }]);
});

Files('unsubscribing closes the watcher', async (ctx) => {
  await start(ctx, [ctx.dir]);
  ctx.sub?.unsubscribe();
  await writeFile(path.join(ctx.dir, 'data', 'normal', 'late.png'), 'x');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(ctx.seen, []);
});

Files.run();
