// report.html: self-contained by construction (no script, link, remote URL; user text escaped) and
// in a real browser — Debian's chromium driven by playwright-core — it renders every section with
// no console error and no request beyond the file itself; the same for the report of an ordinal and
// of a multi-label run. The screenshots are kept in test-output/report-html*.png (gitignored). Without chromium the browser test is skipped with the
// reason; under CI=true a missing chromium is a failure.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { renderClassReportHtml } from '../../src/report/html/class-report-html.ts';
import { renderReportHtml } from '../../src/report/html/report-html.ts';
import type { ReportInput } from '../../src/report/html/report-input.ts';
import { classEvaluationFixture, labelEvaluationFixture } from '../helpers/class-evaluation-fixture.ts';
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

/** The K-class report of the fixture of `task`, with the binary input's run and a Grad-CAM picture. */
async function classPage(task: 'ordinal' | 'multilabel'): Promise<string> {
  const evaluation = task === 'multilabel' ? labelEvaluationFixture() : classEvaluationFixture('ordinal');
  const file = evaluation.gradCam!.examples[0]!.file;
  return renderClassReportHtml({ run: { ...input().run, pipeline: `${task}-run` }, evaluation, images: { [file]: TINY_PNG } });
}

function assertSelfContained(page: string): void {
  assert.not.match(page, /<script|<link|<iframe|@import|url\((?!#)/i, 'no script, stylesheet link, frame, or url() other than an in-page #fragment');
  const urls = [...page.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
  assert.ok(
    urls.every((u) => u.startsWith('#') || u.startsWith('data:image/png;base64,')),
    `only in-page links and data: images, got ${urls.filter((u) => !u.startsWith('#')).slice(0, 3)}`,
  );
  assert.match(page, /Content-Security-Policy" content="default-src 'none'/);
}

const R = suite('report.html');

R('K classes and findings: every section, intervals overall and per class, calibration, subgroups, markup escaped', async () => {
  for (const task of ['ordinal', 'multilabel'] as const) {
    const page = await classPage(task);
    for (const id of ['data', 'training', 'metrics', 'calibration', 'subgroups', 'gradcam', 'checklist', 'provenance']) {
      assert.match(page, new RegExp(`<section id="${id}">`), `${task}: section ${id}`);
    }
    // The CLAIM / TRIPOD+AI checklist, with the task's own answers.
    assert.match(page, /Reporting checklist \(CLAIM 2024 \/ TRIPOD\+AI\)/);
    assert.match(page, /Intended use, clinical role and study design<\/td>\s*<td class="muted">[^<]*<\/td>\s*<td class="status-not">not reported/);
    assert.not.match(page, /DeLong for the AUC|sensitivity 0.80 \/ 0.90/, `${task}: no binary-only answer`);
    assertSelfContained(page);
    assert.not.match(page, /<i>3<\/i>|<b>mass<\/b>/, 'a class name cannot inject markup');
    assert.match(page, /Percentile CI/);
    assert.match(page, /too small to say much/, `${task}: the small subgroup is flagged`);
    assert.match(page, /equal-width bins over \[0, 1\]/, 'the binning is stated');
    if (task === 'ordinal') {
      assert.match(page, /&lt;i&gt;3&lt;\/i&gt;/);
      assert.match(page, /stratified bootstrap: 200 resamples of images drawn within each class, seed 1/);
      assert.match(page, /Quadratic-weighted kappa/);
      assert.match(page, /Top-label ECE/);
      assert.match(page, /Multi-class Brier score/);
      assert.match(page, /Confusion matrix of the test split/);
      assert.match(page, /The most probable class \(no threshold\)\.<\/td>/, 'the decision rule in the checklist');
      assert.match(page, /per class, quadratic-weighted kappa and grade error — with percentile and BCa intervals \(200 resamples\)/);
    } else {
      assert.match(page, /One threshold per finding, /, 'the decision rule in the checklist');
      assert.match(page, /Brier score and ECE per finding with intervals/);
      assert.match(page, /&lt;b&gt;mass&lt;\/b&gt;/);
      assert.match(page, /bootstrap: 200 resamples of images, all findings of an image together/);
      assert.match(page, /Hamming loss/);
      assert.match(page, /Micro ROC AUC/);
      assert.not.match(page, /Top-label ECE/);
    }
  }
});

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
  /** Opens `page` from disk in chromium: what it requested, what it complained about, and what it drew. */
  const open = async (browser: Browser, page: string, name: string) => {
    await mkdir(OUTPUT, { recursive: true });
    const file = path.join(OUTPUT, `${name}.html`);
    await writeFile(file, page);
    const url = pathToFileURL(file).href;
    const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const problems: string[] = [];
    tab.on('request', (r) => requests.push(r.url()));
    tab.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // Anything but the page itself is answered with an abort (and recorded above): no network at all.
    await tab.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
    await tab.goto(url, { waitUntil: 'load' });
    const facts = await tab.evaluate(() => ({
      title: document.title,
      sections: document.querySelectorAll('main > section').length,
      svgs: Array.from(document.querySelectorAll('svg')).filter((s) => s.getBoundingClientRect().width > 100).length,
      images: Array.from(document.images).map((i) => i.complete && i.naturalWidth > 0),
      tables: document.querySelectorAll('table').length,
    }));
    await tab.screenshot({ path: path.join(OUTPUT, `${name}.png`), fullPage: true });
    assert.equal(requests, [url], `${name}: the only request is the file itself; also: ${requests.filter((r) => r !== url).slice(0, 3)}`);
    assert.equal(problems, [], `${name}: no console errors or warnings`);
    assert.equal(facts.images, [true], `${name}: the Grad-CAM picture decodes from its data: URI`);
    assert.ok(existsSync(path.join(OUTPUT, `${name}.png`)));
    return facts;
  };

  R('in headless chromium: renders, no console errors, no requests, screenshot kept (binary, ordinal, multi-label)', async () => {
    assert.ok(availability.ok, `CI=true requires chromium and playwright-core: ${availability.why}`);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, timeout: 60_000 });
    try {
      const binary = await open(browser, await renderReportHtml(input()), 'report-html');
      assert.match(binary.title, /pneumonia — run #12/);
      assert.is(binary.sections, 9);
      assert.ok(binary.svgs >= 6, `${binary.svgs} plots drawn`);
      assert.ok(binary.tables >= 8);
      for (const task of ['ordinal', 'multilabel'] as const) {
        const facts = await open(browser, await classPage(task), `report-html-${task}`);
        assert.match(facts.title, new RegExp(`${task}-run — run #12`));
        assert.is(facts.sections, 8, `${task}: sections`);
        // loss, metrics, ROC, PR, per-class bars, reliability; the ordinal run also its confusion matrix.
        assert.ok(facts.svgs >= (task === 'ordinal' ? 7 : 6), `${task}: ${facts.svgs} plots drawn`);
        assert.ok(facts.tables >= 6, `${task}: ${facts.tables} tables`);
      }
    } finally {
      await browser.close();
    }
  });
}

R.run();
