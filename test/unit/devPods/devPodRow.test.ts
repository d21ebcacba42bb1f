import * as assert from 'node:assert/strict';
import type { V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { describeRow, devPodRow } from '../../../src/devPods/model/devPodRow';
import { workspaceClaimManifest, devPodManifest } from '../../../src/devPods/model/manifests';
import { spec } from './fixtures';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const context = { now: new Date(NOW - 10 * 60_000).toISOString() };

function runningPod(): V1Pod {
  const pod = devPodManifest(spec(), context);
  return {
    ...pod,
    metadata: { ...pod.metadata, creationTimestamp: new Date(NOW - 125 * 60_000) },
    spec: { ...pod.spec!, nodeName: 'gpu-h100-0' },
    status: {
      phase: 'Running',
      startTime: new Date(NOW - 125 * 60_000),
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
  };
}

describe('devPods/model/devPodRow', () => {
  it('a running dev pod shows phase, node, GPUs, age and idle time', () => {
    const row = devPodRow(
      'llm-dev',
      'ml-team',
      runningPod(),
      workspaceClaimManifest(spec(), context),
      NOW,
    );
    assert.equal(row.state, 'running');
    assert.equal(
      describeRow(row),
      'Running · gpu-h100-0 · 2× H100-80GB-HBM3 · 2 h 05 min · idle 10 min (stops in 50 min)',
    );
    assert.equal(row.spec?.image, spec().image);
  });

  it('a stopped dev pod comes from its claim, with when and why it stopped', () => {
    const claim: V1PersistentVolumeClaim = workspaceClaimManifest(spec(), context);
    claim.metadata!.annotations = {
      ...claim.metadata!.annotations,
      'kube-ml.dev/stopped-at': new Date(NOW - 30 * 60_000).toISOString(),
      'kube-ml.dev/stopped-reason': 'idle for 1 h 00 min',
    };
    const row = devPodRow('llm-dev', 'ml-team', undefined, claim, NOW);
    assert.equal(row.state, 'stopped');
    assert.equal(
      describeRow(row),
      'Stopped · 2× H100-80GB-HBM3 · stopped 30 min ago (idle for 1 h 00 min)',
    );
  });

  it('image pull failures and unschedulable pods are named', () => {
    const failing = runningPod();
    failing.status = {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'workspace',
          image: 'x',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ImagePullBackOff' } },
        },
      ],
    };
    const failed = devPodRow('llm-dev', 'ml-team', failing, undefined, NOW);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.phaseText, 'ImagePullBackOff');
    assert.equal(failed.idleText, undefined);
    const waiting = runningPod();
    waiting.spec = { ...waiting.spec!, nodeName: undefined };
    waiting.status = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }],
    };
    assert.deepEqual(
      [
        devPodRow('x', 'ns', waiting, undefined, NOW).state,
        devPodRow('x', 'ns', waiting, undefined, NOW).phaseText,
      ],
      ['pending', 'Unschedulable'],
    );
  });

  it('a pod being deleted shows as Stopping', () => {
    const stopping = runningPod();
    stopping.metadata = { ...stopping.metadata, deletionTimestamp: new Date(NOW) };
    assert.deepEqual(
      [
        devPodRow('x', 'ns', stopping, undefined, NOW).state,
        devPodRow('x', 'ns', stopping, undefined, NOW).phaseText,
      ],
      ['pending', 'Stopping'],
    );
  });
});
