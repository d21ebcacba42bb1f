// A shared namespace where someone else may create pods: a pod that copies our labels must never
// receive what we send to our own (terminal input, file writes, forwarded connections).
import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { isKubeMlError } from '../../src/cluster/errors';
import { runTextCommand } from '../../src/cluster/exec';
import { PodFiles } from '../../src/cluster/podFiles';
import { DEV_POD_LABEL, devPodSelector } from '../../src/cluster/devPodContract';
import { podTargetOf, resolveRunningPod } from '../../src/cluster/podResolver';
import { startPortForward, type PortForwardHandle } from '../../src/cluster/portForward';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type WorkloadRef,
} from '../../src/cluster/workloadRef';
import { runningWorkloads } from '../../src/common/model/workloads';
import {
  createTestNamespace,
  deleteTestNamespace,
  sandboxKubeConfig,
  waitFor,
} from '../cluster/sandbox';
import { httpGet } from '../httpGet';

const ENDPOINT_LABEL = 'kube-ml.dev/endpoint';
const container = { name: 'main', image: 'python:3.11', ports: [{ containerPort: 8888 }] };

describe('security: pods that copy our labels in a shared namespace (sandbox)', function () {
  this.timeout(120_000);
  // Built in before(): the kubeconfig exists only once the root hook has started the sandbox.
  let admin: k8s.KubeConfig;
  let developer: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  const handles: PortForwardHandle[] = [];
  let namespace: string;

  const runningPod = (name: string) =>
    waitFor(
      async () => {
        const pod = await core.readNamespacedPod({ namespace, name });
        return pod.status?.phase === 'Running' &&
          pod.status.containerStatuses?.every((status) => status.state?.running)
          ? pod
          : undefined;
      },
      30_000,
      `pod ${name} running`,
    );

  /** A bare pod; `labels` are whatever its creator chose to copy. */
  const createPod = async (name: string, labels: Record<string, string>) => {
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name, labels },
        spec: { containers: [container], terminationGracePeriodSeconds: 0 },
      },
    });
    return runningPod(name);
  };

  const devPod: () => WorkloadRef = () => ({
    kind: 'DevPod',
    namespace,
    name: 'alice',
    podSelector: devPodSelector('alice'),
    container: 'main',
  });

  before(async () => {
    admin = sandboxKubeConfig('admin');
    developer = sandboxKubeConfig('developer');
    core = admin.makeApiClient(k8s.CoreV1Api);
    apps = admin.makeApiClient(k8s.AppsV1Api);
    namespace = await createTestNamespace('sec-identity');
    await createPod('alice', { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [DEV_POD_LABEL]: 'alice' });
    // Created later (so "the newest pod with the label"), with every label the dev pod has.
    await createPod('mallory', { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [DEV_POD_LABEL]: 'alice' });
  });
  after(async () => {
    for (const handle of handles) handle.dispose();
    if (namespace) await deleteTestNamespace(namespace);
  });

  it('a terminal or a file operation for the dev pod runs in the dev pod, not in the newer look-alike', async () => {
    const pod = await resolveRunningPod(developer, podTargetOf(devPod()));
    assert.equal(pod.metadata?.name, 'alice');
    const alice = await core.readNamespacedPod({ namespace, name: 'alice' });
    // Sandbox pods share this machine's file system, so the pod that ran a command shows in its own IP.
    const target = { namespace, pod: pod.metadata!.name!, container: 'main' };
    const ran = await waitFor(
      async () =>
        (await runTextCommand(developer, target, ['printenv', 'POD_IP'])).stdout.trim() ||
        undefined,
      15_000,
      'POD_IP in the resolved pod',
    );
    assert.equal(ran, alice.status?.podIP);
    assert.ok(await new PodFiles(developer, target).workingDirectory());
  });

  it('a port forward to the dev pod never switches to the look-alike, even while the dev pod is stopped', async () => {
    const handle = await startPortForward(developer, {
      ...podTargetOf(devPod()),
      remotePort: 8888,
      localPort: 0,
      waitForPod: true,
    });
    handles.push(handle);
    assert.equal((await httpGet(handle.url('/api'))).status, 200);
    assert.equal(handle.status.podName, 'alice');
    const podNames = new Set<string>();
    handle.onDidChangeState((status) => status.podName && podNames.add(status.podName));
    // The dev pod stops (deleted); only the look-alike runs now.
    await core.deleteNamespacedPod({ namespace, name: 'alice', gracePeriodSeconds: 0 });
    await waitFor(
      async () =>
        (await core.listNamespacedPod({ namespace, fieldSelector: 'metadata.name=alice' })).items
          .length === 0,
      30_000,
      'alice gone',
    );
    await assert.rejects(
      resolveRunningPod(developer, podTargetOf(devPod())),
      (error: unknown) => isKubeMlError(error) && error.kind === 'notFound',
    );
    const answer = await httpGet(handle.url('/api')).then(
      (response) => response.status,
      () => 'refused',
    );
    assert.notEqual(answer, 200, 'the forward must not reach the look-alike');
    // Resumed: the forward finds the dev pod again by its name.
    await createPod('alice', { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [DEV_POD_LABEL]: 'alice' });
    await waitFor(
      () =>
        httpGet(handle.url('/api')).then(
          (response) => response.status === 200,
          () => false,
        ),
      30_000,
      'the forward to reach the resumed dev pod',
    );
    assert.equal(handle.status.podName, 'alice');
    assert.ok(!podNames.has('mallory'), [...podNames].join(' '));
  });

  it('offers the look-alike in pickers as the plain pod it is, not as the dev pod it copies', async () => {
    const pods = (await core.listNamespacedPod({ namespace })).items;
    const workloads = runningWorkloads(pods, namespace).map(
      (workload) => `${workload.kind} ${workload.name}`,
    );
    assert.ok(workloads.includes('DevPod alice'), workloads.join(', '));
    assert.ok(workloads.includes('Pod mallory'), workloads.join(', '));
    assert.equal(workloads.filter((workload) => workload === 'DevPod alice').length, 1);
  });

  describe('workloads behind a controller', () => {
    const endpoint = (): WorkloadRef => ({
      kind: 'Endpoint',
      namespace,
      name: 'web',
      podSelector: `${ENDPOINT_LABEL}=web`,
      controller: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    });

    before(async () => {
      const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [ENDPOINT_LABEL]: 'web' };
      await apps.createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name: 'web', labels },
          spec: {
            replicas: 1,
            selector: { matchLabels: { [ENDPOINT_LABEL]: 'web' } },
            template: {
              metadata: { labels },
              spec: { containers: [container], terminationGracePeriodSeconds: 0 },
            },
          },
        },
      });
      await waitFor(
        async () =>
          (
            await core.listNamespacedPod({ namespace, labelSelector: `${ENDPOINT_LABEL}=web` })
          ).items.some((pod) => pod.status?.phase === 'Running'),
        60_000,
        "the Deployment's pod running",
      );
      await createPod('web-forged', labels);
    });

    it('picks only a pod the Deployment controls (through its ReplicaSet), never a newer pod with the same labels', async () => {
      const pod = await resolveRunningPod(developer, podTargetOf(endpoint()));
      assert.notEqual(pod.metadata?.name, 'web-forged');
      assert.equal(
        pod.metadata?.ownerReferences?.find((owner) => owner.controller)?.kind,
        'ReplicaSet',
      );
      const handle = await startPortForward(developer, {
        ...podTargetOf(endpoint()),
        remotePort: 8888,
        localPort: 0,
      });
      handles.push(handle);
      assert.equal((await httpGet(handle.url('/api'))).status, 200);
      assert.equal(handle.status.podName, pod.metadata?.name);
    });

    it('refuses a controller we did not create, and a selector that names no controller', async () => {
      await apps.createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name: 'foreign' },
          spec: {
            replicas: 0,
            selector: { matchLabels: { app: 'foreign' } },
            template: {
              metadata: { labels: { app: 'foreign' } },
              spec: { containers: [container] },
            },
          },
        },
      });
      await assert.rejects(
        resolveRunningPod(developer, {
          namespace,
          podSelector: 'app=foreign',
          controller: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'foreign' },
        }),
        /not created by Kube ML Workbench/,
      );
      await assert.rejects(
        resolveRunningPod(developer, { namespace, podSelector: `${ENDPOINT_LABEL}=web` }),
        /name no controlling workload/,
      );
    });
  });
});
