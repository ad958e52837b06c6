/**
 * Checks a value against a zod schema and returns every problem at once, each with its path, the
 * value found and, for a misspelled key or enum value, the name that was probably meant.
 */
import type { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';

export interface ConfigIssue {
  /** Where in the config, e.g. ['earlyStopping', 'monitor']; [] for the config itself. */
  readonly path: readonly (string | number)[];
  /** What is wrong, without the path: "must be a positive integer". */
  readonly message: string;
  /** The value found there (absent for a missing key). */
  readonly value?: unknown;
  /** The known key or value closest to a misspelled one. */
  readonly suggestion?: string;
}

type Def = { type: string; [key: string]: unknown };
const defOf = (schema: unknown): Def | undefined => (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;

/** The object schemas a value at `path` is checked against (several for a union). */
function objectShapesAt(schema: unknown, path: readonly PropertyKey[], value: unknown, depth = 0): Record<string, unknown>[] {
  const def = defOf(schema);
  if (!def || depth > 50) return [];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return objectShapesAt(def.innerType, path, value, depth + 1);
    case 'pipe':
      return objectShapesAt(def.in, path, value, depth + 1);
    case 'lazy':
      return objectShapesAt((def.getter as () => unknown)(), path, value, depth + 1);
    case 'union': {
      let options = def.options as unknown[];
      const discriminator = def.discriminator as string | undefined;
      if (discriminator && typeof value === 'object' && value !== null) {
        const wanted = (value as Record<string, unknown>)[discriminator];
        const matching = options.filter((option) => {
          const shape = objectShapesAt(option, [], undefined, depth + 1)[0];
          const values = (shape?.[discriminator] as { _zod?: { values?: Set<unknown> } } | undefined)?._zod?.values;
          return values?.has(wanted);
        });
        if (matching.length > 0) options = matching;
      }
      return options.flatMap((option) => objectShapesAt(option, path, value, depth + 1));
    }
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      if (path.length === 0) return [shape];
      const [head, ...rest] = path;
      const child = shape[String(head)];
      return child ? objectShapesAt(child, rest, (value as Record<string, unknown> | undefined)?.[String(head)], depth + 1) : [];
    }
    case 'array':
      return path.length === 0 ? [] : objectShapesAt(def.element, path.slice(1), (value as unknown[] | undefined)?.[Number(path[0])], depth + 1);
    case 'tuple': {
      if (path.length === 0) return [];
      const item = (def.items as unknown[])[Number(path[0])];
      return objectShapesAt(item, path.slice(1), (value as unknown[] | undefined)?.[Number(path[0])], depth + 1);
    }
    case 'record':
      return path.length === 0
        ? []
        : objectShapesAt(def.valueType, path.slice(1), (value as Record<string, unknown> | undefined)?.[String(path[0])], depth + 1);
    default:
      return [];
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) value = value === null || value === undefined ? undefined : (value as Record<PropertyKey, unknown>)[key];
  return value;
}

const keyPath = (path: readonly PropertyKey[]) => path.map((p) => (typeof p === 'number' ? p : String(p)));

/** The innermost, most specific issues of a union that failed on every branch. */
function flatten(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  // The branch that got furthest (longest paths, fewest problems) says what was meant.
  const branches = issue.errors.map((branch) => branch.flatMap(flatten).map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as z.core.$ZodIssue));
  const score = (branch: z.core.$ZodIssue[]) => Math.max(0, ...branch.map((i) => i.path.length)) * 100 - branch.length;
  const best = branches.reduce((a, b) => (score(b) > score(a) ? b : a));
  return best.length > 0 && best.some((i) => i.path.length > issue.path.length) ? best : [issue];
}

/**
 * Every problem of `value` against `schema`; [] when it conforms.
 * @example
 *   configIssues(z.strictObject({ onBadFile: z.enum(['fail', 'skip']) }), { onBadFiel: 'skip' })
 *   // [{ path: ['onBadFiel'], message: 'is not an option', value: 'skip', suggestion: 'onBadFile' }]
 */
export function configIssues(schema: z.ZodType, value: unknown): ConfigIssue[] {
  return checkConfig(schema, value).issues;
}

/**
 * configIssues with the parsed value when there are none: one parse serves both (a schema's first
 * parse is its slowest: zod compiles it then).
 * @example
 *   const { issues, data } = checkConfig(definition.config, node.config);
 */
export function checkConfig(schema: z.ZodType, value: unknown): { readonly issues: ConfigIssue[]; readonly data?: unknown } {
  const result = schema.safeParse(value);
  if (result.success) return { issues: [], data: result.data };
  return { issues: issuesOf(schema, value, result.error.issues) };
}

function issuesOf(schema: z.ZodType, value: unknown, issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues.flatMap(flatten)) {
    if (issue.code === 'unrecognized_keys') {
      const known = objectShapesAt(schema, issue.path, valueAt(value, issue.path)).flatMap((shape) => Object.keys(shape));
      for (const key of issue.keys) {
        const path = [...keyPath(issue.path), key];
        const suggestion = didYouMean(key, [...new Set(known)]);
        out.push({ path, message: 'is not an option here', value: valueAt(value, path), ...(suggestion ? { suggestion } : {}) });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && 'discriminator' in issue && typeof issue.discriminator === 'string') {
      // A discriminated union whose tag matches no branch: the tag is what is wrong.
      const tag = issue.discriminator;
      // zod puts the tag itself at the end of the path.
      const at = issue.path[issue.path.length - 1] === tag ? issue.path.slice(0, -1) : issue.path;
      const path = [...keyPath(at), tag];
      const allowed = objectShapesAt(schema, at, valueAt(value, at)).flatMap((shape) => [
        ...((shape[tag] as { _zod?: { values?: Set<unknown> } } | undefined)?._zod?.values ?? []),
      ]);
      const found = valueAt(value, path);
      const suggestion =
        typeof found === 'string'
          ? didYouMean(
              found,
              allowed.filter((v): v is string => typeof v === 'string'),
            )
          : undefined;
      out.push({
        path,
        message: found === undefined ? `is required (${listValues(allowed)})` : `must be ${listValues(allowed)}`,
        ...(found !== undefined ? { value: found } : {}),
        ...(suggestion ? { suggestion } : {}),
      });
      continue;
    }
    const path = keyPath(issue.path);
    const found = valueAt(value, issue.path);
    const parent = valueAt(value, issue.path.slice(0, -1));
    const present = found !== undefined || (path.length > 0 && typeof parent === 'object' && parent !== null && String(path[path.length - 1]) in parent);
    let suggestion: string | undefined;
    if (issue.code === 'invalid_value' && typeof found === 'string') {
      suggestion = didYouMean(
        found,
        issue.values.filter((v): v is string => typeof v === 'string'),
      );
    }
    out.push({
      path,
      message: issue.code === 'invalid_union' ? unionWording(issue, present) : wording(issue, present),
      ...(present ? { value: found } : {}),
      ...(suggestion ? { suggestion } : {}),
    });
  }
  return out;
}

function listValues(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
  return shown.length === 1 ? shown[0]! : `one of ${shown.join(', ')}`;
}

/** A value that fits no branch of a union, none deeper than another: `must be a whole number or false`. */
function unionWording(issue: z.core.$ZodIssueInvalidUnion, present: boolean): string {
  if (!present) return 'is required';
  const words = issue.errors.map((branch) => (branch.length === 1 ? wording(branch[0]!, present) : undefined));
  if (words.length === 0 || words.some((w) => w === undefined)) return 'does not have an allowed form';
  const unique = [...new Set(words as string[])];
  return unique.map((w, i) => (i > 0 ? w.replace(/^must be /, '') : w)).join(' or ');
}

/** Plain words for zod's issue codes (its own texts are written for developers of the schema). */
function wording(issue: z.core.$ZodIssue, present: boolean): string {
  switch (issue.code) {
    case 'invalid_type':
      if (!present) return 'is required';
      if (issue.expected === 'int') return 'must be a whole number';
      return `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    case 'too_small': {
      const min = String(issue.minimum);
      if (issue.origin === 'number' || issue.origin === 'bigint') return issue.inclusive ? `must be >= ${min}` : `must be > ${min}`;
      if (min === '1') return 'must not be empty';
      return `must have at least ${min} ${issue.origin === 'string' ? 'character' : 'item'}(s)`;
    }
    case 'too_big': {
      const max = String(issue.maximum);
      if (issue.origin === 'number' || issue.origin === 'bigint') return issue.inclusive ? `must be <= ${max}` : `must be < ${max}`;
      return `must have at most ${max} ${issue.origin === 'string' ? 'character' : 'item'}(s)`;
    }
    case 'invalid_value':
      return `must be ${listValues(issue.values)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return issue.message;
  }
}

/** `a.b[0]` */
export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
}

/**
 * One line for an issue: `fit.earlyStopping.monitor: must be one of …, got 'val_acu' (did you mean 'val_auc'?)`.
 * @example
 *   describeConfigIssue({ path: ['onBadFiel'], message: 'is not an option here', value: 'skip', suggestion: 'onBadFile' }, 'ingest')
 *   // "ingest.onBadFiel: is not an option here (did you mean 'onBadFile'?)"
 */
export function describeConfigIssue(issue: ConfigIssue, prefix: string): string {
  const path = formatPath([...(prefix ? [prefix] : []), ...issue.path]) || '(config)';
  const unknownKey = issue.message === 'is not an option here';
  const got = 'value' in issue && !unknownKey ? `, got ${showValue(issue.value)}` : '';
  const hint = issue.suggestion ? ` (did you mean '${issue.suggestion}'?)` : '';
  return `${path}: ${issue.message}${got}${hint}`;
}

function showValue(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(value);
  }
}
