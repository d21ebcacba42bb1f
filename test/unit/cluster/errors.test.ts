import * as assert from 'node:assert/strict';
import WebSocket from 'ws';
import { KubeMlError, isKubeMlError, toKubeMlError } from '../../../src/cluster/errors';

describe('toKubeMlError', () => {
  it('names the quota that a 403 exceeded', () => {
    const error = toKubeMlError(
      {
        code: 403,
        body: JSON.stringify({
          message:
            'pods "dev-a" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=8, used: requests.nvidia.com/gpu=0, limited: requests.nvidia.com/gpu=4',
        }),
      },
      'create pod ml-team/dev-a',
    );
    assert.equal(error.kind, 'quotaExceeded');
    assert.match(error.summary, /"gpu-quota"/);
    assert.match(error.summary, /requested: requests.nvidia.com\/gpu=8/);
  });

  it('tells a Pod Security rejection apart from RBAC', () => {
    const error = toKubeMlError(
      {
        code: 403,
        body: {
          message:
            'pods "x" is forbidden: violates PodSecurity "restricted:latest": privileged (container "main" must not set securityContext.privileged=true)',
        },
      },
      'create pod ml-restricted/x',
    );
    assert.equal(error.kind, 'podSecurity');
    assert.match(error.summary, /securityContext.privileged=true/);
  });

  it('explains 401 as expired credentials', () => {
    assert.equal(
      toKubeMlError({ code: 401, body: '{"message":"Unauthorized"}' }, 'list nodes').kind,
      'unauthorized',
    );
  });

  it('recognises an unreachable server and a TLS failure from nested causes', () => {
    assert.equal(
      toKubeMlError(
        Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
        'list nodes',
      ).kind,
      'unreachable',
    );
    assert.equal(
      toKubeMlError(
        Object.assign(new Error('request failed'), {
          cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
        }),
        'list nodes',
      ).kind,
      'tls',
    );
  });

  it('recognises an unreachable server behind a WebSocket error event (exec while the API server is down)', async () => {
    // Port 1 on loopback refuses: the event is the one client-node's exec rejects with.
    const event = await new Promise<unknown>((resolve) => {
      const socket = new WebSocket('ws://127.0.0.1:1');
      socket.on('error', () => undefined);
      socket.onerror = resolve;
    });
    const error = toKubeMlError(event, 'run sh in ml-team/dev-a');
    assert.equal(error.kind, 'unreachable');
    assert.match(error.summary, /API server cannot be reached \(ECONNREFUSED\)/);
  });

  it('names a missing exec credential plugin', () => {
    const error = toKubeMlError(
      new Error('Failed to refresh token: spawn gke-gcloud-auth-plugin ENOENT'),
      'list nodes',
    );
    assert.equal(error.kind, 'authPluginMissing');
    assert.match(error.summary, /gke-gcloud-auth-plugin/);
  });

  it('passes an already translated error through', () => {
    const original = new KubeMlError('invalidInput', 'Bad name.');
    assert.equal(toKubeMlError(original, 'anything'), original);
  });
});

describe('isKubeMlError', () => {
  it("knows a KubeMlError made by another bundle's copy of the class by its shape, and nothing else", () => {
    class ForeignKubeMlError extends Error {
      constructor(
        readonly kind: string,
        readonly summary: string,
      ) {
        super(summary);
        this.name = 'KubeMlError';
      }
    }
    const foreign = new ForeignKubeMlError('forbidden', 'Could not list nodes: forbidden by RBAC.');
    assert.ok(isKubeMlError(foreign));
    assert.equal(toKubeMlError(foreign, 'list nodes').kind, 'forbidden');
    assert.ok(isKubeMlError(new KubeMlError('timeout', 'Timed out.')));
    assert.ok(
      !isKubeMlError(Object.assign(new Error('x'), { name: 'KubeMlError' })),
      'no kind or summary',
    );
    assert.ok(
      !isKubeMlError({ name: 'KubeMlError', kind: 'forbidden', summary: 's' }),
      'not an Error',
    );
  });
});
