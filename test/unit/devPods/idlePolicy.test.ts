import * as assert from 'node:assert/strict';
import {
  decideIdle,
  decideIdleForPod,
  formatDuration,
  parseIdleMinutes,
  warningLeadMs,
  BUSY_GPU_PERCENT,
} from '../../../src/devPods/model/idlePolicy';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-29T10:00:00Z');
const base = {
  now: T0 + 30 * MINUTE,
  idleMinutes: '60',
  lastActivity: new Date(T0).toISOString(),
  startedAt: T0 - 5 * MINUTE,
};

describe('devPods/model/idlePolicy', () => {
  it('is active well before the limit, with the stop time', () => {
    const decision = decideIdle(base);
    assert.equal(decision.action, 'active');
    assert.ok(decision.action === 'active');
    assert.equal(decision.idleMs, 30 * MINUTE);
    assert.equal(decision.stopAt, T0 + 60 * MINUTE);
  });

  it('warns inside the warning lead (5 min before a 60 min limit)', () => {
    assert.equal(decideIdle({ ...base, now: T0 + 54 * MINUTE }).action, 'active');
    assert.equal(decideIdle({ ...base, now: T0 + 55 * MINUTE }).action, 'warn');
    assert.equal(decideIdle({ ...base, now: T0 + 59 * MINUTE + 59_000 }).action, 'warn');
  });

  it('stops exactly at the limit and after it', () => {
    assert.equal(decideIdle({ ...base, now: T0 + 60 * MINUTE }).action, 'stop');
    const late = decideIdle({ ...base, now: T0 + 300 * MINUTE });
    assert.equal(late.action, 'stop');
    assert.ok(late.action === 'stop' && late.idleMs === 300 * MINUTE);
  });

  it('counts from the pod start when the start is later than the last activity (resume)', () => {
    const resumed = decideIdle({
      ...base,
      lastActivity: new Date(T0 - 600 * MINUTE).toISOString(),
      startedAt: T0,
      now: T0 + 10 * MINUTE,
    });
    assert.equal(resumed.action, 'active');
  });

  it('counts from creation when no activity was ever recorded', () => {
    assert.equal(
      decideIdle({ ...base, lastActivity: undefined, startedAt: T0, now: T0 + 61 * MINUTE }).action,
      'stop',
    );
  });

  it('treats an unparseable last-activity as absent rather than as ancient', () => {
    assert.equal(
      decideIdle({ ...base, lastActivity: 'yesterday', startedAt: T0, now: T0 + 10 * MINUTE })
        .action,
      'active',
    );
  });

  it('is off for 0, missing, negative or non-integer idle-minutes', () => {
    assert.equal(decideIdle({ ...base, idleMinutes: '0', now: T0 + 1000 * MINUTE }).action, 'off');
    assert.equal(
      decideIdle({ ...base, idleMinutes: undefined, now: T0 + 1000 * MINUTE }).action,
      'off',
    );
    assert.equal(decideIdle({ ...base, idleMinutes: '-5', now: T0 + 1000 * MINUTE }).action, 'off');
    const fractional = decideIdle({ ...base, idleMinutes: '1.5', now: T0 + 1000 * MINUTE });
    assert.ok(fractional.action === 'off' && /not a whole number/.test(fractional.reason));
  });

  it('is off when there is nothing to measure from', () => {
    assert.equal(
      decideIdle({ now: T0, idleMinutes: '10', lastActivity: undefined, startedAt: undefined })
        .action,
      'off',
    );
  });

  it('a clock-skewed future activity counts as active now, never negative idleness', () => {
    const decision = decideIdle({
      ...base,
      lastActivity: new Date(T0 + 90 * MINUTE).toISOString(),
    });
    assert.ok(decision.action === 'active' && decision.idleMs === 0);
  });

  it('busy GPUs count as activity; near-zero utilisation does not', () => {
    const idleLong = { ...base, now: T0 + 120 * MINUTE };
    assert.equal(
      decideIdle({ ...idleLong, gpuUtilisationPercent: BUSY_GPU_PERCENT }).action,
      'active',
    );
    assert.equal(decideIdle({ ...idleLong, gpuUtilisationPercent: 1 }).action, 'stop');
  });

  it('"Keep it running" restarts the clock from the moment it was chosen', () => {
    const decision = decideIdle({ ...base, now: T0 + 70 * MINUTE, keptUntil: T0 + 58 * MINUTE });
    assert.ok(decision.action === 'active' && decision.stopAt === T0 + 118 * MINUTE);
  });

  it('short timeouts warn a fifth of the time before', () => {
    assert.equal(warningLeadMs(60), 5 * MINUTE);
    assert.equal(warningLeadMs(10), 2 * MINUTE);
    assert.equal(decideIdle({ ...base, idleMinutes: '10', now: T0 + 8 * MINUTE }).action, 'warn');
    assert.equal(decideIdle({ ...base, idleMinutes: '10', now: T0 + 7 * MINUTE }).action, 'active');
  });

  it('parseIdleMinutes accepts only whole numbers', () => {
    assert.equal(parseIdleMinutes(' 30 '), 30);
    assert.equal(parseIdleMinutes('30m'), undefined);
    assert.equal(parseIdleMinutes(''), undefined);
  });

  it('reads the annotations and start time of a pod', () => {
    const pod = {
      metadata: {
        creationTimestamp: new Date(T0 - MINUTE),
        annotations: {
          'kube-ml.dev/idle-minutes': '15',
          'kube-ml.dev/last-activity': new Date(T0).toISOString(),
        },
      },
      status: { startTime: new Date(T0) },
    };
    assert.equal(decideIdleForPod(pod, T0 + 16 * MINUTE).action, 'stop');
    assert.equal(decideIdleForPod(pod, T0 + 12 * MINUTE).action, 'warn');
    assert.equal(decideIdleForPod(pod, T0 + 11 * MINUTE).action, 'active');
    assert.equal(
      decideIdleForPod({ metadata: { annotations: { 'kube-ml.dev/idle-minutes': '15' } } }, T0)
        .action,
      'off',
    );
  });

  it('formats durations for the view', () => {
    assert.equal(formatDuration(30_000), '< 1 min');
    assert.equal(formatDuration(12 * MINUTE), '12 min');
    assert.equal(formatDuration(185 * MINUTE), '3 h 05 min');
    assert.equal(formatDuration(72 * 60 * MINUTE), '3 d');
  });
});
