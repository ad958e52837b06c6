// evaluate options that belong to some tasks: each refused on the others with the reason, all at once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTaskOptions, taskOptionProblems } from '../../../src/report/task-options.ts';
import { throwsCode } from '../../helpers/expect-error.ts';

const T = suite('evaluate options per task');

T('binary-only options (positiveClass, recalibration) are refused on K classes; intervals, binning and subgroups fit every task', () => {
  const options = { positiveClass: 'a', bootstrap: { resamples: 200 }, calibration: { bins: 5, recalibrate: 'platt' }, subgroups: ['sex'] } as const;
  assert.equal(taskOptionProblems(options, 'binary'), []);
  const problems = taskOptionProblems(options, 'multiclass');
  assert.equal(
    problems.map((p) => p.split(' ')[0]),
    ['evaluate.positiveClass', 'evaluate.calibration.recalibrate'],
  );
  assert.match(problems[1]!, 'this one is multiclass: Platt and isotonic recalibration map one score per image');
  assert.equal(taskOptionProblems({ bootstrap: { resamples: 200 }, calibration: { bins: 5, strategy: 'quantile' }, subgroups: ['sex'] }, 'multilabel'), []);
  assert.equal(taskOptionProblems({ subgroups: false }, 'ordinal'), []);
  assert.equal(taskOptionProblems({ threshold: 'maxF1', sensitivity: 0.9 }, 'multilabel'), []);
  assert.equal(taskOptionProblems({ threshold: 0.3 }, 'ordinal').length, 1);
  assert.equal(taskOptionProblems({ gradCamClass: 'b' }, 'binary').length, 1);
  throwsCode(
    () => checkTaskOptions({ threshold: 'youden', calibration: { recalibrate: 'isotonic' } }, 'multiclass'),
    'INVALID_CONFIG',
    /evaluate\.threshold .*; evaluate\.calibration\.recalibrate/,
  );
});

T.run();
