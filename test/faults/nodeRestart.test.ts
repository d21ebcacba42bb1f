import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { apiLogTransport, LogFollower, type FollowStatus } from '../../src/cluster/logs/logStream';
import { kill } from '../../scripts/sandbox/cluster';
import { componentPid, componentRunning } from '../../scripts/sandbox/components';
import { REAL_NODE_PLACEMENT } from '../../scripts/sandbox/node/configFiles';
import { BUSYBOX_IMAGE } from '../../scripts/sandbox/node/images';
import { NODE_NAME } from '../../scripts/sandbox/node/layout';
import {
  deleteTestNamespace,
  sandboxKubeConfig,
  waitFor,
  waitForPodPhase,
} from '../cluster/sandbox';
import { createNamespaceWithServiceAccount } from '../cluster/sandbox/recovery';
import { ForwardPair } from './clients';
import { catchUp, compareLines, Kubectl, readLog } from './harness';
import { FAULT_RUNS, recordRun } from './summary';

const core = () => sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
const CONTAINER = 'counter';

/**
 * A real container on the real node: numbered log lines five a second, and busybox httpd on 8888
 * serving /api (the path ForwardPair requests).
 */
function counterPod(name: string): k8s.V1Pod {
  const script =
    'mkdir -p /www && echo served > /www/api && httpd -p 8888 -h /www && i=0; while true; do echo "line $i"; i=$((i+1)); sleep 0.2; done';
  return {
    metadata: { name },
    spec: {
      ...REAL_NODE_PLACEMENT,
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      containers: [
        {
          name: CONTAINER,
          image: BUSYBOX_IMAGE,
          imagePullPolicy: 'Never',
          command: ['/bin/sh', '-c', script],
          ports: [{ containerPort: 8888 }],
        },
      ],
    },
  };
}

async function containerState(
  namespace: string,
  name: string,
): Promise<{ id: string | undefined; restarts: number | undefined }> {
  const status = (await core().readNamespacedPod({ namespace, name })).status
    ?.containerStatuses?.[0];
  return { id: status?.containerID, restarts: status?.restartCount };
}

async function nodeReady(): Promise<boolean> {
  const node = await core().readNode({ name: NODE_NAME });
  return (
    node.status?.conditions?.find((condition) => condition.type === 'Ready')?.status === 'True'
  );
}

for (const run of FAULT_RUNS)
  describe(`faults: the real node's kubelet and containerd are killed under a followed log and a port-forward (run ${run})`, function () {
    this.timeout(180_000);
    let namespace: string;
    const cleanups: (() => unknown)[] = [];

    before(async () => {
      const node = await core()
        .readNode({ name: NODE_NAME })
        .catch(() => undefined);
      assert.ok(
        node,
        `the sandbox has no node ${NODE_NAME}: it was started without its real node (npm run sandbox -- down, then up)`,
      );
      namespace = await createNamespaceWithServiceAccount('faults-node');
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    after(async () => {
      if (namespace) await deleteTestNamespace(namespace);
    });

    for (const component of ['kubelet', 'containerd'] as const) {
      it(`${component} kill -9: the container keeps running, the log goes on with each line once, the forward serves again`, async () => {
        const name = `counter-${component}`;
        await core().createNamespacedPod({ namespace, body: counterPod(name) });
        await waitForPodPhase(namespace, name, 90_000);
        const before = await containerState(namespace, name);

        const followed: string[] = [];
        const statuses: FollowStatus[] = [];
        const follower = new LogFollower(
          apiLogTransport(sandboxKubeConfig('developer'), {
            namespace,
            pod: name,
            container: CONTAINER,
          }),
          {
            onLines: (lines) =>
              followed.push(...lines.map((line) => `${line.timestamp} ${line.text}`)),
            onStatus: (status) => statuses.push(status),
          },
          { follow: true, backoffMs: 250, maxBackoffMs: 2000, restartCheckMs: 1000 },
        );
        cleanups.push(() => follower.dispose());
        void follower.start();
        const kubectlLogs = new Kubectl([
          'logs',
          '-f',
          '--timestamps',
          '-n',
          namespace,
          name,
          '-c',
          CONTAINER,
        ]);
        cleanups.push(() => kubectlLogs.stop());
        const forwards = await ForwardPair.start({ namespace, podName: name }, `pod/${name}`);
        cleanups.push(() => forwards.dispose());
        await waitFor(() => followed.length >= 10, 20_000, 'lines before the fault');

        const oldPid = componentPid(component);
        const faultAt = Date.now();
        kill(component, 2);
        await waitFor(
          () => componentRunning(component) && componentPid(component) !== oldPid,
          60_000,
          `${component} to run again`,
        );
        await waitFor(nodeReady, 60_000, `node ${NODE_NAME} Ready again`);
        // Lines written during the outage must arrive too: wait for some written after it.
        await waitFor(
          async () =>
            (await readLog(namespace, name, CONTAINER)).some(
              (line) => Date.parse(line.slice(0, line.indexOf(' '))) > Date.now() - 1000,
            ),
          60_000,
          'the log to grow after the fault',
        );

        const truth = await catchUp(
          () => followed,
          () => readLog(namespace, name, CONTAINER),
          30_000,
        );
        const received = followed.slice();
        const ours = compareLines(received, truth, await readLog(namespace, name, CONTAINER));
        const kubectl = compareLines(kubectlLogs.lines, truth);
        const forward = await forwards.outcome(faultAt);
        const fault = `${component} kill -9 on the real node`;
        recordRun({
          scenario: 'log follow',
          fault,
          unit: 'lines',
          lost: ours.lost,
          duplicated: ours.duplicated,
          recovered: ours.lost === 0,
          kubectl: `${kubectlLogs.describeEnd()}; lost ${kubectl.lost} of ${truth.length} lines`,
        });
        recordRun({
          scenario: 'port-forward',
          fault,
          unit: 'requests',
          lost: forward.failed,
          duplicated: 0,
          outageSeconds: forward.outageSeconds,
          recovered: forward.outageSeconds !== undefined,
          kubectl: forward.kubectl,
        });

        assert.deepEqual(
          await containerState(namespace, name),
          before,
          'the same container, never restarted',
        );
        assert.deepEqual(
          ours,
          { lost: 0, duplicated: 0, unknown: 0 },
          `delivered ${received.length}, ${truth.length} in the log; last status ${statuses.at(-1)?.state} ${statuses.at(-1)?.message ?? ''}`,
        );
        assert.notEqual(statuses.at(-1)?.state, 'ended', 'the follower did not give up');
        assert.notEqual(
          forward.outageSeconds,
          undefined,
          'the forward serves requests again without user action',
        );
      });
    }
  });
