// Module resolve hook: a pipeline file's `import ... from 'medpipe'` falls back to the medpipe that is
// running when the pipeline's own project does not have it installed (e.g. a global `medpipe`).
const self = new URL('../src/index.ts', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier !== 'medpipe') return next(specifier, context);
  try {
    return await next(specifier, context);
  } catch {
    return next(self, context);
  }
}
