import * as assert from 'node:assert/strict';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { buildRunManifests } from '../../../src/jobs/model/manifests';
import { freeGpusByNode, explainUnschedulable } from '../../../src/jobs/model/gpuFit';
import {
  deriveRunView,
  describeRun,
  formatDuration,
  runObjectInfo,
  workloadInfo,
  type RunObjectInfo,
} from '../../../src/jobs/model/runState';
import { gpuNode, gpuPod, spec } from './fixtures';

const nodes = [
  gpuNode('h100-0', 'NVIDIA-H100-80GB-HBM3', 8),
  gpuNode('h100-1', 'NVIDIA-H100-80GB-HBM3', 8),
  gpuNode('a100-0', 'NVIDIA-A100-SXM4-40GB', 4),
];

function runInfo(
  overrides: {
    workers?: number;
    gpusPerWorker?: number;
    status?: object;
    suspend?: boolean;
    annotations?: Record<string, string>;
    queue?: string;
  } = {},
): RunObjectInfo {
  const [top] = buildRunManifests(
    spec({
      workers: overrides.workers ?? 1,
      gpusPerWorker: overrides.gpusPerWorker ?? 0,
      gpuProduct: overrides.gpusPerWorker ? 'NVIDIA-H100-80GB-HBM3' : undefined,
    }),
    {
      namespace: 'ml-team',
      runtime: (overrides.workers ?? 1) > 1 ? 'indexedJob' : 'job',
      queue: overrides.queue,
    },
  );
  const object = top as KubernetesObject & { spec: Record<string, unknown>; status?: object };
  object.metadata!.creationTimestamp = new Date('2026-01-01T10:00:00Z');
  Object.assign(object.metadata!.annotations!, overrides.annotations ?? {});
  // Kueue unsuspends an admitted run; tests state the suspension explicitly.
  object.spec.suspend = overrides.suspend === true ? true : undefined;
  object.status = overrides.status;
  return runObjectInfo(object)!;
}

function runPod(name: string, phase: string, extra: Partial<V1Pod['status']> = {}): V1Pod {
  return {
    metadata: { name, labels: { 'kube-ml.dev/run': 'train-a' } },
    spec: { containers: [{ name: 'trainer' }] },
    status: { phase, ...extra },
  };
}

describe('jobs/runState', () => {
  it('ignores objects that are not our runs', () => {
    assert.equal(runObjectInfo({ metadata: { name: 'x', labels: {} } }), undefined);
  });

  it('reads workers and GPUs back from the stored spec', () => {
    const info = runInfo({ workers: 2, gpusPerWorker: 8 });
    assert.equal(info.workers, 2);
    assert.equal(info.gpusPerWorker, 8);
    assert.equal(info.runtime, 'indexedJob');
  });

  it('says succeeded from the Complete condition, with the duration', () => {
    const view = deriveRunView({
      run: runInfo({
        status: {
          startTime: '2026-01-01T10:00:05Z',
          completionTime: '2026-01-01T10:03:10Z',
          conditions: [{ type: 'Complete', status: 'True' }],
        },
      }),
      pods: [runPod('train-a-xyz', 'Succeeded')],
      capacity: [],
    });
    assert.equal(view.state, 'succeeded');
    assert.equal(describeRun(view, new Date()), 'succeeded · 1 worker, CPU · 3m 05s');
  });

  it('says failed with BackoffLimitExceeded and the exit code of the worker', () => {
    const view = deriveRunView({
      run: runInfo({
        status: {
          conditions: [
            {
              type: 'Failed',
              status: 'True',
              reason: 'BackoffLimitExceeded',
              message: 'Job has reached the specified backoff limit',
            },
          ],
        },
      }),
      pods: [
        runPod('train-a-xyz', 'Failed', {
          containerStatuses: [
            {
              name: 'trainer',
              image: 'i',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: 3, reason: 'Error' } },
            },
          ],
        }),
      ],
      capacity: [],
    });
    assert.equal(view.state, 'failed');
    assert.equal(view.reason, 'BackoffLimitExceeded: train-a-xyz exited with code 3');
  });

  it('says failed with DeadlineExceeded', () => {
    const view = deriveRunView({
      run: runInfo({
        status: {
          conditions: [
            {
              type: 'Failed',
              status: 'True',
              reason: 'DeadlineExceeded',
              message: 'Job was active longer than specified deadline',
            },
          ],
        },
      }),
      pods: [],
      capacity: [],
    });
    assert.equal(view.reason, 'DeadlineExceeded: Job was active longer than specified deadline');
  });

  it('says cancelled when we cancelled it, even before the Job reacts', () => {
    const view = deriveRunView({
      run: runInfo({
        suspend: true,
        annotations: { 'kube-ml.dev/cancelled': '2026-01-01T10:05:00Z' },
      }),
      pods: [runPod('p', 'Running')],
      capacity: [],
    });
    assert.equal(view.state, 'failed');
    assert.equal(view.reason, 'Cancelled');
  });

  it('explains an unschedulable worker with where GPUs are free', () => {
    const capacity = freeGpusByNode(nodes, [gpuPod('other', 'h100-1', 6)]);
    const pending = runPod('train-a-0-abc', 'Pending', {
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/5 nodes are available: 5 Insufficient nvidia.com/gpu.',
        },
      ],
    });
    const view = deriveRunView({ run: runInfo({ gpusPerWorker: 9 }), pods: [pending], capacity });
    assert.equal(view.state, 'pending');
    assert.match(
      view.reason!,
      /^No node with 9 free NVIDIA-H100-80GB-HBM3 GPUs: the largest NVIDIA-H100-80GB-HBM3 node has only 8/,
    );
    assert.match(
      view.reason!,
      /free now: 8 NVIDIA-H100-80GB-HBM3 on h100-0, 4 NVIDIA-A100-SXM4-40GB on a100-0, 2 NVIDIA-H100-80GB-HBM3 on h100-1/,
    );
    assert.match(view.reason!, /Scheduler: 0\/5 nodes are available/);
  });

  it('says running with the count of running workers', () => {
    const view = deriveRunView({
      run: runInfo({ workers: 2 }),
      pods: [runPod('a', 'Running'), runPod('b', 'Pending')],
      capacity: [],
    });
    assert.equal(view.state, 'running');
    assert.equal(view.runningWorkers, 1);
    assert.equal(view.reason, '1/2 workers running');
  });

  it('shows an image pull problem while pending and a FailedCreate warning when there are no pods', () => {
    const pulling = runPod('a', 'Pending', {
      containerStatuses: [
        {
          name: 'trainer',
          image: 'i',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: {
            waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope"' },
          },
        },
      ],
    });
    assert.equal(
      deriveRunView({ run: runInfo(), pods: [pulling], capacity: [] }).reason,
      'ImagePullBackOff: Back-off pulling image "nope"',
    );
    assert.equal(
      deriveRunView({
        run: runInfo(),
        pods: [],
        warning: 'Error creating: pods "x" is forbidden: exceeded quota: gpu-quota',
        capacity: [],
      }).reason,
      'Error creating: pods "x" is forbidden: exceeded quota: gpu-quota',
    );
  });

  it('says queued with Kueue admission state', () => {
    const workload = workloadInfo({
      spec: { queueName: 'team-a' },
      status: {
        conditions: [
          {
            type: 'QuotaReserved',
            status: 'False',
            reason: 'Pending',
            message:
              "couldn't assign flavors to pod set main: insufficient quota for nvidia.com/gpu",
          },
        ],
      },
    });
    assert.equal(workload.admitted, false);
    const view = deriveRunView({
      run: runInfo({ suspend: true, queue: 'team-a' }),
      pods: [],
      workload,
      capacity: [],
    });
    assert.equal(view.state, 'queued');
    assert.equal(view.queue, 'team-a');
    assert.equal(
      view.reason,
      "waiting in queue team-a: couldn't assign flavors to pod set main: insufficient quota for nvidia.com/gpu",
    );
    const admitted = workloadInfo({
      status: {
        conditions: [
          { type: 'QuotaReserved', status: 'True' },
          { type: 'Admitted', status: 'True' },
        ],
      },
    });
    assert.equal(
      deriveRunView({
        run: runInfo({ queue: 'team-a' }),
        pods: [runPod('a', 'Running')],
        workload: admitted,
        capacity: [],
      }).state,
      'running',
    );
  });

  it('reads RayJob status fields', () => {
    const [ray] = buildRunManifests(spec({ runtime: 'rayJob' }), {
      namespace: 'ml-team',
      runtime: 'rayJob',
    });
    const failed = runObjectInfo({
      ...ray!,
      status: {
        jobDeploymentStatus: 'Failed',
        jobStatus: 'FAILED',
        reason: 'AppFailed',
        message: 'driver exited 1',
      },
    } as never)!;
    assert.equal(
      deriveRunView({ run: failed, pods: [], capacity: [] }).reason,
      'AppFailed: driver exited 1',
    );
    const done = runObjectInfo({
      ...ray!,
      status: { jobDeploymentStatus: 'Complete', jobStatus: 'SUCCEEDED' },
    } as never)!;
    assert.equal(deriveRunView({ run: done, pods: [], capacity: [] }).state, 'succeeded');
  });

  it('formats durations', () => {
    assert.equal(formatDuration(42_000), '42s');
    assert.equal(formatDuration(185_000), '3m 05s');
    assert.equal(formatDuration(7_620_000), '2h 07m');
  });
});

describe('jobs/gpuFit', () => {
  it('counts free GPUs from bound, unfinished pods', () => {
    const capacity = freeGpusByNode(nodes, [
      gpuPod('a', 'h100-0', 3),
      gpuPod('b', 'h100-0', 2, 'Succeeded'),
      gpuPod('c', undefined, 8, 'Pending'),
    ]);
    assert.deepEqual(
      capacity.map((node) => [node.node, node.free]),
      [
        ['h100-1', 8],
        ['h100-0', 5],
        ['a100-0', 4],
      ],
    );
  });

  it('distinguishes busy GPUs from GPUs that do not exist', () => {
    const busy = freeGpusByNode(nodes, [gpuPod('a', 'h100-0', 8), gpuPod('b', 'h100-1', 4)]);
    assert.match(
      explainUnschedulable(8, 'NVIDIA-H100-80GB-HBM3', busy, undefined),
      /^No node with 8 free NVIDIA-H100-80GB-HBM3 GPUs: the most free is 4 on h100-1 .*waits until GPUs are released/,
    );
    assert.match(
      explainUnschedulable(2, 'Tesla-T4', busy, undefined),
      /^No node has Tesla-T4 GPUs/,
    );
  });
});
