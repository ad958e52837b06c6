/**
 * A tiny HTML builder: `html` escapes every interpolated value unless it is `Html` (already safe),
 * so class names, attribute values and notes can never break the page or inject markup.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Marks trusted markup (our own templates, vega's SVG output) as safe to insert. */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** A page's rendered plots (page-plots.ts) as markup, by the same names. */
export function rawPlots<T extends Readonly<Record<string, string | undefined>>>(svgs: T): { readonly [K in keyof T]: T[K] extends string ? Html : Html | undefined } {
  const out: Record<string, Html | undefined> = {};
  for (const [name, svg] of Object.entries(svgs)) out[name] = svg === undefined ? undefined : raw(svg);
  return out as never;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function render(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * @example
 *   html`<td>${className}</td>`; // className escaped
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new Html(out);
}
