import * as assert from 'node:assert/strict';
import {
  autoscalerVerdict,
  describeScaleUp,
  noScaleUpReasons,
} from '../../../src/cluster/autoscalerEvents';

describe('cluster/autoscalerEvents', () => {
  it('reads the groups of a Cluster Autoscaler scale-up, with and without their maximum', () => {
    const verdict = autoscalerVerdict(
      'TriggeredScaleUp',
      'pod triggered scale-up: [{eks-gpu-h100-2a 0->1 (max: 4)} {gke-a100-pool 2->3}]',
      'cluster-autoscaler',
    );
    assert.deepEqual(verdict, {
      kind: 'scaleUp',
      by: 'cluster-autoscaler',
      groups: [
        { group: 'eks-gpu-h100-2a', from: 0, to: 1, max: 4 },
        { group: 'gke-a100-pool', from: 2, to: 3, max: undefined },
      ],
    });
    assert.ok(verdict?.kind === 'scaleUp');
    assert.equal(
      describeScaleUp(verdict),
      'scale-up triggered: eks-gpu-h100-2a 0 -> 1 node (max 4), gke-a100-pool 2 -> 3 nodes',
    );
  });

  it('lists why no group could help, keeping a reason that itself holds ", " whole', () => {
    assert.deepEqual(
      noScaleUpReasons(
        "pod didn't trigger scale-up: 1 max node group size reached, 2 node(s) had untolerated taint {dedicated: infer, effect: NoSchedule}, 3 Insufficient nvidia.com/gpu",
      ),
      [
        '1 max node group size reached',
        '2 node(s) had untolerated taint {dedicated: infer, effect: NoSchedule}',
        '3 Insufficient nvidia.com/gpu',
      ],
    );
    assert.deepEqual(
      noScaleUpReasons("pod didn't trigger scale-up (it wouldn't fit if a new node is added)"),
      ["it wouldn't fit if a new node is added"],
    );
    assert.deepEqual(
      noScaleUpReasons(
        "pod didn't trigger scale-up (it wouldn't fit if a new node is added): 1 Insufficient memory",
      ),
      ['1 Insufficient memory'],
    );
    assert.deepEqual(noScaleUpReasons("pod didn't trigger scale-up:"), []);
  });

  it('reads Karpenter: a nominated node claim is a scale-up, its own FailedScheduling a refusal', () => {
    assert.deepEqual(
      autoscalerVerdict('Nominated', 'Pod should schedule on: nodeclaim/gpu-x7k2p', 'karpenter'),
      { kind: 'scaleUp', by: 'karpenter', nodeClaim: 'gpu-x7k2p' },
    );
    const refusal =
      'Failed to schedule pod, incompatible with nodepool "gpu", daemonset overhead={"cpu":"150m"}, all available instance types exceed limits for nodepool: "gpu"';
    assert.deepEqual(autoscalerVerdict('FailedScheduling', refusal, 'karpenter'), {
      kind: 'noScaleUp',
      by: 'karpenter',
      reasons: [refusal],
    });
  });

  it("leaves the scheduler's own FailedScheduling and unrelated events alone", () => {
    assert.equal(
      autoscalerVerdict(
        'FailedScheduling',
        '0/5 nodes are available: 2 Insufficient nvidia.com/gpu.',
        'default-scheduler',
      ),
      undefined,
    );
    assert.equal(
      autoscalerVerdict('FailedScheduling', 'incompatible with nodepool "gpu"', undefined),
      undefined,
    );
    assert.equal(autoscalerVerdict('Pulling', 'Pulling image "x"', 'kubelet'), undefined);
    assert.equal(
      autoscalerVerdict('Nominated', 'Pod should schedule on somewhere', 'karpenter'),
      undefined,
    );
  });

  it('stays linear on a long hostile message', () => {
    const hostile = `pod didn't trigger scale-up: ${'1 x, y, '.repeat(50_000)}`;
    assert.equal(noScaleUpReasons(hostile).length, 50_000);
    assert.deepEqual(
      autoscalerVerdict(
        'TriggeredScaleUp',
        `pod triggered scale-up: [${'{a 0->'.repeat(50_000)}]`,
        'cluster-autoscaler',
      ),
      { kind: 'scaleUp', by: 'cluster-autoscaler', groups: [] },
    );
  });
});
