import * as assert from 'node:assert/strict';
import { assertValidJobSpec, jobSpecProblems, rerunName } from '../../../src/jobs/model/jobSpec';
import { KubeMlError } from '../../../src/cluster/errors';
import { spec } from './fixtures';

describe('jobs/jobSpec', () => {
  it('accepts a typical spec', () => {
    assert.deepEqual(
      jobSpecProblems(
        spec({
          gpusPerWorker: 8,
          workers: 2,
          gpuProduct: 'NVIDIA-H100-80GB-HBM3',
          cpu: '8',
          memory: '64Gi',
        }),
      ),
      [],
    );
  });

  it('names the DNS-1123 rule for a bad run name', () => {
    const [problem] = jobSpecProblems(spec({ name: 'Train_A' }));
    assert.match(problem!, /DNS-1123 label/);
    assert.match(problem!, /upper-case/);
  });

  it('limits run names so worker host names stay DNS labels', () => {
    const problems = jobSpecProblems(spec({ name: 'a'.repeat(55) }));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /limit is 50/);
  });

  it('reports every broken field at once', () => {
    const problems = jobSpecProblems(
      spec({
        workers: 0,
        gpusPerWorker: 1.5,
        cpu: 'lots',
        command: [],
        env: { '1BAD': 'x' },
        masterPort: 70000,
      }),
    );
    assert.equal(problems.length, 6);
    for (const field of ['workers', 'gpusPerWorker', 'cpu', 'command', 'env name', 'masterPort']) {
      assert.ok(
        problems.some((problem) => problem.includes(field)),
        `missing ${field} in ${problems.join(' | ')}`,
      );
    }
  });

  it('throws one invalidInput error listing the problems', () => {
    assert.throws(
      () => assertValidJobSpec(spec({ image: 'has space' })),
      (error: unknown) =>
        error instanceof KubeMlError &&
        error.kind === 'invalidInput' &&
        /image "has space"/.test(error.summary),
    );
  });

  it('names re-runs -r2, -r3 and skips names in use', () => {
    assert.equal(rerunName('train-a', new Set()), 'train-a-r2');
    assert.equal(rerunName('train-a-r2', new Set(['train-a-r2'])), 'train-a-r3');
    assert.equal(rerunName('train-a', new Set(['train-a-r2', 'train-a-r3'])), 'train-a-r4');
    assert.ok(rerunName('x'.repeat(50), new Set()).length <= 50);
  });
});
