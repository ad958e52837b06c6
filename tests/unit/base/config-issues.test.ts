// checkConfig: one parse gives the problems or the parsed value (defaults filled in), and
// configIssues lists the same problems.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { checkConfig, configIssues } from '../../../src/base/config-issues.ts';

const C = suite('config issues');

const schema = z.strictObject({
  onBadFile: z.enum(['fail', 'skip']).default('fail'),
  size: z.tuple([z.number().int().positive(), z.number().int().positive()]),
});

C('a conforming config comes back parsed, with its defaults', () => {
  const config = { size: [28, 28] };
  assert.equal(checkConfig(schema, config), { issues: [], data: { onBadFile: 'fail', size: [28, 28] } });
  assert.equal(config, { size: [28, 28] }, 'the config as written is left alone');
  assert.equal(configIssues(schema, config), []);
});

C('a wrong config has its problems and no parsed value', () => {
  const config = { onBadFiel: 'skip', size: [28, 0] };
  const checked = checkConfig(schema, config);
  assert.is(checked.data, undefined);
  assert.equal(
    checked.issues.map((issue) => [issue.path, issue.suggestion]),
    [
      [['size', 1], undefined],
      [['onBadFiel'], 'onBadFile'],
    ],
  );
  assert.equal(configIssues(schema, config), checked.issues);
});

C.run();
