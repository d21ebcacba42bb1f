// The sandbox agent's simulated container restart: the annotation contract, the kubelet-shaped
// status patch and the log hand-over from the killed instance to the new one.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import {
  RESTART_CONTAINER_ANNOTATION,
  containerToRestart,
  parseRestartRequest,
  restartedStatusPatch,
} from '../../../scripts/sandbox/agent/containerRestart';
import { TrainingLogWriter } from '../../../scripts/sandbox/agent/trainingLog';

function runningPod(annotation: string | undefined, restartCount = 0): k8s.V1Pod {
  return {
    metadata: {
      name: 'p',
      namespace: 'ml',
      uid: 'u1',
      annotations: annotation === undefined ? {} : { [RESTART_CONTAINER_ANNOTATION]: annotation },
    },
    spec: { containers: [{ name: 'sidecar' }, { name: 'trainer' }] },
    status: {
      phase: 'Running',
      startTime: new Date('2026-01-01T00:00:00Z'),
      containerStatuses: [
        {
          name: 'sidecar',
          image: 'busybox',
          imageID: '',
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: new Date('2026-01-01T00:00:01Z') } },
        },
        {
          name: 'trainer',
          image: 'pytorch',
          imageID: '',
          containerID: 'kwok://abc',
          ready: true,
          restartCount,
          state: { running: { startedAt: new Date('2026-01-01T00:00:02Z') } },
        },
      ],
    },
  };
}

describe('sandbox agent: container restart', () => {
  it('parses <container>@<n> and rejects anything else', () => {
    assert.deepEqual(parseRestartRequest('trainer@1'), { container: 'trainer', restartCount: 1 });
    assert.deepEqual(parseRestartRequest(' my-c@12 '), { container: 'my-c', restartCount: 12 });
    for (const bad of [
      undefined,
      '',
      'trainer',
      'trainer@0',
      'trainer@-1',
      'trainer@x',
      '@1',
      'Trainer@1',
      'trainer@1@2',
    ]) {
      assert.equal(parseRestartRequest(bad), undefined, String(bad));
    }
  });

  it('restarts only while the restartCount is below the requested one', () => {
    assert.equal(
      containerToRestart(runningPod('trainer@1'), () => 0),
      'trainer',
    );
    assert.equal(
      containerToRestart(runningPod('trainer@1', 1), () => 0),
      undefined,
      'already restarted (status)',
    );
    assert.equal(
      containerToRestart(runningPod('trainer@1'), () => 1),
      undefined,
      'already restarted (own patch in flight)',
    );
    assert.equal(
      containerToRestart(runningPod('trainer@2', 1), () => 1),
      'trainer',
    );
    assert.equal(
      containerToRestart(runningPod('nope@1'), () => 0),
      undefined,
      'unknown container',
    );
    assert.equal(
      containerToRestart(runningPod(undefined), () => 0),
      undefined,
    );
    const finished = runningPod('trainer@1');
    finished.status = { ...finished.status, phase: 'Succeeded' };
    assert.equal(
      containerToRestart(finished, () => 0),
      undefined,
    );
  });

  it('patches the status the way a kubelet reports a restart', () => {
    const now = new Date('2026-01-01T00:05:00Z');
    const patch = restartedStatusPatch(runningPod('trainer@1', 2), 'trainer', now) as Array<{
      op: string;
      path: string;
      value: k8s.V1ContainerStatus | number;
    }>;
    assert.deepEqual(patch[0], {
      op: 'test',
      path: '/status/containerStatuses/1/restartCount',
      value: 2,
    });
    assert.equal(patch[1].op, 'replace');
    assert.equal(patch[1].path, '/status/containerStatuses/1');
    const status = patch[1].value as k8s.V1ContainerStatus;
    assert.equal(status.name, 'trainer');
    assert.equal(status.containerID, 'kwok://abc');
    assert.equal(status.restartCount, 3);
    assert.equal(status.ready, true);
    assert.deepEqual(status.lastState, {
      terminated: {
        exitCode: 137,
        reason: 'Error',
        startedAt: '2026-01-01T00:00:02.000Z',
        finishedAt: '2026-01-01T00:05:00.000Z',
      },
    });
    assert.deepEqual(status.state, { running: { startedAt: '2026-01-01T00:05:00.000Z' } });
    assert.throws(
      () => restartedStatusPatch(runningPod(undefined), 'nope'),
      /no status for container nope/,
    );
  });

  it('ends the killed log with "Killed", makes it the previous log and starts a fresh one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-restart-'));
    try {
      const file = path.join(dir, 'trainer.log');
      const previous = path.join(dir, 'trainer.previous.log');
      const first = TrainingLogWriter.create(file, previous, 'p', 1, 100);
      for (let tick = 0; tick < 4; tick++) first.advance();
      const before = fs.readFileSync(file, 'utf8');
      const second = first.restart(previous, 'p', 1, new Date('2026-01-01T00:05:00Z'));
      assert.equal(
        fs.readFileSync(previous, 'utf8'),
        `${before}2026-01-01T00:05:00.000Z stderr F Killed\n`,
      );
      const fresh = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
      assert.ok(
        fresh.every((line) => line.startsWith('2026-01-01T00:05:00.000Z ')),
        fresh.join('\n'),
      );
      assert.ok(fresh.some((line) => line.endsWith('***** Running training *****')));
      second.advance();
      assert.match(
        fs.readFileSync(file, 'utf8'),
        / 5\/5000 \[/,
        'the new instance starts again at step 0',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
