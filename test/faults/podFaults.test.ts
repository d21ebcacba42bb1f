import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { apiLogTransport, LogFollower, type FollowStatus } from '../../src/cluster/logs/logStream';
import { createDevPod, resumeDevPod, stopDevPod } from '../../src/devPods/lifecycle';
import { defaultResourcesFor, type DevPodSpec } from '../../src/devPods/model/spec';
import { devPodSelector } from '../../src/cluster/devPodContract';
import { deleteTestNamespace, sandboxKubeConfig, waitFor } from '../cluster/sandbox';
import { createTrainingPod } from '../cluster/trainingPods';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../src/cluster/workloadRef';
import { ForwardPair, shownLine, WatchedLogSession } from './clients';
import { createNamespaceWithServiceAccount } from '../cluster/sandbox/recovery';
import { catchUp, compareLines, Kubectl, readLog } from './harness';
import { FAULT_RUNS, recordRun } from './summary';

const admin = () => sandboxKubeConfig('admin');
const core = () => admin().makeApiClient(k8s.CoreV1Api);

async function podUid(namespace: string, name: string): Promise<string | undefined> {
  return (await core().readNamespacedPod({ namespace, name })).metadata?.uid;
}

/** kubectl's lines from the old and the new pod against the logs each held. */
function kubectlLogResult(kubectl: Kubectl, truth: readonly string[]): string {
  const compared = compareLines(kubectl.lines, truth);
  return `${kubectl.describeEnd()}; lost ${compared.lost} of ${truth.length} lines`;
}

for (const run of FAULT_RUNS)
  describe(`faults: pods restart and are recreated under a followed log and a port-forward (run ${run})`, function () {
    this.timeout(180_000);
    let namespace: string;
    const cleanups: (() => unknown)[] = [];

    before(async () => {
      namespace = await createNamespaceWithServiceAccount('faults-pods');
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    after(async () => {
      if (namespace) await deleteTestNamespace(namespace);
    });

    it('a container restart: the log goes on from the new instance, each line once; the forward keeps serving', async () => {
      await createTrainingPod(namespace, 'restarter', 0, { app: 'restarter' });
      const followed: string[] = [];
      const statuses: FollowStatus[] = [];
      const follower = new LogFollower(
        apiLogTransport(sandboxKubeConfig('developer'), {
          namespace,
          pod: 'restarter',
          container: 'trainer',
        }),
        {
          onLines: (lines) =>
            followed.push(...lines.map((line) => `${line.timestamp} ${line.text}`)),
          onStatus: (status) => statuses.push(status),
        },
        { follow: true, backoffMs: 250, restartCheckMs: 1000 },
      );
      cleanups.push(() => follower.dispose());
      void follower.start();
      const kubectlLogs = new Kubectl([
        'logs',
        '-f',
        '--timestamps',
        '-n',
        namespace,
        'restarter',
        '-c',
        'trainer',
      ]);
      cleanups.push(() => kubectlLogs.stop());
      const forwards = await ForwardPair.start(
        { namespace, podName: 'restarter' },
        'pod/restarter',
      );
      cleanups.push(() => forwards.dispose());
      await waitFor(() => followed.length >= 10, 20_000, 'lines of the first instance');

      const restartedAt = Date.now();
      await core().patchNamespacedPod({
        name: 'restarter',
        namespace,
        body: [
          {
            op: 'add',
            path: '/metadata/annotations/sandbox.kube-ml.dev~1restart-container',
            value: 'trainer@1',
          },
        ],
      });
      await waitFor(
        async () =>
          (await core().readNamespacedPod({ name: 'restarter', namespace })).status
            ?.containerStatuses?.[0]?.restartCount === 1,
        30_000,
        'restartCount 1',
      );
      const previous = await readLog(namespace, 'restarter', 'trainer', true);
      const truth = [
        ...previous,
        ...(await catchUp(
          () => followed,
          () => readLog(namespace, 'restarter', 'trainer'),
        )),
      ];
      await waitFor(
        () => new Set(followed).has(truth[truth.length - 1]),
        20_000,
        'the follower to catch up',
      ).catch(() => undefined);
      const received = followed.slice();
      const ours = compareLines(received, truth, [
        ...previous,
        ...(await readLog(namespace, 'restarter', 'trainer')),
      ]);
      await waitFor(
        () => statuses.some((status) => /restarted/.test(status.message)),
        20_000,
        'the follower to report the restart',
      ).catch(() => undefined);
      const kubectlTruth = [...previous, ...(await readLog(namespace, 'restarter', 'trainer'))];
      recordRun({
        scenario: 'log follow',
        fault: 'container restart',
        unit: 'lines',
        lost: ours.lost,
        duplicated: ours.duplicated,
        recovered: statuses.some((status) => /restarted/.test(status.message)),
        kubectl: kubectlLogResult(kubectlLogs, kubectlTruth),
      });
      const forward = await forwards.outcome(restartedAt);
      recordRun({
        scenario: 'port-forward',
        fault: 'container restart',
        unit: 'requests',
        lost: forward.failed,
        duplicated: 0,
        outageSeconds: forward.outageSeconds,
        recovered: forward.outageSeconds !== undefined,
        kubectl: forward.kubectl,
      });

      assert.deepEqual(
        ours,
        { lost: 0, duplicated: 0, unknown: 0 },
        `delivered ${received.length}, ${truth.length} in the log`,
      );
      assert.ok(
        statuses.some((status) => /restarted/.test(status.message)),
        'the user was told the container restarted',
      );
      assert.notEqual(
        forward.outageSeconds,
        undefined,
        'the forward serves requests after the restart',
      );
    });

    it('a dev pod Stop + Resume (same name, new pod): the log view follows the new pod, every line once; the forward reaches it', async () => {
      const name = 'faults-dev';
      const spec: DevPodSpec = {
        name,
        namespace,
        image: 'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime',
        imagePreset: 'pytorch',
        ...defaultResourcesFor(0),
        workspace: { size: '1Gi' },
        idleMinutes: 60,
        restrictedPodSecurity: true,
      };
      await createDevPod(admin(), spec);
      const workload = {
        kind: 'DevPod' as const,
        namespace,
        name,
        podSelector: devPodSelector(name),
      };
      const view = new WatchedLogSession(workload);
      cleanups.push(() => view.dispose());
      await view.start();
      const kubectlLogs = new Kubectl(['logs', '-f', '--timestamps', '-n', namespace, name]);
      cleanups.push(() => kubectlLogs.stop());
      const forwards = await ForwardPair.start({ namespace, podName: name }, `pod/${name}`);
      cleanups.push(() => forwards.dispose());
      const container =
        (await core().readNamespacedPod({ namespace, name })).spec?.containers[0].name ?? '';
      const shown = async () => (await view.delivered()).get(name) ?? [];
      let latest: readonly string[] = [];
      const oldTruth = (
        await catchUp(
          () => latest,
          async () => {
            latest = await shown();
            return (await readLog(namespace, name, container)).map(shownLine);
          },
        )
      ).slice();
      const oldUid = await podUid(namespace, name);

      const stoppedAt = Date.now();
      await stopDevPod(admin(), namespace, name, 'stopped by the fault suite');
      await resumeDevPod(admin(), namespace, name);
      assert.notEqual(
        await podUid(namespace, name),
        oldUid,
        'Resume made a new pod under the same name',
      );
      await waitFor(
        async () => (await readLog(namespace, name, container)).length >= 5,
        30_000,
        'lines of the resumed pod',
      );
      const newTruth = await readLog(namespace, name, container);
      await waitFor(
        async () => {
          latest = await shown();
          return newTruth.map(shownLine).every((line) => latest.includes(line));
        },
        30_000,
        'the log view to show the resumed pod',
      ).catch(() => undefined);
      latest = await shown();
      const truth = [...oldTruth, ...newTruth.map(shownLine)];
      const ours = compareLines(
        latest.filter(
          (line) =>
            truth.includes(line) || Date.parse(line.slice(0, line.indexOf(' '))) > stoppedAt,
        ),
        truth,
      );
      const status = view.statuses().get(`${name}/${container}`);
      recordRun({
        scenario: 'log follow',
        fault: 'pod recreated, same name (dev pod Stop + Resume)',
        unit: 'lines',
        lost: ours.lost,
        duplicated: ours.duplicated,
        recovered: ours.lost === 0 && status?.state !== 'ended',
        kubectl: kubectlLogResult(
          kubectlLogs,
          [...oldTruth, ...newTruth.map(shownLine)].map((line) => line),
        ),
      });
      const forward = await forwards.outcome(stoppedAt);
      recordRun({
        scenario: 'port-forward',
        fault: 'pod recreated, same name (dev pod Stop + Resume)',
        unit: 'requests',
        lost: forward.failed,
        duplicated: 0,
        outageSeconds: forward.outageSeconds,
        recovered: forward.outageSeconds !== undefined,
        kubectl: forward.kubectl,
      });

      assert.deepEqual(
        { lost: ours.lost, duplicated: ours.duplicated },
        { lost: 0, duplicated: 0 },
        `old pod ${oldTruth.length} lines, new pod ${newTruth.length} lines, shown ${latest.length}`,
      );
      assert.notEqual(
        status?.state,
        'ended',
        `the view does not say the log ended: ${status?.message}`,
      );
      assert.notEqual(
        forward.outageSeconds,
        undefined,
        'the forward reaches the resumed pod without user action',
      );
    });

    it('a Deployment pod replaced under a new name: the log view adds the new pod, every line once; the forward follows it', async () => {
      const apps = admin().makeApiClient(k8s.AppsV1Api);
      const labels = { app: 'faults-deploy' };
      await apps.createNamespacedDeployment({
        namespace,
        // Managed by us, as an endpoint's Deployment is: the forward follows only the pods it controls.
        body: {
          metadata: { name: 'faults-deploy', labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
          spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                containers: [{ name: 'server', image: 'vllm/vllm-openai' }],
                terminationGracePeriodSeconds: 0,
              },
            },
          },
        },
      });
      const running = async () =>
        (
          await core().listNamespacedPod({ namespace, labelSelector: 'app=faults-deploy' })
        ).items.filter(
          (pod) => pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp,
        );
      const [first] = await waitFor(
        async () => {
          const pods = await running();
          return pods.length === 1 ? pods : undefined;
        },
        60_000,
        'the Deployment pod to run',
      );
      const oldName = first.metadata?.name ?? '';
      const view = new WatchedLogSession({
        kind: 'Deployment',
        namespace,
        name: 'faults-deploy',
        controller: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'faults-deploy' },
      });
      cleanups.push(() => view.dispose());
      await view.start();
      const kubectlLogs = new Kubectl([
        'logs',
        '-f',
        '--timestamps',
        '-n',
        namespace,
        'deployment/faults-deploy',
      ]);
      cleanups.push(() => kubectlLogs.stop());
      const forwards = await ForwardPair.start(
        {
          namespace,
          podSelector: 'app=faults-deploy',
          controller: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'faults-deploy' },
        },
        'deployment/faults-deploy',
      );
      cleanups.push(() => forwards.dispose());
      let latest = new Map<string, string[]>();
      const oldTruth = (
        await catchUp(
          () => latest.get(oldName) ?? [],
          async () => {
            latest = await view.delivered();
            return (await readLog(namespace, oldName, 'server')).map(shownLine);
          },
        )
      ).slice();

      const deletedAt = Date.now();
      await core().deleteNamespacedPod({ namespace, name: oldName, gracePeriodSeconds: 0 });
      const replacement = await waitFor(
        async () => (await running()).find((pod) => pod.metadata?.name !== oldName),
        60_000,
        'the replacement pod to run',
      );
      const newName = replacement.metadata?.name ?? '';
      await waitFor(
        async () => (await readLog(namespace, newName, 'server')).length >= 5,
        30_000,
        'lines of the replacement pod',
      );
      const newTruth = (await readLog(namespace, newName, 'server')).map(shownLine);
      await waitFor(
        async () => {
          latest = await view.delivered();
          return newTruth.every((line) => (latest.get(newName) ?? []).includes(line));
        },
        30_000,
        'the log view to show the replacement pod',
      ).catch(() => undefined);
      const oldShown = compareLines(
        (latest.get(oldName) ?? []).filter((line) => oldTruth.includes(line)),
        oldTruth,
      );
      const newShown = compareLines(latest.get(newName) ?? [], newTruth);
      recordRun({
        scenario: 'log follow',
        fault: 'pod recreated, new name (Deployment)',
        unit: 'lines',
        lost: oldShown.lost + newShown.lost,
        duplicated: oldShown.duplicated + newShown.duplicated,
        recovered: newShown.lost === 0,
        kubectl: kubectlLogResult(kubectlLogs, [...oldTruth, ...newTruth]),
      });
      const forward = await forwards.outcome(deletedAt);
      recordRun({
        scenario: 'port-forward',
        fault: 'pod recreated, new name (Deployment)',
        unit: 'requests',
        lost: forward.failed,
        duplicated: 0,
        outageSeconds: forward.outageSeconds,
        recovered: forward.outageSeconds !== undefined,
        kubectl: forward.kubectl,
      });

      assert.deepEqual(
        [oldShown, newShown].map(({ lost, duplicated }) => ({ lost, duplicated })),
        [
          { lost: 0, duplicated: 0 },
          { lost: 0, duplicated: 0 },
        ],
      );
      assert.notEqual(
        forward.outageSeconds,
        undefined,
        'the forward reaches the replacement pod without user action',
      );
      assert.equal(forwards.ours.status.podName, newName);
    });
  });
