import { duration } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { ReportRun } from '../report-input.ts';

/** How the run was made: run id, code, seed, backend, and every stage with its cache key and config. */
export function provenanceSection(run: ReportRun): Html {
  const rows = run.stages.map(
    (s) =>
      html`<tr>
        <td>${s.stage}</td>
        <td>${s.kind}</td>
        <td><code>${s.key.slice(0, 12)}</code></td>
        <td>${s.cached ? 'cache' : 'ran'}</td>
        <td class="n">${duration(s.ms)}</td>
        <td><code>${JSON.stringify(s.config)}</code></td>
      </tr>`,
  );
  return html`<section id="provenance">
    <h2>Provenance</h2>
    <table class="kv">
      <tbody>
        <tr>
          <td>Run</td>
          <td>
            ${run.number !== undefined ? `#${run.number} ` : ''}<code>${run.runId}</code>, started ${run.startedAt}, ${duration(run.ms)}, ${run.cacheHits}
            stage(s) from cache
          </td>
        </tr>
        <tr>
          <td>Code</td>
          <td>
            ${run.git ? html`git <code>${run.git.commit}</code>${run.git.dirty ? ' (uncommitted changes)' : ''}` : 'not in a git repository'}; medpipe
            ${run.medpipeVersion ?? '?'}
          </td>
        </tr>
        <tr>
          <td>Seed / backend</td>
          <td>${run.seed} / ${run.backend ?? 'n/a'}</td>
        </tr>
      </tbody>
    </table>
    <table>
      <thead>
        <tr>
          <th>Stage</th>
          <th>Kind</th>
          <th>Cache key</th>
          <th></th>
          <th>Time</th>
          <th>Configuration</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </section>`;
}
