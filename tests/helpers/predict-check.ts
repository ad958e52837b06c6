// `medpipe predict` must feed the model exactly what training did: its score for an image equals the
// score evaluate wrote for that image in predictions.csv (predict prints 6 decimals, hence 1e-6).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as assert from 'uvu/assert';

/**
 * Compares predict's output (`file\tscore\tlabel` lines) with predictions.csv, whose `file` column is
 * relative to `dataRoot`; every row of predictions.csv must have been scored. Returns the row count.
 */
export async function assertPredictMatchesPredictions(predictStdout: string, predictionsCsv: string, dataRoot: string): Promise<number> {
  const predicted = new Map(
    predictStdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const [file, score] = line.split('\t');
        return [path.relative(dataRoot, file!), Number(score)] as const;
      }),
  );
  const rows = (await readFile(predictionsCsv, 'utf8')).trim().split('\n').slice(1);
  assert.ok(rows.length >= 2, 'the test split has images');
  for (const row of rows) {
    const [, rel, , score] = row.split(',');
    assert.ok(predicted.has(rel!), `predict scored ${rel}`);
    assert.ok(Math.abs(predicted.get(rel!)! - Number(score)) <= 1e-6, `${rel}: predict ${predicted.get(rel!)}, predictions.csv ${score}`);
  }
  return rows.length;
}
