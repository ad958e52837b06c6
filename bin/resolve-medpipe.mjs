// Module resolve hook: a pipeline file's `import ... from 'medpipe'` falls back to the medpipe that is
// running when the pipeline's own project does not have it installed (e.g. a global `medpipe`). When
// that medpipe is the bundle, `redirects` maps its source entry points to the bundle's.
let redirects = new Map();

export function initialize(data) {
  redirects = new Map(Object.entries(data?.redirects ?? {}));
}

const self = () => {
  const source = new URL('../src/index.ts', import.meta.url).href;
  return redirects.get(source) ?? source;
};

const redirected = (resolved) => {
  const to = redirects.get(resolved.url);
  return to ? { url: to, format: 'module', shortCircuit: true } : resolved;
};

export async function resolve(specifier, context, next) {
  if (specifier === 'medpipe') {
    try {
      return redirected(await next(specifier, context));
    } catch {
      return next(self(), context);
    }
  }
  return redirects.size > 0 ? redirected(await next(specifier, context)) : next(specifier, context);
}
