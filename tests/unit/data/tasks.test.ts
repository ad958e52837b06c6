// Task kinds in the data library: what a listing implies (and how a stated task is checked), grade
// names, multi-label CSVs in both layouts, iterative stratification, K-class stratified and
// group-aware splits, and the pair breakdown of the leak audit.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { gradesOf, inferTask, orderClasses, resolveTask, taskOf } from '../../../src/data/task.ts';
import { listCsv } from '../../../src/data/file-listing.ts';
import { iterativeStratification } from '../../../src/data/iterative-stratification.ts';
import { splitImageSet } from '../../../src/data/split-set.ts';
import { testLeakage } from '../../../src/data/duplicates.ts';
import type { ImageSet } from '../../../src/data/image-set.ts';
import type { SampleMeta } from '../../../src/data/types.ts';
import { createRng } from '../../../src/base/rng.ts';
import { removeDir, tempDir } from '../../helpers/core.ts';
import { throwsCode } from '../../helpers/expect-error.ts';
import { prng } from '../../helpers/prng.ts';

const T = suite<{ dir: string }>('task kinds in the data');
T.before(async (ctx) => {
  ctx.dir = await tempDir('tasks');
});
T.after(async (ctx) => removeDir(ctx.dir));

T('inference: two classes binary, more multiclass, numbered grades ordinal (not for npz label values), findings multilabel', () => {
  assert.is(inferTask(['normal', 'pneumonia']).task, 'binary');
  assert.is(inferTask(['glioma', 'meningioma', 'notumor', 'pituitary']).task, 'multiclass');
  assert.is(inferTask(['0', '1', '2', '3', '4']).task, 'ordinal');
  assert.match(inferTask(['0', '1', '2']).reason, /set task: 'multiclass' if they are not ordered/);
  assert.is(inferTask(['0', '1', '2'], { numbersAreNames: true }).task, 'multiclass');
  assert.match(inferTask(['0', '1', '2'], { numbersAreNames: true }).reason, /set task: 'ordinal'/);
  assert.is(inferTask(['KL0', 'KL1', 'KL2', 'KL3', 'KL4']).task, 'ordinal');
  assert.is(inferTask(['effusion', 'nodule'], { multiLabel: true }).task, 'multilabel');
  assert.is(taskOf({ classes: ['a', 'b', 'c'] }), 'multiclass', 'an entry without task (cached before task kinds) reads as multi-class');
  assert.is(taskOf({ classes: ['a', 'b'] }), 'binary');
});

T('grade names: one common word and distinct integers; ordered by number', () => {
  assert.equal(gradesOf(['grade_1', 'grade_2', 'grade_10']), [1, 2, 10]);
  assert.is(gradesOf(['grade_1', 'stage_2']), undefined);
  assert.is(gradesOf(['1', '1']), undefined);
  assert.equal(orderClasses(['0', '1', '10', '2']), ['0', '1', '2', '10']);
  assert.equal(orderClasses(['b', 'a']), ['b', 'a'], 'only grades are reordered');
});

T('a stated task is checked against the classes found', () => {
  const classes = ['a', 'b', 'c'];
  throwsCode(() => resolveTask('binary', inferTask(classes), classes, 'ingest'), 'INVALID_CONFIG', /task 'binary' needs exactly two classes, found 3/);
  throwsCode(() => resolveTask('multilabel', inferTask(classes), classes, 'ingest'), 'INVALID_CONFIG', /does not fit the labels/);
  assert.is(resolveTask('ordinal', inferTask(classes), classes, 'ingest').task, 'ordinal');
  assert.is(resolveTask('multiclass', inferTask(['a', 'b']), ['a', 'b'], 'ingest').task, 'multiclass', 'a 2-way softmax is allowed');
});

T('multi-label CSV: a |-separated label list (empty for none) or one 0/1 column per finding', async ({ dir }) => {
  const pipes = path.join(dir, 'pipes.csv');
  await writeFile(pipes, 'path,label,group\na.png,Effusion|Nodule,p1\nb.png,,p2\nc.png,Nodule,p3\n');
  const listed = await listCsv({ csv: pipes }, dir);
  assert.is(listed.multiLabel, true);
  assert.equal(listed.classes, ['Effusion', 'Nodule']);
  assert.equal(listed.files.map((f) => f.findings), [['Effusion', 'Nodule'], [], ['Nodule']]);
  const columns = path.join(dir, 'columns.csv');
  await writeFile(columns, 'Path,Effusion,Nodule,Mass,split\na.png,1,0,1,train\nb.png,0,0,0,test\n');
  const wide = await listCsv({ csv: columns }, dir);
  assert.equal(wide.classes, ['Effusion', 'Nodule', 'Mass'], 'finding columns found by their 0/1 values, in header order, names as written');
  assert.equal(wide.files.map((f) => f.findings), [['Effusion', 'Mass'], []]);
  assert.equal(wide.files.map((f) => f.split), ['train', 'test']);
  const chosen = await listCsv({ csv: columns, findings: ['Nodule', 'Effusion'] }, dir);
  assert.equal(chosen.classes, ['Nodule', 'Effusion']);
  await writeFile(columns, 'path,Effusion,Nodule\na.png,1,2\n');
  throwsCode(await (async () => { try { await listCsv({ csv: columns, findings: ['Effusion', 'Nodule'] }, dir); return () => undefined; } catch (e) { return () => { throw e; }; } })(), 'INVALID_CONFIG', /finding 'Nodule' is '2', not 0 or 1/);
  // Finding columns are labels, not subgroup attributes; other columns are (identifying ones dropped).
  await writeFile(columns, 'path,Effusion,Nodule,sex,patient_id\na.png,1,0,F,P1\nb.png,0,1,M,P2\n');
  const described = await listCsv({ csv: columns }, dir);
  assert.equal(described.classes, ['Effusion', 'Nodule']);
  assert.equal(described.files.map((f) => f.attributes), [{ sex: 'F' }, { sex: 'M' }]);
  assert.equal(described.droppedColumns, ['patient_id']);
  // A single-label CSV is read as before.
  const single = path.join(dir, 'single.csv');
  await writeFile(single, 'path,label\na.png,normal\nb.png,pneumonia\n');
  const plain = await listCsv({ csv: single }, dir);
  assert.is(plain.multiLabel, undefined);
  assert.equal(plain.files.map((f) => f.className), ['normal', 'pneumonia']);
});

T('iterative stratification: rare findings spread over the bins in proportion; groups stay whole', () => {
  const rand = prng(3);
  const units = Array.from({ length: 200 }, (_, u) => {
    const size = 1 + (u % 3);
    const counts = [rand() < 0.05 ? size : 0, rand() < 0.3 ? size : 0, rand() < 0.6 ? 1 : 0];
    return { indices: Array.from({ length: size }, (_, i) => u * 3 + i), counts };
  });
  const bins = iterativeStratification(units, [0.6, 0.2, 0.2], createRng(1));
  const all = bins.flat().sort((a, b) => a - b);
  assert.equal(all, units.flatMap((u) => u.indices).sort((a, b) => a - b), 'every sample once');
  for (const unit of units) assert.is(new Set(unit.indices.map((i) => bins.findIndex((b) => b.includes(i)))).size, 1, 'a unit in one bin');
  const binOf = new Map(bins.flatMap((b, k) => b.map((i) => [i, k] as const)));
  for (let j = 0; j < 3; j++) {
    const total = units.reduce((n, u) => n + u.counts[j]!, 0);
    const inBin = [0, 1, 2].map((k) => units.filter((u) => binOf.get(u.indices[0]!) === k).reduce((n, u) => n + u.counts[j]!, 0));
    [0.6, 0.2, 0.2].forEach((w, k) => assert.ok(Math.abs(inBin[k]! - w * total) <= Math.max(3, 0.1 * total), `finding ${j} bin ${k}: ${inBin[k]} of ${total}`));
  }
});

/** 1x1 grey images (value i for sample i unless given) stored as records in the test's cache folder. */
async function set(dir: string, samples: SampleMeta[], classes: string[], task?: ImageSet['task'], pixels?: Float32Array): Promise<ImageSet> {
  const { imageSetFromArrays } = await import('../../../src/data/store/from-arrays.ts');
  return imageSetFromArrays(path.join(dir, 'objects'), {
    classes,
    shape: [1, 1, 1],
    samples,
    pixels: pixels ?? Float32Array.from(samples, (_, i) => i),
    ...(task ? { task } : {}),
  });
}

T('split: K classes stratified and group-aware; multi-label split iteratively, counts per finding; the task is carried', async ({ dir }) => {
  const samples: SampleMeta[] = Array.from({ length: 300 }, (_, i) => ({ id: `s${i}`, file: `s${i}`, label: i % 3 === 0 ? 2 : i % 5 === 0 ? 1 : 0, group: `p${Math.floor(i / 2)}` }));
  const split = await splitImageSet(await set(dir, samples, ['a', 'b', 'c']), {}, 42);
  assert.is(split.task, 'multiclass');
  for (const c of [0, 1, 2]) {
    const total = samples.filter((s) => s.label === c).length;
    // Groups (pairs) are stratified by their majority class, so a class's share can be off by a few pairs.
    assert.ok(Math.abs(split.counts.test[c]! - 0.2 * total) <= 6, `class ${c}: test ${split.counts.test[c]} of ${total}`);
  }
  const splitOf = new Map((['train', 'val', 'test'] as const).flatMap((name) => split[name].samples.map((s) => [s.group!, name] as const)));
  for (const name of ['train', 'val', 'test'] as const) for (const s of split[name].samples) assert.is(splitOf.get(s.group!), name, 'a patient in one split');
  const findings: SampleMeta[] = Array.from({ length: 200 }, (_, i) => ({ id: `f${i}`, file: `f${i}`, label: -1, labels: [i % 10 === 0 ? 1 : 0, i % 2, 0] }));
  const multi = await splitImageSet(await set(dir, findings, ['rare', 'common', 'never'], 'multilabel'), {}, 42);
  assert.is(multi.task, 'multilabel');
  assert.equal(multi.counts.test, [4, 20, 0], 'counts per finding, rare one in proportion (20 → 4 in test)');
  const binary = await splitImageSet(await set(dir, samples.slice(0, 20).map((s) => ({ ...s, label: s.label % 2 })), ['n', 'p']), {}, 42);
  assert.is('task' in binary, false, 'binary splits carry no task field (outputs and keys as before)');
});

T('leakage: test images identical to a training or (only) a validation image are counted', async ({ dir }) => {
  const pixels = Float32Array.from([1, 2, 3, 1, 2, 9]);
  const samples: SampleMeta[] = ['t0', 't1', 'v0', 'x0', 'x1', 'x2'].map((id, i) => ({ id, file: id, label: i % 2, split: (['train', 'train', 'val', 'test', 'test', 'test'] as const)[i] }));
  const split = await splitImageSet(await set(dir, samples, ['a', 'b'], undefined, pixels), {}, 1);
  assert.equal(testLeakage(split), { alsoInTrain: 2, alsoInValidation: 0, examples: ['x0', 'x1'] });
});

T.run();
