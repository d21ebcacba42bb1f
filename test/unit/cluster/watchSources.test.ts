import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { collectionPath, objectSource, watchPath } from '../../../src/cluster/watchSources';

function kubeConfigFor(server: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kubeConfig;
}

describe('cluster/watchSources', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());
  it('puts the core group under /api and the others under /apis', () => {
    assert.equal(collectionPath('v1', 'events', 'ml team'), '/api/v1/namespaces/ml%20team/events');
    assert.equal(collectionPath('batch/v1', 'jobs', 'ml'), '/apis/batch/v1/namespaces/ml/jobs');
    assert.equal(
      collectionPath('kueue.x-k8s.io/v1beta1', 'workloads', 'ml'),
      '/apis/kueue.x-k8s.io/v1beta1/namespaces/ml/workloads',
    );
  });

  it('names the collection and its selectors in the description errors quote', () => {
    const kubeConfig = kubeConfigFor('https://127.0.0.1:1');
    assert.equal(
      objectSource(kubeConfig, {
        apiVersion: 'batch/v1',
        kind: 'Job',
        plural: 'jobs',
        namespace: 'ml',
        labelSelector: 'a=b',
      }).description,
      'list jobs in namespace ml (a=b)',
    );
    assert.equal(
      objectSource(kubeConfig, {
        apiVersion: 'v1',
        kind: 'Event',
        plural: 'events',
        namespace: 'ml',
      }).description,
      'list events in namespace ml',
    );
  });

  it("lists and then watches the same collection with the same selectors, from the list's resourceVersion", async () => {
    const requests: URL[] = [];
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      response.setHeader('content-type', 'application/json');
      if (url.pathname === '/apis/batch/v1') {
        // Discovery, which the generic object client asks first.
        response.end(
          JSON.stringify({
            kind: 'APIResourceList',
            groupVersion: 'batch/v1',
            resources: [{ name: 'jobs', kind: 'Job', namespaced: true, verbs: ['list', 'watch'] }],
          }),
        );
        return;
      }
      requests.push(url);
      if (url.searchParams.get('watch') === 'true') {
        response.end(
          `${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '8' } } })}\n`,
        );
      } else {
        response.end(
          JSON.stringify({
            kind: 'JobList',
            apiVersion: 'batch/v1',
            metadata: { resourceVersion: '7' },
            items: [],
          }),
        );
      }
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const source = objectSource(
      kubeConfigFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        plural: 'jobs',
        namespace: 'ml',
        labelSelector: 'a=b',
        fieldSelector: 'status.phase=Running',
      },
    );
    const listed = await source.list();
    assert.deepEqual(listed, { items: [], resourceVersion: '7' });
    const events: string[] = [];
    await new Promise<unknown>(
      (resolve) =>
        void source.watch(
          listed.resourceVersion,
          (type, object) =>
            events.push(`${type} ${(object as { metadata: { name: string } }).metadata.name}`),
          resolve,
        ),
    );
    assert.deepEqual(events, ['ADDED a']);
    const [list, watch] = requests;
    assert.equal(list.pathname, '/apis/batch/v1/namespaces/ml/jobs');
    assert.equal(watch.pathname, '/apis/batch/v1/namespaces/ml/jobs');
    for (const request of [list, watch]) {
      assert.equal(request.searchParams.get('labelSelector'), 'a=b');
      assert.equal(request.searchParams.get('fieldSelector'), 'status.phase=Running');
    }
    assert.equal(watch.searchParams.get('resourceVersion'), '7');
    assert.equal(watch.searchParams.get('allowWatchBookmarks'), 'true');
  });

  it('watches a path from now when given no resourceVersion, ended by the server within minutes', async () => {
    let watched: URL | undefined;
    server = createServer((request, response) => {
      watched = new URL(request.url ?? '/', 'http://127.0.0.1');
      response.setHeader('content-type', 'application/json');
      response.end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const kubeConfig = kubeConfigFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const ended = await new Promise<unknown>(
      (resolve) =>
        void watchPath(
          kubeConfig,
          '/api/v1/namespaces/ml/pods',
          { fieldSelector: 'metadata.name=p' },
          '',
          () => undefined,
          resolve,
        ),
    );
    assert.equal(ended, null, 'a watch the server closes ends without an error');
    assert.equal(watched?.pathname, '/api/v1/namespaces/ml/pods');
    assert.equal(watched?.searchParams.get('fieldSelector'), 'metadata.name=p');
    assert.equal(watched?.searchParams.has('resourceVersion'), false);
    const timeout = Number(watched?.searchParams.get('timeoutSeconds'));
    assert.ok(timeout >= 240 && timeout < 300, `timeoutSeconds ${timeout}`);
  });
});
