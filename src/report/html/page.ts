/**
 * The page every report.html shares: head (no network: the Content-Security-Policy allows inline styles
 * and data: images only), a header with the run's one-line result, the section links and the sections.
 * @example
 *   reportPage(run, html`Test ROC AUC 0.97`, [['data', 'Data']], html`${dataSection(e)}`);
 */
import { html, raw, type Html } from './html.ts';
import type { ReportRun } from './report-input.ts';
import { REPORT_CSS } from './style.ts';

export function reportPage(run: ReportRun, lead: Html, sections: readonly (readonly [id: string, label: string])[], main: Html): string {
  const title = `${run.pipeline}${run.number !== undefined ? ` — run #${run.number}` : ''}`;
  const footer = html`<p class="muted">
    Written by medpipe ${run.medpipeVersion ?? ''}. Self-contained: this file loads nothing from the network or the disk.
  </p>`;
  return htmlPage(`medpipe report: ${title}`, lead, sections, html`${main}${footer}`);
}

/** The shell itself: `title` heads the page and its tab; `sections` are [id, label] links to the sections in `main`. */
export function htmlPage(title: string, lead: Html | string, sections: readonly (readonly [id: string, label: string])[], main: Html): string {
  const nav = sections.map(([id, label]) => html`<a href="#${id}">${label}</a>`);
  return html`<!DOCTYPE html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          ${raw(REPORT_CSS)}
        </style>
      </head>
      <body>
        <header>
          <h1>${title}</h1>
          <p>${lead}</p>
        </header>
        <nav>${nav}</nav>
        <main>${main}</main>
      </body>
    </html> `.value;
}
