import * as assert from 'node:assert/strict';
import type { V1ResourceQuota } from '@kubernetes/client-node';
import {
  assertWithinGpuQuota,
  quotaProblem,
  tightestGpuQuota,
} from '../../../../src/cluster/gpu/quota';

describe('GPU quota of a namespace', () => {
  it('takes the tightest GPU quota, requests or limits, and none when no quota limits GPUs', () => {
    const quota = (
      name: string,
      hard: Record<string, string>,
      used: Record<string, string>,
    ): V1ResourceQuota => ({ metadata: { name }, spec: { hard }, status: { hard, used } });
    assert.deepEqual(
      tightestGpuQuota([
        quota('team', { 'requests.nvidia.com/gpu': '8' }, { 'requests.nvidia.com/gpu': '3' }),
        quota('limits', { 'limits.nvidia.com/gpu': '4' }, { 'limits.nvidia.com/gpu': '2' }),
      ]),
      { name: 'limits', used: 2, hard: 4, room: 2 },
    );
    assert.equal(
      tightestGpuQuota([
        quota('over', { 'requests.nvidia.com/gpu': '2' }, { 'requests.nvidia.com/gpu': '5' }),
      ])?.room,
      0,
      'an over-used quota leaves no room, not a negative one',
    );
    assert.equal(tightestGpuQuota([quota('cpu', { 'requests.cpu': '16' }, {})]), undefined);
    assert.equal(
      tightestGpuQuota([
        { metadata: { name: 'new' }, spec: { hard: { 'requests.nvidia.com/gpu': '4' } } },
      ])?.room,
      4,
      'status not filled yet: nothing used',
    );
  });

  it('refuses a request over the quota before anything is created, naming the quota and what fits', () => {
    const quota = { name: 'gpu-quota', used: 6, hard: 8, room: 2 };
    assert.doesNotThrow(() => assertWithinGpuQuota(quota, 2, 'ml-team'));
    assert.doesNotThrow(() => assertWithinGpuQuota(undefined, 64, 'ml-team'));
    assert.throws(
      () => assertWithinGpuQuota(quota, 4, 'ml-team'),
      (error: { kind?: string; summary?: string; hint?: string }) =>
        error.kind === 'quotaExceeded' &&
        error.summary ===
          '4 GPUs would exceed the GPU quota gpu-quota: 6 of 8 used in namespace ml-team.' &&
        /at most 2/.test(error.hint ?? ''),
    );
  });

  it('gives input boxes the same refusal as text, and nothing when the request fits', () => {
    const quota = { name: 'gpu-quota', used: 8, hard: 8, room: 0 };
    assert.equal(
      quotaProblem(quota, 1, 'ml-team'),
      '1 GPU would exceed the GPU quota gpu-quota: 8 of 8 used in namespace ml-team. Stop something that holds GPUs in this namespace, or ask an admin for more quota.',
    );
    assert.equal(quotaProblem({ ...quota, used: 4, room: 4 }, 4, 'ml-team'), undefined);
  });
});
