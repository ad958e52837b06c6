// report.html: self-contained by construction (no script, link, remote URL; user text escaped) and
// in a real browser — Debian's chromium driven by playwright-core — it renders every section with
// no console error and no request beyond the file itself. The screenshot is kept in
// test-output/report-html.png (gitignored). Without chromium the browser test is skipped with the
// reason; under CI=true a missing chromium is a failure.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderReportHtml } from '../../src/report/html/report-html.ts';
import type { ReportInput } from '../../src/report/html/report-input.ts';
import { evaluationFixture, TINY_PNG } from '../helpers/evaluation-fixture.ts';
import { ROOT } from '../helpers/core.ts';

const CHROMIUM = process.env.MEDPIPE_CHROMIUM ?? '/usr/bin/chromium';
const OUTPUT = path.join(ROOT, 'test-output');
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function input(): ReportInput {
  const evaluation = evaluationFixture({ seed: 3 });
  return {
    run: {
      number: 12,
      runId: '2026-01-02T03-04-05-000Z-abc123',
      pipeline: 'pneumonia',
      startedAt: '2026-01-02T03:04:05.000Z',
      ms: 64_000,
      seed: 42,
      backend: 'native',
      git: { commit: 'b'.repeat(40), dirty: true },
      medpipeVersion: '0.1.0',
      cacheHits: 2,
      stages: [
        { stage: 'ingest', kind: 'ingest.folder', key: 'c'.repeat(64), config: { root: 'data', classes: ['normal', '<b>pneumonia</b>'] }, cached: true, ms: 0 },
        { stage: 'fit', kind: 'fit', key: 'd'.repeat(64), config: { epochs: 30 }, cached: false, ms: 60_000 },
      ],
    },
    evaluation: { ...evaluation, classes: ['normal', '<b>pneumonia</b>'], positiveClass: '<b>pneumonia</b>' },
    images: { 'plots/gradcam/00_TP.png': TINY_PNG },
  };
}

const R = suite('report.html');

R('every section, self-contained markup, user text escaped', async () => {
  const page = await renderReportHtml(input());
  for (const id of ['data', 'training', 'metrics', 'calibration', 'operating-points', 'subgroups', 'gradcam', 'checklist', 'provenance']) {
    assert.match(page, new RegExp(`<section id="${id}">`), `section ${id}`);
  }
  assert.not.match(page, /<script|<link|<iframe|@import|url\((?!#)/i, 'no script, stylesheet link, frame, or url() other than an in-page #fragment');
  const urls = [...page.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
  assert.ok(
    urls.every((u) => u.startsWith('#') || u.startsWith('data:image/png;base64,')),
    `only in-page links and data: images, got ${urls.filter((u) => !u.startsWith('#')).slice(0, 3)}`,
  );
  assert.not.match(page, /<b>pneumonia<\/b>/, 'a class name cannot inject markup');
  assert.match(page, /&lt;b&gt;pneumonia&lt;\/b&gt;/);
  assert.match(page, /BCa 95% CI/);
  assert.match(page, /DeLong/);
  assert.match(page, /stratified bootstrap: 300 resamples of patient groups/);
  assert.match(page, /too small to say much/, 'the small subgroup is flagged');
  assert.match(page, /0\.80<\/td>/, 'operating point table at sensitivity 0.80');
  assert.match(page, /not reported/);
  assert.match(page, /Content-Security-Policy" content="default-src 'none'/);
});

function browserAvailable(): { ok: boolean; why: string } {
  if (!existsSync(CHROMIUM)) return { ok: false, why: `${CHROMIUM} not found (apt-get install chromium)` };
  try {
    createRequire(import.meta.url).resolve('playwright-core');
  } catch (error) {
    return { ok: false, why: `playwright-core is not installed (${(error as Error).message.split('\n')[0]}; npm ci)` };
  }
  return { ok: true, why: '' };
}

const availability = browserAvailable();
if (!availability.ok && process.env.CI !== 'true') {
  R.skip(`in headless chromium (skipped: ${availability.why})`, () => {});
} else {
  R('in headless chromium: renders, no console errors, no requests, screenshot kept', async () => {
    assert.ok(availability.ok, `CI=true requires chromium and playwright-core: ${availability.why}`);
    const { chromium } = await import('playwright-core');
    await mkdir(OUTPUT, { recursive: true });
    const file = path.join(OUTPUT, 'report.html');
    await writeFile(file, await renderReportHtml(input()));
    const url = pathToFileURL(file).href;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, timeout: 60_000 });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const requests: string[] = [];
      const problems: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      // Anything but the page itself is answered with an abort (and recorded above): no network at all.
      await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
      await page.goto(url, { waitUntil: 'load' });
      const facts = await page.evaluate(() => ({
        title: document.title,
        sections: document.querySelectorAll('main > section').length,
        svgs: Array.from(document.querySelectorAll('svg')).filter((s) => s.getBoundingClientRect().width > 100).length,
        images: Array.from(document.images).map((i) => i.complete && i.naturalWidth > 0),
        tables: document.querySelectorAll('table').length,
      }));
      await page.screenshot({ path: path.join(OUTPUT, 'report-html.png'), fullPage: true });
      assert.equal(requests, [url], `the only request is the file itself; also: ${requests.filter((r) => r !== url).slice(0, 3)}`);
      assert.equal(problems, [], 'no console errors or warnings');
      assert.match(facts.title, /pneumonia — run #12/);
      assert.is(facts.sections, 9);
      assert.ok(facts.svgs >= 6, `${facts.svgs} plots drawn`);
      assert.equal(facts.images, [true], 'the Grad-CAM picture decodes from its data: URI');
      assert.ok(facts.tables >= 8);
      assert.ok(existsSync(path.join(OUTPUT, 'report-html.png')));
    } finally {
      await browser.close();
    }
  });
}

R.run();
