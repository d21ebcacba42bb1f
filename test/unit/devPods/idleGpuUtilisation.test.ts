import * as assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import {
  DevPodGpuUtilisation,
  GPU_READING_MAX_AGE_MS,
} from '../../../src/common/devPodGpuUtilisation';
import {
  IDLE_MINUTES_ANNOTATION,
  LAST_ACTIVITY_ANNOTATION,
} from '../../../src/cluster/devPodContract';
import { decideIdleForPod } from '../../../src/devPods/model/idlePolicy';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-29T10:00:00Z');
const NOW = T0 + 90 * MINUTE;
/** A dev pod with a 60-minute idle policy whose last session ended 90 minutes ago. */
const pod: V1Pod = {
  metadata: {
    uid: 'uid-1',
    creationTimestamp: new Date(T0 - MINUTE),
    annotations: {
      [IDLE_MINUTES_ANNOTATION]: '60',
      [LAST_ACTIVITY_ANNOTATION]: new Date(T0).toISOString(),
    },
  },
  status: { phase: 'Running', startTime: new Date(T0 - MINUTE) },
};

/** What the idle checker does: the shared reading feeds the policy decision. */
const decide = (utilisation: DevPodGpuUtilisation, now = NOW) =>
  decideIdleForPod(pod, now, { gpuUtilisationPercent: utilisation.percentOf('uid-1', now) });

describe('idle shutdown with GPU utilisation (DevPodGpuUtilisation + decideIdleForPod)', () => {
  it('a pod with no session open but busy GPUs is not idle', () => {
    const utilisation = new DevPodGpuUtilisation();
    utilisation.publish('uid-1', [80, 60, 0, 0], NOW - MINUTE);
    assert.equal(utilisation.percentOf('uid-1', NOW), 35);
    const decision = decide(utilisation);
    assert.equal(decision.action, 'active');
    assert.ok(decision.action === 'active' && decision.idleMs === 0);
  });

  it('near-zero GPUs (under 5%) do not keep it: it is stopped', () => {
    const utilisation = new DevPodGpuUtilisation();
    utilisation.publish('uid-1', [4, 3], NOW - MINUTE);
    assert.equal(decide(utilisation).action, 'stop');
  });

  it('unknown utilisation does not block idling: no reading, no GPU figure, or a stale reading', () => {
    const utilisation = new DevPodGpuUtilisation();
    assert.equal(decide(utilisation).action, 'stop');
    utilisation.publish('uid-1', [undefined, undefined], NOW - MINUTE);
    assert.equal(utilisation.percentOf('uid-1', NOW), undefined);
    utilisation.publish('uid-1', [90], NOW - GPU_READING_MAX_AGE_MS - 1);
    assert.equal(decide(utilisation).action, 'stop');
  });

  it('GPUs without a figure are left out of the mean', () => {
    const utilisation = new DevPodGpuUtilisation();
    utilisation.publish('uid-1', [undefined, 50], NOW);
    assert.equal(utilisation.percentOf('uid-1', NOW), 50);
  });

  it('forgets pods no longer watched (a resumed dev pod is a new pod and starts unknown)', () => {
    const utilisation = new DevPodGpuUtilisation();
    utilisation.publish('uid-1', [90], NOW);
    utilisation.publish('uid-2', [90], NOW);
    utilisation.retain(new Set(['uid-2']));
    assert.equal(utilisation.percentOf('uid-1', NOW), undefined);
    assert.equal(utilisation.percentOf('uid-2', NOW), 90);
    utilisation.clear();
    assert.equal(utilisation.percentOf('uid-2', NOW), undefined);
  });
});
