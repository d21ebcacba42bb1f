import * as assert from 'node:assert/strict';
import {
  availableRuntimes,
  capabilitiesFrom,
  chooseRuntime,
  NO_CAPABILITIES,
} from '../../../src/jobs/model/runtime';

const all = { trainJob: true, pytorchJob: true, rayJob: true, kueue: true };

describe('jobs/runtime', () => {
  it('reads capabilities from discovered group/version resources', () => {
    const discovered = new Map([
      ['kubeflow.org/v1', new Set(['pytorchjobs', 'tfjobs'])],
      ['kueue.x-k8s.io/v1beta1', new Set(['workloads', 'localqueues', 'clusterqueues'])],
      ['ray.io/v1', new Set(['rayclusters'])],
    ]);
    assert.deepEqual(capabilitiesFrom(discovered), {
      trainJob: false,
      pytorchJob: true,
      rayJob: false,
      kueue: true,
    });
  });

  it('takes a plain Job for one worker even when Kubeflow is installed', () => {
    assert.equal(chooseRuntime({ workers: 1, runtime: 'auto' }, all).runtime, 'job');
  });

  it('prefers TrainJob, then PyTorchJob, then an Indexed Job for several workers', () => {
    assert.equal(chooseRuntime({ workers: 2, runtime: 'auto' }, all).runtime, 'trainJob');
    assert.equal(
      chooseRuntime({ workers: 2, runtime: 'auto' }, { ...all, trainJob: false }).runtime,
      'pytorchJob',
    );
    const fallback = chooseRuntime({ workers: 2, runtime: 'auto' }, NO_CAPABILITIES);
    assert.equal(fallback.runtime, 'indexedJob');
    assert.match(fallback.reason, /headless Service/);
  });

  it('never picks RayJob automatically but honours it when asked and installed', () => {
    assert.ok(
      !['rayJob'].includes(
        chooseRuntime(
          { workers: 4, runtime: 'auto' },
          { ...all, trainJob: false, pytorchJob: false },
        ).runtime,
      ),
    );
    assert.equal(chooseRuntime({ workers: 4, runtime: 'rayJob' }, all).runtime, 'rayJob');
  });

  it('explains a requested runtime whose CRD is missing', () => {
    assert.throws(
      () => chooseRuntime({ workers: 2, runtime: 'pytorchJob' }, NO_CAPABILITIES),
      /PyTorchJob CRD \(kubeflow.org\/v1\)/,
    );
    assert.throws(
      () => chooseRuntime({ workers: 2, runtime: 'job' }, NO_CAPABILITIES),
      /runs one worker/,
    );
  });

  it('lists what the cluster can run', () => {
    assert.deepEqual(availableRuntimes(2, NO_CAPABILITIES), ['indexedJob']);
    assert.deepEqual(availableRuntimes(2, all), ['trainJob', 'pytorchJob', 'indexedJob', 'rayJob']);
  });
});
