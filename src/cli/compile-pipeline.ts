/**
 * A user's TypeScript pipeline file, compiled in this process for the bundle (dist/): esbuild
 * transpiles it with the local files it imports, as tsx would (same options: the functions in its
 * configs, which join cache keys by their source text, read the same), and it is imported from a
 * data: URL. Why not tsx's loader hooks: once any hook is registered, Node sends every later import
 * through the loader thread and back, the bundle's chunks included; registering them and starting
 * that thread was a fifth of a cached rerun.
 * Packages it imports stay imports, by their resolved file URL; medpipe's own entry points are the
 * bundle's modules, the ones this process runs. Anything esbuild cannot take returns undefined, and
 * the caller loads the file through tsx instead.
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The pipeline module, or undefined when the file cannot be compiled here (then tsx loads it). */
export async function importCompiledPipeline(
  path: string,
  redirects: ReadonlyMap<string, string>,
  options: { readonly fresh?: boolean } = {},
): Promise<{ default?: unknown } | undefined> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  const code = await compile(esbuild, path, redirects).catch(() => undefined);
  if (code === undefined) return undefined;
  // A data: URL is a module per distinct text: a fresh load (watch mode) gets a text of its own.
  const text = options.fresh ? `${code}\n// ${Date.now()}-${Math.random()}\n` : code;
  return (await import(`data:text/javascript;base64,${Buffer.from(text).toString('base64')}`)) as { default?: unknown };
}

const RESOLVING = Symbol('resolving');

async function compile(esbuild: typeof import('esbuild'), path: string, redirects: ReadonlyMap<string, string>): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [path],
    absWorkingDir: dirname(path),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    // tsx's transform options: function source text (a cache key part) comes out the same.
    target: `node${process.versions.node}`,
    minifyWhitespace: true,
    keepNames: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'medpipe-pipeline',
        setup(build) {
          build.onResolve({ filter: /.*/ }, async (args) => {
            if (args.kind === 'entry-point' || args.pluginData === RESOLVING) return undefined;
            // esbuild resolves paths, not file: URLs (a pipeline may import medpipe by its URL).
            const specifier = args.path.startsWith('file:') ? fileURLToPath(args.path) : args.path;
            const found = await build.resolve(specifier, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: RESOLVING });
            if (found.errors.length > 0) return { errors: found.errors };
            if (found.external) return found; // node: builtins
            const url = pathToFileURL(found.path).href;
            const redirected = redirects.get(url);
            if (redirected) return { path: redirected, external: true };
            // Packages are imported, not inlined: by URL, since a data: URL has no folder to resolve from.
            if (/[\\/]node_modules[\\/]/.test(found.path)) return { path: url, external: true };
            return { path: found.path };
          });
          // import.meta in the pipeline and its local files keeps naming the file itself.
          build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
            const source = await readFile(args.path, 'utf8');
            if (!source.includes('import.meta')) return undefined;
            const url = pathToFileURL(args.path);
            const contents = source
              .replaceAll('import.meta.url', JSON.stringify(url.href))
              .replaceAll('import.meta.filename', JSON.stringify(args.path))
              .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)));
            // .ts/.mts/.cts → 'ts', .tsx → 'tsx', .js/.mjs/.cjs → 'js', .jsx → 'jsx' (the filter's extensions).
            return { contents, loader: extname(args.path).replace(/^\.[cm]?/, '') as 'ts' | 'tsx' | 'js' | 'jsx' };
          });
        },
      },
    ],
  });
  return result.outputFiles[0]!.text;
}
