/**
 * The report's tables: one header row and a body of rows. Every section with a table of rows uses
 * these (metrics, subgroups, checklist, provenance), so their markup is written once.
 */
import type { MetricInterval } from '../../metrics/clinical-evaluation.ts';
import { num, range } from './format.ts';
import { html, type Html } from './html.ts';

/** A header row of `headers` over `rows`. */
export function table(headers: readonly (string | Html)[], rows: readonly Html[]): Html {
  return html`<table>
    <thead>
      <tr>
        ${headers.map((h) => html`<th>${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

/** The header of a table of intervalRow rows. */
export const INTERVAL_HEADERS = ['Metric', 'Estimate', 'BCa CI', 'Percentile CI', 'Other'] as const;

/** One metric with its BCa and percentile intervals; `notes` (DeLong's interval …) and resamples where it was undefined go last. */
export function intervalRow(label: string, ci: MetricInterval, notes: readonly string[] = []): Html {
  const undefinedShare = ci.valid < ci.resamples ? `${ci.resamples - ci.valid} of ${ci.resamples} resamples undefined` : '';
  return html`<tr>
    <td>${label}</td>
    <td class="n">${num(ci.estimate)}</td>
    <td class="n">${range(ci.bca)}</td>
    <td class="n">${range(ci.percentile)}</td>
    <td>${[...notes, undefinedShare].filter(Boolean).join('; ')}</td>
  </tr>`;
}
