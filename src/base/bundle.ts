/**
 * How this process runs medpipe: from its TypeScript sources through tsx (tests, development), or
 * from the prebuilt bundle (dist/, scripts/bundle.mjs) that `bin/medpipe.js` runs when it is fresh.
 * The bundle's modules load without tsx's loader hooks, so two things are set up on demand: the hooks
 * that import a user's TypeScript pipeline file, and the worker threads' entry module.
 */
export interface BundleRuntime {
  /** The data worker threads' entry in the bundle (a file: URL). */
  readonly workerEntry: string;
  /** medpipe's source entry points (file: URLs) → the bundle's modules: what a pipeline's imports of medpipe become. */
  readonly entries: Readonly<Record<string, string>>;
  /** Registers tsx (and the resolve hook mapping `medpipe` to the bundle) before a pipeline file is imported. */
  readonly registerTypeScript: () => Promise<void>;
}

let current: BundleRuntime | undefined;
let registered: Promise<void> | undefined;

/** Called once by bin/medpipe.js when it runs the bundle. */
export function useBundle(runtime: BundleRuntime): void {
  current = runtime;
}

/** Whether this process runs the bundle. */
export function runsBundle(): boolean {
  return current !== undefined;
}

/** The bundle's entry points by the source file URL they stand for; undefined from the sources. */
export function bundleEntries(): ReadonlyMap<string, string> | undefined {
  return current && new Map(Object.entries(current.entries));
}

/** The data worker threads' entry: the bundle's, else the source module `sourceEntry`. */
export function workerEntry(sourceEntry: string): string {
  return current?.workerEntry ?? sourceEntry;
}

/** Makes TypeScript files importable: a no-op from the sources (tsx is already loading them). */
export function ensureTypeScript(): Promise<void> {
  if (!current) return Promise.resolve();
  return (registered ??= current.registerTypeScript());
}
