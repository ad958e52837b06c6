import { canonicalJson } from './canonical.ts';

/** Dotted paths of the config fields that differ between `a` and `b` (functions compared whole). */
export function diffPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (canonicalJson(a) === canonicalJson(b)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b) && !('$function' in a) && !('$function' in b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => diffPaths(a[key], b[key], prefix ? `${prefix}.${key}` : key));
  }
  return [prefix || '(config)'];
}
