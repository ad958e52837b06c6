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

function start(ctx: Ctx, paths: string[], stableMs = 50): Promise<void> {
  return new Promise((resolve) => {
    ctx.sub = watchFiles(paths, { stableMs, onReady: resolve }).subscribe((c) => ctx.seen.push(c));
  });
}

async function until(ctx: Ctx, predicate: (seen: ChangeEvent[]) => boolean, ms = 30_000): Promise<void> {
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
  // The pieces follow each other far inside the stability window; whatever arrives for the file has
  // arrived before a later file's own event (a sentinel), so no fixed wait is needed.
  await start(ctx, [path.join(ctx.dir, 'data')], 1000);
  const target = path.join(ctx.dir, 'data', 'normal', 'big.png');
  await writeFile(target, 'part1');
  for (let i = 0; i < 3; i++) await appendFile(target, `part${i + 2}`);
  await until(ctx, (s) => s.length > 0);
  const sentinel = path.join(ctx.dir, 'data', 'normal', 'sentinel.png');
  await writeFile(sentinel, 'x');
  await until(ctx, (s) => s.some((c) => c.path === sentinel));
  assert.equal(
    ctx.seen.filter((c) => c.path === target),
    [{ kind: 'add', path: target }],
  );
});

Files('unsubscribing closes the watcher', async (ctx) => {
  await start(ctx, [ctx.dir]);
  ctx.sub?.unsubscribe();
  // A second watcher is the witness: once it has seen the new file, the first would have too.
  const witness: ChangeEvent[] = [];
  await new Promise<void>((resolve) => {
    ctx.sub = watchFiles([ctx.dir], { stableMs: 50, onReady: resolve }).subscribe((c) => witness.push(c));
  });
  const late = path.join(ctx.dir, 'data', 'normal', 'late.png');
  await writeFile(late, 'x');
  await until({ ...ctx, seen: witness }, (s) => s.some((c) => c.path === late));
  assert.equal(ctx.seen, []);
});

Files.run();
