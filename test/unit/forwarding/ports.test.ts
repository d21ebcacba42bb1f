import * as assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import {
  formatBytes,
  portChoices,
  validatePortInput,
  WELL_KNOWN_PORTS,
} from '../../../src/forwarding/model/ports';
import { forwardDescription, forwardLabel } from '../../../src/forwarding/model/forwardLabels';
import { isUsablePod, pickRunningPod } from '../../../src/cluster/podResolver';

const pod = (
  name: string,
  phase: string,
  created: string,
  extra: Partial<V1Pod['metadata']> = {},
): V1Pod => ({
  metadata: { name, creationTimestamp: new Date(created), ...extra },
  spec: {
    containers: [
      {
        name: 'main',
        ports: [
          { containerPort: 9000, name: 'metrics' },
          { containerPort: 6006 },
          { containerPort: 5353, protocol: 'UDP' },
        ],
      },
    ],
  },
  status: {
    phase,
    containerStatuses: [
      {
        name: 'main',
        image: 'x',
        imageID: '',
        ready: true,
        restartCount: 0,
        state: phase === 'Running' ? { running: {} } : { waiting: {} },
      },
    ],
  },
});

describe('port choices', () => {
  it('lists declared TCP ports first, then well-known ones not declared', () => {
    const choices = portChoices(pod('p', 'Running', '2026-01-01T00:00:00Z'));
    assert.deepEqual(
      choices.slice(0, 2).map((choice) => [choice.port, choice.label, choice.source]),
      [
        [9000, 'metrics', 'declared'],
        [6006, 'TensorBoard', 'declared'],
      ],
    );
    assert.ok(!choices.some((choice) => choice.port === 5353), 'UDP ports cannot be forwarded');
    assert.deepEqual(
      choices.slice(2).map((choice) => choice.port),
      [8888, 7860, 8501, 8000, 8265],
    );
  });
  it('offers the six well-known ML ports without a pod', () => {
    assert.deepEqual(
      portChoices(undefined).map((choice) => choice.port),
      WELL_KNOWN_PORTS.map((choice) => choice.port),
    );
    assert.deepEqual(
      WELL_KNOWN_PORTS.map((choice) => choice.port),
      [8888, 6006, 7860, 8501, 8000, 8265],
    );
  });
  it('validates typed ports', () => {
    assert.equal(validatePortInput('8080'), undefined);
    assert.match(validatePortInput('0')!, /between 1 and 65535/);
    assert.match(validatePortInput('80a')!, /port number/);
    assert.match(validatePortInput('70000')!, /between/);
  });
});

describe('pod resolution', () => {
  it('picks the newest running pod and skips terminating ones', () => {
    const old = pod('old', 'Running', '2026-01-01T00:00:00Z');
    const terminating = pod('going', 'Running', '2026-01-03T00:00:00Z', {
      deletionTimestamp: new Date('2026-01-03T00:01:00Z'),
    });
    const fresh = pod('new', 'Running', '2026-01-02T00:00:00Z');
    const pending = pod('pending', 'Pending', '2026-01-04T00:00:00Z');
    assert.equal(pickRunningPod([old, terminating, fresh, pending])?.metadata?.name, 'new');
    assert.equal(isUsablePod(terminating), false);
    assert.equal(pickRunningPod([pending]), undefined);
  });
});

describe('forward labels', () => {
  it('shows state, traffic and reconnects', () => {
    const text = forwardDescription(
      { state: 'ready' },
      { bytesIn: 1536 * 1024, bytesOut: 10, connections: 3, activeConnections: 2, reconnects: 1 },
    );
    assert.equal(text, 'active · ↓1.5 MiB ↑10 B · 2 conn · 1 reconnect');
    assert.equal(
      forwardDescription(
        { state: 'waitingForPod' },
        { bytesIn: 0, bytesOut: 0, connections: 0, activeConnections: 0, reconnects: 2 },
      ),
      'waiting for pod · ↓0 B ↑0 B · 2 reconnects',
    );
    assert.equal(
      forwardLabel(8889, 'alice', 8888, 'Jupyter'),
      'Jupyter localhost:8889 → alice:8888',
    );
    assert.equal(formatBytes(5 * 1024 * 1024 * 1024), '5.0 GiB');
  });
});
