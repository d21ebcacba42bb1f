import * as assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import {
  applyPodEvent,
  applyPodStatus,
  autoscalerSilent,
  classifySchedulerMessage,
  INITIAL_START_PROGRESS,
  startFailureError,
  type StartProgress,
} from '../../../src/devPods/model/startProgress';
import { freeGpusByProduct } from '../../../src/cluster/gpu/freeGpus';
import { event, gpuNode } from './fixtures';

type Step = { event: ReturnType<typeof event> } | { pod: V1Pod };

function replay(steps: Step[]): StartProgress[] {
  const seen: StartProgress[] = [];
  let progress = INITIAL_START_PROGRESS;
  for (const step of steps) {
    progress =
      'event' in step ? applyPodEvent(progress, step.event) : applyPodStatus(progress, step.pod);
    seen.push(progress);
  }
  return seen;
}

function pod(status: V1Pod['status'], nodeName?: string): V1Pod {
  return {
    metadata: { name: 'llm-dev', uid: 'uid-1' },
    spec: { nodeName, containers: [] },
    status,
  };
}

const INSUFFICIENT =
  "0/5 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient nvidia.com/gpu, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/5 nodes are available: 2 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.";

describe('devPods/model/startProgress', () => {
  it('a normal start: scheduled to a node, pulling, started, running', () => {
    const seen = replay([
      { pod: pod({ phase: 'Pending' }) },
      { event: event('Scheduled', 'Successfully assigned ml-team/llm-dev to h100-a') },
      { event: event('Pulling', 'Pulling image "pytorch/pytorch:2.4.1"') },
      { event: event('Pulled', 'Successfully pulled image') },
      { event: event('Created', 'Created container workspace') },
      { event: event('Started', 'Started container workspace') },
      {
        pod: pod(
          {
            phase: 'Running',
            containerStatuses: [
              {
                name: 'workspace',
                image: 'x',
                imageID: '',
                ready: true,
                restartCount: 0,
                state: { running: {} },
              },
            ],
          },
          'h100-a',
        ),
      },
    ]);
    assert.deepEqual(
      seen.map((progress) => progress.stage),
      ['submitted', 'scheduled', 'pullingImage', 'starting', 'starting', 'starting', 'running'],
    );
    assert.equal(seen[1].message, 'Scheduled to node h100-a');
    assert.equal(seen[2].message, 'Pulling image pytorch/pytorch:2.4.1');
    assert.equal(seen[6].node, 'h100-a');
    assert.equal(seen[6].message, 'Running on h100-a');
  });

  it('kwok-style start with no image events: pod status alone reaches running', () => {
    const seen = replay([
      { pod: pod({ phase: 'Pending' }, 'h100-b') },
      {
        pod: pod(
          {
            phase: 'Running',
            containerStatuses: [
              {
                name: 'workspace',
                image: 'x',
                imageID: '',
                ready: true,
                restartCount: 0,
                state: { running: {} },
              },
            ],
          },
          'h100-b',
        ),
      },
    ]);
    assert.deepEqual(
      seen.map((progress) => progress.stage),
      ['scheduled', 'running'],
    );
  });

  it('late events never move progress backwards, and a finished start stays finished', () => {
    const seen = replay([
      { event: event('Pulling', 'Pulling image "x"') },
      { event: event('Scheduled', 'Successfully assigned ml-team/llm-dev to h100-a') },
      {
        pod: pod(
          {
            phase: 'Running',
            containerStatuses: [
              {
                name: 'w',
                image: 'x',
                imageID: '',
                ready: true,
                restartCount: 0,
                state: { running: {} },
              },
            ],
          },
          'h100-a',
        ),
      },
      { event: event('FailedScheduling', INSUFFICIENT, 'uid-1', 'Warning') },
    ]);
    assert.deepEqual(
      seen.map((progress) => progress.stage),
      ['pullingImage', 'pullingImage', 'running', 'running'],
    );
  });

  it('FailedScheduling for lack of GPUs fails with the scheduler message', () => {
    const [progress] = replay([
      { event: event('FailedScheduling', INSUFFICIENT, 'uid-1', 'Warning') },
    ]);
    assert.equal(progress.stage, 'failed');
    assert.deepEqual(progress.failure, {
      kind: 'unschedulable',
      cause: 'gpu',
      schedulerMessage: INSUFFICIENT,
    });
  });

  it('an unbound volume is a wait, not a failure', () => {
    const [progress] = replay([
      {
        event: event(
          'FailedScheduling',
          '0/5 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.',
          'uid-1',
          'Warning',
        ),
      },
    ]);
    assert.equal(progress.stage, 'waitingForVolume');
    assert.equal(progress.failure, undefined);
  });

  it('the Unschedulable pod condition is read too', () => {
    const [progress] = replay([
      {
        pod: pod({
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: '0/5 nodes are available: 5 Insufficient cpu.',
            },
          ],
        }),
      },
    ]);
    assert.equal(progress.failure?.kind, 'unschedulable');
    assert.ok(progress.failure?.kind === 'unschedulable' && progress.failure.cause === 'cpuMemory');
  });

  it('classifies scheduler messages', () => {
    assert.equal(
      classifySchedulerMessage(
        "0/5 nodes are available: 5 node(s) didn't match Pod's node affinity/selector.",
      ),
      'noSuchProduct',
    );
    assert.equal(
      classifySchedulerMessage('0/5 nodes are available: 5 node(s) had untolerated taint {x: y}.'),
      'other',
    );
    assert.equal(
      classifySchedulerMessage('persistentvolumeclaim "x-workspace" not found'),
      undefined,
    );
    assert.equal(
      classifySchedulerMessage(
        'running PreFilter plugin "VolumeBinding": error getting PVC "ns/x-workspace": could not find v1.PersistentVolumeClaim "ns/x-workspace"',
      ),
      undefined,
    );
    assert.equal(
      classifySchedulerMessage(
        '0/5 nodes are available: persistentvolume "pvc-7b42457c" not found.',
      ),
      undefined,
    );
    assert.equal(
      classifySchedulerMessage(
        '0/5 nodes are available: 1 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s), 4 node(s) had untolerated taint(s). no new claims to deallocate, preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.',
      ),
      undefined,
    );
  });

  it('ErrImagePull then ImagePullBackOff fails as an image pull failure (status and events)', () => {
    const waiting = (reason: string) =>
      pod(
        {
          phase: 'Pending',
          containerStatuses: [
            {
              name: 'w',
              image: 'bad:tag',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { waiting: { reason, message: 'manifest unknown' } },
            },
          ],
        },
        'h100-a',
      );
    const fromStatus = replay([
      { pod: waiting('ContainerCreating') },
      { pod: waiting('ErrImagePull') },
    ]);
    assert.equal(fromStatus[0].stage, 'starting');
    assert.equal(fromStatus[1].stage, 'failed');
    assert.deepEqual(fromStatus[1].failure, {
      kind: 'imagePull',
      message: 'ErrImagePull: manifest unknown',
    });
    const fromEvents = replay([
      { event: event('Scheduled', 'Successfully assigned ml-team/llm-dev to h100-a') },
      { event: event('Pulling', 'Pulling image "bad:tag"') },
      {
        event: event(
          'Failed',
          'Failed to pull image "bad:tag": rpc error: not found',
          'uid-1',
          'Warning',
        ),
      },
    ]);
    assert.equal(fromEvents[2].failure?.kind, 'imagePull');
    const backOff = replay([
      { event: event('BackOff', 'Back-off pulling image "bad:tag"', 'uid-1', 'Warning') },
    ]);
    assert.equal(backOff[0].failure?.kind, 'imagePull');
  });

  it('CrashLoopBackOff and a deleted pod fail', () => {
    const crash = replay([
      {
        pod: pod(
          {
            phase: 'Running',
            containerStatuses: [
              {
                name: 'w',
                image: 'x',
                imageID: '',
                ready: false,
                restartCount: 3,
                state: { waiting: { reason: 'CrashLoopBackOff' } },
              },
            ],
          },
          'n',
        ),
      },
    ]);
    assert.equal(crash[0].failure?.kind, 'crashed');
    const deleted = replay([
      { pod: { ...pod({ phase: 'Pending' }), metadata: { deletionTimestamp: new Date() } } },
    ]);
    assert.equal(deleted[0].failure?.kind, 'deleted');
  });

  it('turns an unschedulable GPU failure into "no node with N free <product> GPUs; free GPUs are: ..."', () => {
    const products = freeGpusByProduct(
      [
        gpuNode('h100-a', 'NVIDIA-H100-80GB-HBM3', 8),
        gpuNode('a100-a', 'NVIDIA-A100-SXM4-40GB', 4),
      ],
      [],
    );
    const error = startFailureError(
      { kind: 'unschedulable', cause: 'gpu', schedulerMessage: INSUFFICIENT },
      {
        namespace: 'ml-team',
        name: 'big',
        gpuCount: 9,
        gpuProduct: 'NVIDIA-H100-80GB-HBM3',
        image: 'x',
        products,
      },
    );
    assert.equal(error.kind, 'noGpuCapacity');
    assert.equal(
      error.summary,
      'Dev pod ml-team/big cannot start: no node with 9 free NVIDIA-H100-80GB-HBM3 GPUs; free GPUs are: NVIDIA-H100-80GB-HBM3: 8 of 8 free (8 on h100-a); NVIDIA-A100-SXM4-40GB: 4 of 4 free (4 on a100-a).',
    );
    assert.equal(error.detail, INSUFFICIENT);
    const product = startFailureError(
      { kind: 'unschedulable', cause: 'noSuchProduct', schedulerMessage: 'x' },
      { namespace: 'n', name: 'p', gpuCount: 1, gpuProduct: 'NVIDIA-B200', image: 'x', products },
    );
    assert.match(
      product.summary,
      /no schedulable node has GPU product NVIDIA-B200; free GPUs are: NVIDIA-H100/,
    );
    const pull = startFailureError(
      { kind: 'imagePull', message: 'ErrImagePull: not found' },
      { namespace: 'n', name: 'p', gpuCount: 1, image: 'bad:tag' },
    );
    assert.match(pull.summary, /image "bad:tag" cannot be pulled: ErrImagePull: not found/);
    assert.match(pull.hint ?? '', /imagePullSecret/);
  });
});

describe('devPods/model/startProgress with a node autoscaler', () => {
  const autoscaled = { autoscaler: 'cluster-autoscaler' as const };
  const replayAutoscaled = (events: ReturnType<typeof event>[]): StartProgress[] => {
    const seen: StartProgress[] = [];
    let progress = INITIAL_START_PROGRESS;
    for (const next of events) seen.push((progress = applyPodEvent(progress, next, autoscaled)));
    return seen;
  };

  it('waits through a scale-up from zero and runs on the new node', () => {
    const seen = replayAutoscaled([
      event('FailedScheduling', INSUFFICIENT, 'uid-1', 'Warning'),
      {
        ...event('TriggeredScaleUp', 'pod triggered scale-up: [{gpu-h100 0->1 (max: 2)}]'),
        reportingComponent: 'cluster-autoscaler',
      },
      event('FailedScheduling', INSUFFICIENT, 'uid-1', 'Warning'),
      event('Scheduled', 'Successfully assigned ml-team/llm-dev to gpu-h100-7f2'),
    ]);
    assert.deepEqual(
      seen.map((progress) => progress.stage),
      ['waitingForNode', 'waitingForNode', 'waitingForNode', 'scheduled'],
    );
    assert.equal(
      seen[0].message,
      'No node has room now; waiting for the node autoscaler to add one',
    );
    assert.equal(
      seen[2].message,
      'Waiting for a new node: scale-up triggered: gpu-h100 0 -> 1 node (max 2)',
      'a repeated FailedScheduling keeps the scale-up line',
    );
    assert.equal(seen[3].node, 'gpu-h100-7f2');
  });

  it("fails with the autoscaler's reasons when it cannot add a node", () => {
    const [, refused] = replayAutoscaled([
      event('FailedScheduling', INSUFFICIENT, 'uid-1', 'Warning'),
      event(
        'NotTriggerScaleUp',
        "pod didn't trigger scale-up: 1 max node group size reached, 2 node(s) didn't match Pod's node affinity/selector",
      ),
    ]);
    assert.equal(refused.stage, 'failed');
    assert.ok(refused.failure?.kind === 'unschedulable' && refused.failure.cause === 'noScaleUp');
    const error = startFailureError(refused.failure, {
      namespace: 'ml-team',
      name: 'llm-dev',
      gpuCount: 8,
      image: 'x',
    });
    assert.match(
      error.summary,
      /cannot start: no node with 8 free GPUs; free GPUs are: unknown .*, and the node autoscaler cannot add a node for it \(cluster-autoscaler: 1 max node group size reached; 2 node\(s\) didn't match Pod's node affinity\/selector\)\./,
    );
  });

  it('without an autoscaler, no room stays a failure, as before', () => {
    const progress = applyPodEvent(
      INITIAL_START_PROGRESS,
      event('FailedScheduling', INSUFFICIENT, 'uid-1', 'Warning'),
    );
    assert.equal(progress.stage, 'failed');
  });

  it("fails with the scheduler's message when no autoscaler answered in time, but not after a scale-up began", () => {
    const waiting = applyPodEvent(
      INITIAL_START_PROGRESS,
      event('FailedScheduling', INSUFFICIENT, 'uid-1', 'Warning'),
      { autoscaler: 'unknown' },
    );
    const silent = autoscalerSilent(waiting);
    assert.equal(silent.stage, 'failed');
    assert.ok(
      silent.failure?.kind === 'unschedulable' &&
        silent.failure.cause === 'gpu' &&
        silent.failure.schedulerMessage === INSUFFICIENT,
    );
    const scaling = applyPodEvent(
      waiting,
      event('TriggeredScaleUp', 'pod triggered scale-up: [{gpu 0->1 (max: 1)}]'),
      { autoscaler: 'unknown' },
    );
    assert.equal(autoscalerSilent(scaling), scaling);
    assert.equal(autoscalerSilent(INITIAL_START_PROGRESS), INITIAL_START_PROGRESS);
  });

  it("reads the pod's Unschedulable condition the same way", () => {
    const pending = pod({
      phase: 'Pending',
      conditions: [
        { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: INSUFFICIENT },
      ],
    });
    assert.equal(
      applyPodStatus(INITIAL_START_PROGRESS, pending, autoscaled).stage,
      'waitingForNode',
    );
    assert.equal(applyPodStatus(INITIAL_START_PROGRESS, pending).stage, 'failed');
  });
});
