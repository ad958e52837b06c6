// evaluate options that belong to some tasks: each refused on the others with the reason, all at once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTaskOptions, taskOptionProblems } from '../../../src/report/task-options.ts';
import { throwsCode } from '../../helpers/expect-error.ts';

const T = suite('evaluate options per task');

T('binary-only options (positiveClass, the clinical evaluation) are refused on K classes; subgroups: false fits every task', () => {
  assert.equal(taskOptionProblems({ positiveClass: 'a', bootstrap: { resamples: 200 }, calibration: { bins: 5 }, subgroups: ['sex'] }, 'binary'), []);
  const problems = taskOptionProblems({ positiveClass: 'a', bootstrap: { resamples: 200 }, calibration: { bins: 5 }, subgroups: ['sex'] }, 'multiclass');
  assert.equal(
    problems.map((p) => p.split(' ')[0]),
    ['evaluate.positiveClass', 'evaluate.bootstrap', 'evaluate.calibration', 'evaluate.subgroups'],
  );
  assert.match(problems[1]!, 'this one is multiclass: confidence intervals are computed for binary tasks only');
  assert.equal(taskOptionProblems({ subgroups: false }, 'ordinal'), []);
  assert.equal(taskOptionProblems({ threshold: 'maxF1', sensitivity: 0.9 }, 'multilabel'), []);
  assert.equal(taskOptionProblems({ threshold: 0.3 }, 'ordinal').length, 1);
  assert.equal(taskOptionProblems({ gradCamClass: 'b' }, 'binary').length, 1);
  throwsCode(() => checkTaskOptions({ threshold: 'youden', calibration: {} }, 'multiclass'), 'INVALID_CONFIG', /evaluate\.threshold .*; evaluate\.calibration/);
});

T.run();
