/**
 * The subgroups section of every classification report (binary, K classes, findings): per metadata
 * attribute and value, n, the task's own count and metric columns, small subgroups flagged; or why
 * there are none.
 */
import { html, type Html } from '../html.ts';
import { table } from '../table.ts';

/** What every subgroup row has; the task adds its counts and metrics as columns. */
export interface SubgroupRow {
  readonly attribute: string;
  readonly value: string;
  readonly n: number;
  readonly warning?: string;
}

export interface SubgroupColumn<G> {
  readonly header: string;
  readonly cell: (group: G) => Html;
}

/**
 * @example
 *   subgroupsSection(groups, e.context.data.attributes, html`Test metrics per value …`, [{ header: 'ROC AUC', cell: (g) => … }])
 */
export function subgroupsSection<G extends SubgroupRow>(
  groups: readonly G[],
  attributes: readonly string[],
  intro: Html,
  columns: readonly SubgroupColumn<G>[],
): Html {
  if (groups.length === 0) {
    return html`<section id="subgroups">
      <h2>Subgroups</h2>
      <p>
        Not reported:
        ${
          attributes.length === 0
            ? 'the test images carry no metadata (add CSV columns such as sex or site, or use DICOM files with those tags).'
            : `no attribute has between 2 and 20 values (present: ${attributes.join(', ')}).`
        }
      </p>
    </section>`;
  }
  const rows = groups.map(
    (g) =>
      html`<tr class="${g.warning ? 'warn' : ''}">
        <td>${g.attribute}</td>
        <td>${g.value}</td>
        <td class="n">${g.n}</td>
        ${columns.map((c) => c.cell(g))}
        <td>${g.warning ?? ''}</td>
      </tr>`,
  );
  return html`<section id="subgroups">
    <h2>Subgroups</h2>
    <p>${intro}</p>
    ${table(['Attribute', 'Value', 'n', ...columns.map((c) => c.header), 'Warning'], rows)}
  </section>`;
}
