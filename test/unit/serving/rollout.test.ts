import * as assert from 'node:assert/strict';
import type { CoreV1Event, V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import {
  interpretRollout,
  previousReplicaSet,
  REVISION_ANNOTATION,
} from '../../../src/serving/model/rollout';
import { deployableGpus } from '../../../src/serving/model/freeGpus';
import { buildDeployment } from '../../../src/serving/model/manifests';
import { vllmSpec } from './fixtures';

function deployment(status: V1Deployment['status'], generation = 2, replicas = 1): V1Deployment {
  const base = buildDeployment(
    vllmSpec({
      scaling: { minReplicas: replicas, maxReplicas: replicas, targetCpuUtilization: 70 },
    }),
  );
  return {
    ...base,
    metadata: {
      ...base.metadata,
      generation,
      uid: 'd-uid',
      annotations: { ...base.metadata!.annotations, [REVISION_ANNOTATION]: '3' },
    },
    status,
  };
}

function pod(name: string, status: V1Pod['status']): V1Pod {
  return { metadata: { name }, status };
}

function warning(name: string, reason: string, message: string, kind = 'Pod'): CoreV1Event {
  return { metadata: {}, involvedObject: { name, kind }, reason, message, type: 'Warning' };
}

describe('rollout interpretation', () => {
  it('is available when the observed generation has all replicas updated and available', () => {
    const status = interpretRollout({
      deployment: deployment({
        observedGeneration: 2,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
      }),
      pods: [],
      events: [],
    });
    assert.equal(status.phase, 'available');
    assert.equal(status.summary, 'Available: 1/1 replica ready.');
  });

  it('is progressing while the controller has not observed the new generation or old pods remain', () => {
    assert.equal(
      interpretRollout({
        deployment: deployment({
          observedGeneration: 1,
          replicas: 1,
          updatedReplicas: 1,
          availableReplicas: 1,
        }),
        pods: [],
        events: [],
      }).phase,
      'progressing',
    );
    const old = interpretRollout({
      deployment: deployment({
        observedGeneration: 2,
        replicas: 2,
        updatedReplicas: 1,
        availableReplicas: 1,
      }),
      pods: [],
      events: [],
    });
    assert.equal(old.phase, 'progressing');
    assert.match(old.summary, /1 old replica terminating/);
  });

  it('keeps waiting, with no problem, while the scheduler does not see a volume bound a moment ago', () => {
    const message = '0/5 nodes are available: persistentvolume "pvc-7b42457c" not found.';
    const status = interpretRollout({
      deployment: deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1 }),
      pods: [
        pod('llm-abc', {
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }],
        }),
      ],
      events: [warning('llm-abc', 'FailedScheduling', message)],
    });
    assert.equal(status.phase, 'progressing');
    assert.deepEqual(status.problems, []);
  });

  it('explains insufficient GPUs from FailedScheduling events and says where GPUs are free', () => {
    const free = new Map([['NVIDIA-H100-80GB-HBM3', { free: 12, largestOnOneNode: 8 }]]);
    const status = interpretRollout({
      deployment: deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1 }),
      pods: [pod('llama-abc', { phase: 'Pending' })],
      events: [
        warning(
          'llama-abc',
          'FailedScheduling',
          "0/5 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 4 Insufficient nvidia.com/gpu. preemption: 0/5 nodes are available",
        ),
      ],
      freeGpus: free,
    });
    assert.equal(status.phase, 'failed');
    assert.equal(status.problems[0].kind, 'insufficientGpu');
    assert.match(status.problems[0].message, /no node has 1 free GPU /);
    assert.match(
      status.problems[0].hint,
      /NVIDIA-H100-80GB-HBM3: 12 free \(at most 8 on one node\)/,
    );
  });

  it('explains image pull failures, OOM kills and crash loops from pod statuses', () => {
    const status = interpretRollout({
      deployment: deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2 }, 2, 2),
      pods: [
        pod('a', {
          containerStatuses: [
            {
              name: 'server',
              image: 'vllm/nope:1',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } },
            },
          ],
        }),
        pod('b', {
          containerStatuses: [
            {
              name: 'server',
              image: 'x',
              imageID: '',
              ready: false,
              restartCount: 3,
              lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
              state: { waiting: { reason: 'CrashLoopBackOff' } },
            },
          ],
        }),
      ],
      events: [],
    });
    assert.equal(status.phase, 'failed');
    assert.deepEqual(
      status.problems.map((problem) => problem.kind),
      ['imagePull', 'oomKilled'],
    );
    assert.match(status.problems[0].message, /vllm\/nope:1/);
    assert.match(status.problems[1].hint, /memory limit/);
  });

  it('reports failing probes without failing the rollout (the model may still be loading)', () => {
    const status = interpretRollout({
      deployment: deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1 }),
      pods: [pod('p', {})],
      events: [
        warning('p', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503'),
      ],
    });
    assert.equal(status.phase, 'progressing');
    assert.equal(status.problems[0].kind, 'probeFailing');
    assert.match(status.problems[0].message, /Readiness probe of pod p/);
  });

  it('names a Multi-Attach error in plain words: a ReadWriteOnce disk attached to another node', () => {
    const status = interpretRollout({
      deployment: deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2 }),
      pods: [pod('p2', {})],
      events: [
        warning(
          'p2',
          'FailedAttachVolume',
          'Multi-Attach error for volume "pvc-7" Volume is already used by pod(s) p1',
        ),
      ],
    });
    assert.equal(status.problems[0].kind, 'volumeAttach');
    assert.equal(
      status.problems[0].message,
      'Pod p2 cannot start: volume pvc-7 is a ReadWriteOnce disk already attached to another node (used by pod p1): a disk like that attaches to one node at a time (Multi-Attach error).',
    );
    assert.match(status.problems[0].hint, /ReadWriteMany/);
  });

  it('fails on ProgressDeadlineExceeded and names quota refusals from ReplicaSet events', () => {
    const status = interpretRollout({
      deployment: deployment({
        observedGeneration: 2,
        replicas: 0,
        conditions: [
          { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: '' },
        ],
      }),
      pods: [],
      events: [
        warning(
          'llama-7d9f',
          'FailedCreate',
          'pods "llama-7d9f-x" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=1',
          'ReplicaSet',
        ),
      ],
    });
    assert.equal(status.phase, 'failed');
    assert.deepEqual(
      status.problems.map((problem) => problem.kind),
      ['quota', 'progressDeadline'],
    );
    assert.match(status.summary, /gpu-quota/);
  });

  it('ignores events of other objects', () => {
    const status = interpretRollout({
      deployment: deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1 }),
      pods: [],
      events: [warning('other-pod', 'FailedScheduling', '4 Insufficient nvidia.com/gpu')],
    });
    assert.equal(status.phase, 'progressing');
    assert.deepEqual(status.problems, []);
  });
});

describe('roll back target', () => {
  const replicaSet = (name: string, revision: string, owner = 'd-uid'): V1ReplicaSet => ({
    metadata: {
      name,
      annotations: { [REVISION_ANNOTATION]: revision },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'llama', uid: owner }],
    },
    spec: { selector: {} },
  });

  it('picks the highest revision below the current one among owned ReplicaSets', () => {
    const chosen = previousReplicaSet(deployment({}), [
      replicaSet('r1', '1'),
      replicaSet('r3', '3'),
      replicaSet('r2', '2'),
      replicaSet('other', '2', 'x'),
    ]);
    assert.equal(chosen?.metadata?.name, 'r2');
    assert.equal(previousReplicaSet(deployment({}), [replicaSet('r3', '3')]), undefined);
  });
});

describe('free GPUs by product', () => {
  it('subtracts GPUs of running pods bound to each node', () => {
    const node = (name: string, product: string, gpus: string) => ({
      metadata: { name, labels: { 'nvidia.com/gpu.product': product } },
      status: {
        allocatable: { 'nvidia.com/gpu': gpus },
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    });
    const gpuPod = (nodeName: string, gpus: string, phase = 'Running'): V1Pod => ({
      metadata: { name: `on-${nodeName}`, namespace: 'ml' },
      spec: {
        nodeName,
        containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': gpus } } }],
      },
      status: { phase },
    });
    const free = deployableGpus(
      [
        node('h1', 'H100', '8'),
        node('h2', 'H100', '8'),
        node('a1', 'A100', '4'),
        { metadata: { name: 'cpu' }, status: { allocatable: { cpu: '8' } } },
      ],
      [gpuPod('h1', '6'), gpuPod('h2', '1'), gpuPod('a1', '4', 'Succeeded')],
    );
    assert.deepEqual(free.get('H100'), { free: 9, largestOnOneNode: 7 });
    assert.deepEqual(free.get('A100'), { free: 4, largestOnOneNode: 4 });
    assert.equal(free.size, 2);
  });
});
