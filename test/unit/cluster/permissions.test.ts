import * as assert from 'node:assert/strict';
import { KubeMlError } from '../../../src/cluster/errors';
import { AccessChecker, describeAccess } from '../../../src/cluster/permissions';
import type { AccessQuery } from '../../../src/cluster/session';

describe('AccessChecker', () => {
  it('answers repeated questions from a short-lived cache', async () => {
    let now = 0;
    const asked: AccessQuery[] = [];
    const checker = new AccessChecker(
      async (query) => {
        asked.push(query);
        return query.namespace === 'ml-team';
      },
      { ttlMs: 1000, now: () => now },
    );
    assert.equal(
      await checker.can({ verb: 'create', resource: 'pods', namespace: 'ml-team' }),
      true,
    );
    assert.equal(
      await checker.can({ verb: 'create', resource: 'pods', namespace: 'ml-team' }),
      true,
    );
    assert.equal(
      await checker.can({ verb: 'create', resource: 'pods', namespace: 'kube-system' }),
      false,
    );
    assert.equal(asked.length, 2);
    now = 1001;
    await checker.can({ verb: 'create', resource: 'pods', namespace: 'ml-team' });
    assert.equal(asked.length, 3, 'expired answers are asked again');
  });

  it('does not cache a failed review', async () => {
    let calls = 0;
    const checker = new AccessChecker(async () => {
      calls++;
      if (calls === 1) throw new KubeMlError('unreachable', 'down');
      return true;
    });
    await assert.rejects(checker.can({ verb: 'list', resource: 'nodes' }));
    assert.equal(await checker.can({ verb: 'list', resource: 'nodes' }), true);
  });

  it('requireAccess names the verb, resource and namespace', async () => {
    const checker = new AccessChecker(async () => false);
    await assert.rejects(
      checker.requireAccess({
        verb: 'create',
        resource: 'pods',
        subresource: 'exec',
        namespace: 'kube-system',
      }),
      (error: unknown) => {
        return (
          error instanceof KubeMlError &&
          error.kind === 'forbidden' &&
          /create pods\/exec in namespace kube-system/.test(error.summary)
        );
      },
    );
  });

  it('describes queries for messages', () => {
    assert.equal(describeAccess({ verb: 'list', resource: 'nodes' }), 'list nodes (cluster-wide)');
    assert.equal(
      describeAccess({ verb: 'create', resource: 'jobs', group: 'batch', namespace: 'ml-team' }),
      'create jobs.batch in namespace ml-team',
    );
  });
});
