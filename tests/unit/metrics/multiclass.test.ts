// Hand-checked values of the K-class metric functions (scikit-learn cross-checks: multiclass-sklearn.test.ts).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  argmax,
  cohenKappa,
  confusionMatrix,
  multiclassLogLoss,
  multiclassMetrics,
  multilabelMetrics,
  thresholdForMaxF1,
  topKAccuracy,
} from '../../../src/metrics/index.ts';
import { MedpipeError } from '../../../src/base/errors.ts';

const M = suite('multi-class metrics by hand');

M('argmax takes the first of tied maxima (numpy); the confusion matrix has truth in rows', () => {
  assert.is(argmax([0.2, 0.4, 0.4]), 1);
  assert.equal(confusionMatrix([0, 1, 2], [0, 2, 2], 3), [
    [1, 0, 0],
    [0, 0, 1],
    [0, 0, 1],
  ]);
});

M('top-k: among tied scores the higher class index ranks first (scikit-learn)', () => {
  // Sample 2: classes 0 and 1 tie at 0.4; class 1 ranks above 0, so class 0 is 2nd: a top-2 hit but not top-1.
  assert.is(
    topKAccuracy(
      [0, 0],
      [
        [0.5, 0.3, 0.2],
        [0.4, 0.4, 0.2],
      ],
      1,
    ),
    0.5,
  );
  assert.is(topKAccuracy([1], [[0.4, 0.4, 0.2]], 1), 1);
});

M("Cohen's kappa: perfect agreement 1, quadratic weights punish far grades more", () => {
  assert.is(
    cohenKappa([
      [3, 0],
      [0, 2],
    ]),
    1,
  );
  const near = cohenKappa(
    [
      [2, 1, 0],
      [0, 2, 0],
      [0, 0, 2],
    ],
    'quadratic',
  );
  const far = cohenKappa(
    [
      [2, 0, 1],
      [0, 2, 0],
      [0, 0, 2],
    ],
    'quadratic',
  );
  assert.ok(near > far, `one grade off (${near}) scores above two grades off (${far})`);
  assert.ok(
    Number.isNaN(
      cohenKappa([
        [4, 0],
        [0, 0],
      ]),
    ),
    'one class everywhere: 0/0',
  );
});

M('log loss: −mean log p(true class), rows renormalised', () => {
  assert.ok(
    Math.abs(
      multiclassLogLoss(
        [0, 2],
        [
          [0.7, 0.2, 0.1],
          [0.1, 0.1, 0.8],
        ],
      ) -
        -(Math.log(0.7) + Math.log(0.8)) / 2,
    ) < 1e-15,
  );
  assert.ok(Math.abs(multiclassLogLoss([0], [[0.2, 0.1, 0.1]]) - -Math.log(0.5)) < 1e-15);
});

M('multiclassMetrics: a perfect model, ordinal extras, and clear errors for bad input', () => {
  const m = multiclassMetrics(
    [0, 1, 2],
    [
      [0.8, 0.1, 0.1],
      [0.1, 0.8, 0.1],
      [0.1, 0.1, 0.8],
    ],
    ['a', 'b', 'c'],
    { task: 'ordinal' },
  );
  assert.is(m.accuracy, 1);
  assert.is(m.auc, 1);
  assert.is(m.quadraticWeightedKappa, 1);
  assert.is(m.meanAbsoluteError, 0);
  assert.equal(m.topKAccuracy, { '2': 1 });
  assert.throws(
    () => multiclassMetrics([3], [[0.5, 0.5, 0]], ['a', 'b', 'c']),
    (e: unknown) => e instanceof MedpipeError && /not a class index 0\.\.2/.test(e.message),
  );
  assert.throws(
    () => multiclassMetrics([0], [[0.5, 0.5]], ['a', 'b', 'c']),
    (e: unknown) => e instanceof MedpipeError && /one output unit per class/.test(e.fix ?? ''),
  );
});

M('multi-label: max-F1 threshold picks the highest of equal F1s; a label with no positive keeps the fallback', () => {
  assert.is(thresholdForMaxF1([0, 1, 1], [0.2, 0.6, 0.4]), 0.4);
  assert.is(thresholdForMaxF1([0, 0], [0.2, 0.6]), 0.5);
  const m = multilabelMetrics(
    [
      [1, 0],
      [0, 0],
    ],
    [
      [0.9, 0.2],
      [0.3, 0.6],
    ],
    ['effusion', 'nodule'],
    [0.5, 0.5],
  );
  assert.is(m.perLabel.effusion!.auc, 1);
  assert.ok(Number.isNaN(m.perLabel.nodule!.auc), 'a finding present in no sample has no AUC');
  assert.is(m.auc, 1, 'the macro AUC is over the defined labels');
  assert.is(m.hammingLoss, 1 / 4);
  assert.is(m.subsetAccuracy, 1 / 2);
});

M.run();
