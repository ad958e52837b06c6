/**
 * The file-system side of watch mode: chokidar events as an Observable of `ChangeEvent`s.
 */
import path from 'node:path';
import { watch } from 'chokidar';
import { Observable } from 'rxjs';
import { MedpipeError } from '../base/errors.ts';
import type { ChangeEvent } from './watch-events.ts';

export interface WatchFilesOptions {
  /**
   * Folder names never watched below a watched root: the cache and outputs are written by the run
   * itself, and watching them would make every run trigger the next.
   * @default ['cache', 'out', 'runs', 'node_modules', '.git']
   */
  readonly ignoreDirs?: readonly string[];
  /** Absolute folders never watched (e.g. a `--cache` outside the project). @default [] */
  readonly ignorePaths?: readonly string[];
  /**
   * A file counts as written once its size has not changed for this long; without it a PNG being
   * copied shows up half-written and is decoded (and rejected) mid-copy.
   * @default 200
   */
  readonly stableMs?: number;
  /** Poll instead of native events (network drives, some containers). @default false */
  readonly usePolling?: boolean;
  /** Called once the initial scan is done; changes before that are not reported. */
  readonly onReady?: () => void;
}

const DEFAULT_IGNORE_DIRS = ['cache', 'out', 'runs', 'node_modules', '.git'];

/**
 * Emits one `ChangeEvent` per file added, changed or removed under `paths` (files or folders) after
 * the initial scan; unsubscribing closes the watcher.
 *
 * @example
 * watchFiles(['pipelines/xray.ts', 'data/xray']).subscribe((c) => console.log(c.kind, c.path));
 */
export function watchFiles(paths: readonly string[], options: WatchFilesOptions = {}): Observable<ChangeEvent> {
  const roots = paths.map((p) => path.resolve(p));
  const ignoreDirs = new Set(options.ignoreDirs ?? DEFAULT_IGNORE_DIRS);
  const ignorePaths = (options.ignorePaths ?? []).map((p) => path.resolve(p));
  const stableMs = options.stableMs ?? 200;

  const ignored = (file: string): boolean => {
    const abs = path.resolve(file);
    if (ignorePaths.some((p) => abs === p || abs.startsWith(p + path.sep))) return true;
    if (isEditorTemp(path.basename(abs)) && !roots.includes(abs)) return true;
    // Only segments *below* a watched root count: data that lives in /srv/out/xray is still watched.
    const root = roots.find((r) => abs === r || abs.startsWith(r + path.sep));
    if (!root) return false;
    const rel = path.relative(root, abs);
    return rel !== '' && rel.split(path.sep).some((segment) => ignoreDirs.has(segment));
  };

  return new Observable<ChangeEvent>((subscriber) => {
    const watcher = watch([...roots], {
      ignoreInitial: true,
      ignored,
      ignorePermissionErrors: true,
      usePolling: options.usePolling ?? false,
      awaitWriteFinish: stableMs > 0 ? { stabilityThreshold: stableMs, pollInterval: Math.min(50, stableMs) } : false,
    });
    watcher.on('add', (p) => subscriber.next({ kind: 'add', path: p }));
    watcher.on('change', (p) => subscriber.next({ kind: 'change', path: p }));
    watcher.on('unlink', (p) => subscriber.next({ kind: 'unlink', path: p }));
    watcher.on('ready', () => options.onReady?.());
    watcher.on('error', (error) =>
      subscriber.error(
        new MedpipeError('INTERNAL', `Watching files failed: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
          fix: 'Check that the watched folders exist and are readable; on network drives set usePolling.',
        }),
      ),
    );
    return () => {
      void watcher.close();
    };
  });
}

/** Swap and backup files editors write next to the file being saved (vim, emacs, JetBrains). */
function isEditorTemp(base: string): boolean {
  return (
    base.endsWith('~') ||
    base.endsWith('.swp') ||
    base.endsWith('.swx') ||
    base.startsWith('.#') ||
    base.endsWith('___jb_tmp___') ||
    base.endsWith('___jb_old___') ||
    base === '4913' // vim's write-permission probe (not any number: class folders are often named 0 and 1)
  );
}
