import { createRequire } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const MEDPIPE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRY = resolve(MEDPIPE_ROOT, 'src', 'index.ts');

export interface TypeProblem {
  /** `pipelines/xray.ts:12:5` (relative to the current folder). */
  readonly where: string;
  /** `TS2345: Argument of type ...` */
  readonly message: string;
}

/**
 * Type-checks a pipeline file (and the local modules it imports) with the TypeScript of the
 * pipeline's own project, or medpipe's when the project has none; `import ... from 'medpipe'`
 * resolves to this medpipe when the project does not install it. Returns undefined when no
 * TypeScript can be found.
 */
export async function typecheckPipeline(file: string): Promise<TypeProblem[] | undefined> {
  const ts = loadTypescript(file);
  if (!ts) return undefined;
  const configPath = ts.findConfigFile(dirname(file), ts.sys.fileExists);
  const base = configPath ? ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, ts.sys.readFile).config, ts.sys, dirname(configPath)).options : {};
  const options = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    esModuleInterop: true,
    allowImportingTsExtensions: true,
    jsx: ts.JsxEmit.ReactJSX,
    ...base,
    noEmit: true,
    paths: { ...base.paths, medpipe: [ENTRY] },
    baseUrl: base.baseUrl ?? dirname(file),
  };
  const program = ts.createProgram([file], options);
  const ours = MEDPIPE_ROOT + sep;
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && !d.file.fileName.includes(`${sep}node_modules${sep}`) && !resolve(d.file.fileName).startsWith(ours + 'src' + sep))
    .map((d) => {
      const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return {
        where: `${relative(process.cwd(), d.file!.fileName)}:${line + 1}:${character + 1}`,
        message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      };
    });
}

function loadTypescript(file: string): typeof import('typescript') | undefined {
  for (const from of [file, fileURLToPath(import.meta.url)]) {
    try {
      return createRequire(from)('typescript') as typeof import('typescript');
    } catch {
      // not installed there
    }
  }
  return undefined;
}
