import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPipelineFile } from '../../src/cli/load-pipeline.ts';
import { SYNTHETIC_CLASSES } from '../../src/data/synthetic.ts';
import type { FolderIngestConfig } from '../../src/stages/ingest.ts';
import { ROOT } from '../helpers/paths.ts';

const root = ROOT;

async function ingestOf(file: string): Promise<FolderIngestConfig> {
  const p = await loadPipelineFile(join(root, file));
  const ingest = p.stages.find((s) => s.kind === 'ingest.folder');
  assert.ok(ingest, `${file} starts with ingest.folder`);
  return ingest!.config as FolderIngestConfig;
}

test('the demo pipeline reads where scripts/make-synthetic.ts writes, with lesion as the positive class', async () => {
  const config = await ingestOf('pipelines/synthetic.ts');
  assert.is(resolve(root, 'pipelines', config.root), resolve(root, 'data/synthetic'));
  assert.equal(config.classes, [...SYNTHETIC_CLASSES]);
  assert.is(SYNTHETIC_CLASSES[1], 'lesion');
  const p = await loadPipelineFile(join(root, 'pipelines/synthetic.ts'));
  assert.equal(
    p.stages.map((s) => s.kind),
    ['ingest.folder', 'normalize', 'augment', 'split', 'build', 'fit', 'evaluate'],
  );
  assert.not.ok((p.stages.find((s) => s.kind === 'augment')!.config as { horizontalFlip?: boolean }).horizontalFlip, 'no left-right flips');
});

test('the pneumonia pipeline points at the shared PneumoniaMNIST folders and keeps their split', async () => {
  const config = await ingestOf('pipelines/pneumonia.ts');
  const dir = resolve(root, 'pipelines', config.root);
  assert.is(dir, resolve(root, '../shared/data/pneumoniamnist/images'));
  assert.equal(config.classes, ['normal', 'pneumonia']);
  if (existsSync(dir))
    for (const split of ['train', 'val', 'test']) for (const c of config.classes!) assert.ok(existsSync(join(dir, split, c)), `${split}/${c}`);
  const p = await loadPipelineFile(join(root, 'pipelines/pneumonia.ts'));
  const split = p.stages.find((s) => s.kind === 'split')!.config as { keepExisting?: boolean };
  assert.is.not(split.keepExisting, false);
});

test('the RetinaMNIST pipeline reads the shared npz, keeps the MedMNIST split and runs the choice of the blind search (GRID.md)', async () => {
  const p = await loadPipelineFile(join(root, 'pipelines/retinamnist.ts'));
  const config = (kind: string) => p.stages.find((s) => s.kind === kind)!.config as Record<string, unknown>;
  assert.equal(
    p.stages.map((s) => s.kind),
    ['ingest.npz', 'normalize', 'augment', 'split', 'build', 'fit', 'evaluate'],
  );
  assert.is(resolve(root, 'pipelines', config('ingest.npz').file as string), resolve(root, '../shared/data/retinamnist/retinamnist.npz'));
  assert.is(config('ingest.npz').task, 'ordinal');
  // Stage C's choice: the compact CNN [32, 64, 128] with Stage A's training; the ensemble and mirrors fixed in advance.
  assert.equal(config('build'), { model: 'compact-cnn', filters: [32, 64, 128] });
  assert.equal(config('fit'), { epochs: 40, batchSize: 32, ensemble: 5, earlyStopping: { monitor: 'val_auc', patience: 10, restoreBestWeights: true } });
  assert.equal(config('evaluate').testTimeAugmentation, { horizontalFlip: true, verticalFlip: true });
});

test.run();
