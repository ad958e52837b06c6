import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MedpipeError } from '../../../src/base/errors.ts';
import {
  confusionMatrixSpec,
  lossCurveSpec,
  metricCurvesSpec,
  prCurveSpec,
  renderSvg,
  rocCurveSpec,
  svgToPng,
  writePlots,
  type EpochRecord,
} from '../../../src/report/index.ts';
import { averagePrecision, precisionRecallCurve, rocAuc, rocCurve } from '../../../src/metrics/index.ts';
import { restartSvgIds } from '../../../src/report/render-svg.ts';

/** The visible strings of a vega SVG: each <text>, with multi-line <tspan>s joined by '\n'. */
function svgTexts(svg: string): string[] {
  const texts: string[] = [];
  for (const m of svg.matchAll(/<text\b[^>]*>([\s\S]*?)<\/text>/g)) {
    const inner = m[1].includes('<tspan') ? [...m[1].matchAll(/<tspan\b[^>]*>([\s\S]*?)<\/tspan>/g)].map((t) => t[1]).join('\n') : m[1];
    texts.push(
      inner
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&'),
    );
  }
  return texts;
}

/** librsvg (through sharp) parses the SVG with libxml2: malformed XML is rejected. */
async function parsesAsSvg(svg: string): Promise<{ width: number; height: number }> {
  const meta = await sharp(Buffer.from(svg)).metadata();
  assert.is(meta.format, 'svg');
  return { width: meta.width ?? 0, height: meta.height ?? 0 };
}

const history: EpochRecord[] = [1, 2, 3, 4, 5].map((epoch) => ({
  epoch,
  loss: 0.7 / epoch,
  val_loss: 0.6 / Math.sqrt(epoch),
  tp: 10 * epoch,
  val_tp: 5 * epoch,
  accuracy: 0.6 + epoch / 20,
  val_accuracy: 0.55 + epoch / 25,
  precision: 0.7,
  val_precision: 0.65,
  recall: 0.8,
  val_recall: 0.75,
  auc: 0.8 + epoch / 30,
  val_auc: 0.78 + epoch / 40,
  specificity_at_sensitivity: 0.5 + epoch / 20,
  val_specificity_at_sensitivity: 0.45 + epoch / 20,
}));

const Y_TRAIN = [0, 0, 0, 1, 1, 1, 1, 0, 1, 0];
const S_TRAIN = [0.1, 0.2, 0.3, 0.8, 0.7, 0.9, 0.35, 0.6, 0.6, 0.05];
const Y_TEST = [0, 1, 0, 1, 1, 0];
const S_TEST = [0.2, 0.7, 0.65, 0.4, 0.9, 0.1];
const rocInput = [
  { name: 'train', ...rocCurve(Y_TRAIN, S_TRAIN), auc: rocAuc(Y_TRAIN, S_TRAIN) },
  { name: 'test', ...rocCurve(Y_TEST, S_TEST), auc: rocAuc(Y_TEST, S_TEST) },
];
const prInput = [
  { name: 'train', ...precisionRecallCurve(Y_TRAIN, S_TRAIN), averagePrecision: averagePrecision(Y_TRAIN, S_TRAIN), prevalence: 0.5 },
  { name: 'test', ...precisionRecallCurve(Y_TEST, S_TEST), averagePrecision: averagePrecision(Y_TEST, S_TEST) },
];

const plots = suite('report: plots');

plots('loss curve: log-scale y, train vs validation, titled and labelled', async () => {
  const spec = lossCurveSpec(history, { bestEpoch: 3 }) as any;
  assert.is(spec.layer[0].encoding.y.scale.type, 'log');
  assert.equal(spec.layer[0].data.values.length, 10, 'one loss and one val_loss per epoch');
  const svg = await renderSvg(spec);
  await parsesAsSvg(svg);
  const texts = svgTexts(svg);
  for (const t of ['Loss per epoch: train vs validation', 'Epoch', 'Loss (log scale)', 'train', 'validation', 'best epoch 3']) {
    assert.ok(texts.includes(t), `missing "${t}" in ${JSON.stringify(texts)}`);
  }
});

plots('loss curve leaves out losses a log scale cannot show', () => {
  const spec = lossCurveSpec([
    { epoch: 1, loss: 0, val_loss: Number.NaN },
    { epoch: 2, loss: 0.5, val_loss: 0.4 },
  ]) as any;
  assert.equal(spec.layer[0].data.values, [
    { epoch: 2, split: 'train', loss: 0.5 },
    { epoch: 2, split: 'validation', loss: 0.4 },
  ]);
});

plots('metric curves: one panel per rate metric with train and validation, counts left out', async () => {
  const svg = await renderSvg(metricCurvesSpec(history));
  await parsesAsSvg(svg);
  const texts = svgTexts(svg);
  for (const t of [
    'Metrics per epoch: train vs validation',
    'Accuracy',
    'Precision (PPV)',
    'Recall (sensitivity)',
    'ROC AUC',
    'Specificity at sensitivity 0.8',
    'train',
    'validation',
  ]) {
    assert.ok(texts.includes(t), `missing "${t}"`);
  }
  assert.not.ok(texts.includes('tp'), 'counts are not plotted as a metric');
  const spec = metricCurvesSpec(history, { metrics: ['auc'] }) as any;
  assert.equal(new Set(spec.data.values.map((v: any) => `${v.metric}/${v.split}`)), new Set(['ROC AUC/train', 'ROC AUC/validation']));
});

plots('a page of plots is the same bytes whatever the process rendered before (vega numbers gradients process-wide)', async () => {
  const spec = confusionMatrixSpec({ tp: 5, fp: 1, tn: 4, fn: 2 }, ['a', 'b'], 0.5);
  restartSvgIds();
  const first = await renderSvg(spec);
  assert.match(first, /gradient_0/, 'the legend has a gradient');
  const later = await renderSvg(spec);
  assert.not.equal(later, first, 'without a restart the next plot numbers on');
  restartSvgIds();
  assert.is(await renderSvg(spec), first);
});

plots('each plot file is the same bytes whatever the process rendered before', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medpipe-plots-'));
  try {
    const input = { history: [], confusion: { tp: 5, fp: 1, tn: 4, fn: 2 }, classNames: ['a', 'b'], threshold: 0.5, roc: rocInput, pr: prInput, png: false };
    const [first] = await writePlots(join(dir, 'first'), input);
    const matrix = readFileSync(first!, 'utf8');
    assert.match(matrix, /gradient_0/, 'the confusion matrix legend has a gradient');
    await renderSvg(confusionMatrixSpec({ tp: 1, fp: 1, tn: 1, fn: 1 }, ['a', 'b'], 0.5));
    const [again] = await writePlots(join(dir, 'again'), input);
    assert.is(readFileSync(again!, 'utf8'), matrix);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

plots('confusion matrix: rows actual, columns predicted, the four counts as text', async () => {
  const counts = { tp: 365, fp: 14, tn: 217, fn: 28 };
  const svg = await renderSvg(confusionMatrixSpec(counts, ['normal', 'pneumonia'], 0.42, { split: 'test' }));
  await parsesAsSvg(svg);
  const texts = svgTexts(svg);
  for (const t of ['Confusion matrix on the test split', 'Predicted label', 'Actual label', 'normal', 'pneumonia']) {
    assert.ok(texts.includes(t), `missing "${t}"`);
  }
  assert.ok(
    texts.some((t) => t.includes('threshold 0.42')),
    'the threshold is in the subtitle',
  );
  // Each count is drawn in its cell: find the cell text and its position.
  const cell = (count: number, tag: string): { x: number; y: number } => {
    const re = new RegExp(`<text[^>]*transform="translate\\(([\\d.]+),([\\d.]+)\\)"[^>]*><tspan>${count}</tspan><tspan[^>]*>${tag} `);
    const m = svg.match(re);
    assert.ok(m, `no cell "${count} ${tag}"`);
    return { x: Number(m![1]), y: Number(m![2]) };
  };
  const tn = cell(217, 'TN');
  const fp = cell(14, 'FP');
  const fn = cell(28, 'FN');
  const tp = cell(365, 'TP');
  assert.ok(fp.x > tn.x && fp.y === tn.y, 'FP: same actual row as TN, predicted-positive column to the right');
  assert.ok(fn.y > tn.y && fn.x === tn.x, 'FN: actual-positive row below TN, predicted-negative column');
  assert.ok(tp.x === fp.x && tp.y === fn.y, 'TP: actual positive, predicted positive');
  assert.match(svg, /aria-label="Predicted label: pneumonia; Actual label: normal; label: 14,FP/);
});

plots('ROC: both curves with their AUC in the legend, chance diagonal, axis titles', async () => {
  const svg = await renderSvg(rocCurveSpec(rocInput));
  await parsesAsSvg(svg);
  const texts = svgTexts(svg);
  const trainLabel = `train (AUC = ${rocInput[0].auc.toFixed(3)})`;
  const testLabel = `test (AUC = ${rocInput[1].auc.toFixed(3)})`;
  assert.is(testLabel, 'test (AUC = 0.889)', '8 of 9 positive-negative pairs ranked right (0.4 < 0.65)');
  for (const t of [trainLabel, testLabel, 'ROC curve: train vs test', 'False positive rate (1 − specificity)', 'True positive rate (sensitivity)']) {
    assert.ok(texts.includes(t), `missing "${t}" in ${JSON.stringify(texts)}`);
  }
  assert.match(svg, /stroke-dasharray="5,5"/, 'the dashed chance diagonal');
  // Points stay in curve order (vertical steps intact), not re-sorted by fpr.
  const spec = rocCurveSpec(rocInput) as any;
  assert.equal(spec.layer[1].encoding.order, { field: 'order', type: 'quantitative' });
});

plots('PR: AP in the legend, recall and precision axes', async () => {
  const svg = await renderSvg(prCurveSpec(prInput));
  await parsesAsSvg(svg);
  const texts = svgTexts(svg);
  for (const t of [
    `train (AP = ${prInput[0].averagePrecision.toFixed(3)})`,
    `test (AP = ${prInput[1].averagePrecision.toFixed(3)})`,
    'Recall (sensitivity)',
    'Precision (PPV)',
  ]) {
    assert.ok(texts.includes(t), `missing "${t}"`);
  }
});

plots('bad plot input is a clear error', () => {
  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      assert.instance(e, MedpipeError);
      assert.ok((e as MedpipeError).fix);
      return (e as MedpipeError).code;
    }
    return 'no error';
  };
  assert.is(
    code(() => lossCurveSpec([])),
    'INVALID_CONFIG',
  );
  assert.is(
    code(() => confusionMatrixSpec({ tp: 1, fp: 0, tn: 1, fn: 0 }, ['a'], 0.5)),
    'INVALID_CONFIG',
  );
  assert.is(
    code(() => confusionMatrixSpec({ tp: 1.5, fp: 0, tn: 1, fn: 0 }, ['a', 'b'], 0.5)),
    'INVALID_CONFIG',
  );
  assert.is(
    code(() => rocCurveSpec([{ name: 'x', fpr: [0, 1], tpr: [0], auc: 1 }])),
    'INVALID_CONFIG',
  );
});

const png = suite('report: PNG via sharp');

png('the parse check rejects malformed SVG', async () => {
  try {
    await parsesAsSvg('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>');
  } catch {
    return;
  }
  assert.unreachable('malformed SVG was accepted');
});

png('PNG has the SVG size times the scale', async () => {
  const svg = await renderSvg(rocCurveSpec(rocInput));
  const { width, height } = await parsesAsSvg(svg);
  const meta = await sharp(await svgToPng(svg, 2)).metadata();
  assert.is(meta.format, 'png');
  assert.is(meta.width, width * 2);
  assert.is(meta.height, height * 2);
});

png('text is really drawn in the PNG (a font is installed: Debian fonts-dejavu-core)', async () => {
  // With no usable font, librsvg draws nothing or identical boxes, so these two would be equal.
  const draw = async (text: string): Promise<number> => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/><text x="5" y="30" font-family="DejaVu Sans, sans-serif" font-size="28">${text}</text></svg>`;
    const { data } = await sharp(await svgToPng(svg, 1))
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    let ink = 0;
    for (const v of data) ink += 255 - v;
    return ink;
  };
  const thin = await draw('iiii');
  const wide = await draw('WWWW');
  assert.ok(thin > 0, 'no text pixels at all: install fonts-dejavu-core (and fontconfig)');
  assert.ok(wide > thin * 1.5, `"WWWW" should hold far more ink than "iiii" (${wide} vs ${thin}): glyphs are boxes, install fonts-dejavu-core`);
});

png('writePlots writes every SVG and PNG and returns the paths', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medpipe-plots-'));
  try {
    const out = join(dir, 'plots');
    const files = await writePlots(out, {
      history,
      bestEpoch: 4,
      confusion: { tp: 3, fp: 1, tn: 2, fn: 0 },
      classNames: ['normal', 'pneumonia'],
      threshold: 0.5,
      roc: rocInput,
      pr: prInput,
    });
    const names = ['loss', 'metrics', 'confusion_matrix', 'roc', 'pr'].flatMap((n) => [`${n}.svg`, `${n}.png`]);
    assert.equal(
      files,
      names.map((n) => join(out, n)),
    );
    assert.equal(readdirSync(out).sort(), [...names].sort());
    for (const f of files) {
      const meta = await sharp(f).metadata();
      assert.is(meta.format, f.endsWith('.png') ? 'png' : 'svg', f);
    }
    const noHistory = await writePlots(join(dir, 'eval-only'), {
      history: [],
      confusion: { tp: 3, fp: 1, tn: 2, fn: 0 },
      classNames: ['normal', 'pneumonia'],
      threshold: 0.5,
      roc: rocInput,
      pr: prInput,
      png: false,
    });
    assert.equal(
      noHistory.map((f) => f.split('/').pop()),
      ['confusion_matrix.svg', 'roc.svg', 'pr.svg'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

plots.run();
png.run();
