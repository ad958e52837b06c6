// Child process of the concurrency test in tests/history.test.ts: appends `count` runs named
// `<writer>-<i>` to the history at `path`, each in its own open/insert/close, as separate runs would.
import { openHistory } from '../../src/history/database.ts';
import { insertRun } from '../../src/history/record.ts';

const [path, writer, count] = process.argv.slice(2);
for (let i = 0; i < Number(count); i++) {
  const db = await openHistory(path!);
  try {
    insertRun(db, {
      runId: `${writer}-${i}`,
      pipeline: `writer-${writer}`,
      startedAt: new Date().toISOString(),
      ms: i,
      ok: true,
      seed: i,
      cacheHits: 0,
      stages: [{ stage: 'evaluate', kind: 'evaluate', key: `k${i}`, config: { i }, cached: false, ms: 1 }],
      files: [],
      extraMetrics: { auc: 0.5 + i / 1000 },
    });
  } finally {
    db.close();
  }
}
