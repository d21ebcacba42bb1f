import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as k8s from '@kubernetes/client-node';
import { runTextCommand } from '../../src/cluster/exec';
import { getApiText, logPath } from '../../src/cluster/logs/logStream';
import { startPortForward } from '../../src/cluster/portForward';
import { kill } from '../../scripts/sandbox/cluster';
import { NODE_COMPONENTS, componentPid, componentRunning } from '../../scripts/sandbox/components';
import { NODE_KIND_LABEL } from '../../scripts/sandbox/fixtures';
import { REAL_NODE_PLACEMENT } from '../../scripts/sandbox/node/configFiles';
import { NODE_NAME, NODE_SUBNET } from '../../scripts/sandbox/node/layout';
import { BUSYBOX_IMAGE } from '../../scripts/sandbox/node/images';
import { inSubnet } from '../../scripts/sandbox/node/relay';
import { httpGet } from '../httpGet';
import {
  createTestNamespace,
  deleteTestNamespace,
  sandboxKubeConfig,
  waitFor,
  waitForPodPhase,
} from './sandbox';

const WEB_PORT = 8080;
const PAGE = 'served from a real container';

/** A busybox pod that only the real node takes: it logs a line, then serves one page over HTTP. */
function realNodePod(name: string): k8s.V1Pod {
  return {
    metadata: { name },
    spec: {
      ...REAL_NODE_PLACEMENT,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'web',
          image: BUSYBOX_IMAGE,
          imagePullPolicy: 'Never',
          command: [
            '/bin/sh',
            '-c',
            `echo "web: starting"; mkdir -p /www; echo "${PAGE}" > /www/index.html; exec httpd -f -p ${WEB_PORT} -h /www`,
          ],
          ports: [{ containerPort: WEB_PORT }],
        },
      ],
    },
  };
}

describe('real node: a kubelet running real containers next to the KWOK nodes', function () {
  this.timeout(120_000);
  const admin = sandboxKubeConfig('admin');
  const developer = sandboxKubeConfig('developer');
  const core = admin.makeApiClient(k8s.CoreV1Api);
  let namespace = '';
  let pod: k8s.V1Pod;

  before(async () => {
    const node = await core.readNode({ name: NODE_NAME }).catch(() => undefined);
    assert.ok(
      node,
      `the sandbox has no node ${NODE_NAME}: it was started without its real node (npm run sandbox -- down, then up)`,
    );
    namespace = await createTestNamespace('real-node');
    await core.createNamespacedPod({ namespace, body: realNodePod('web') });
    pod = await waitForPodPhase(namespace, 'web', 90_000);
    await waitFor(
      async () =>
        (await core.readNamespacedPod({ namespace, name: 'web' })).status?.containerStatuses?.[0]
          ?.ready === true,
      30_000,
      'the container to be ready',
    );
  });
  after(async () => {
    if (namespace) await deleteTestNamespace(namespace);
  });

  it("registers as a containerd node whose address lives only in the sandbox's network namespace", async () => {
    const node = await core.readNode({ name: NODE_NAME });
    assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\//);
    assert.equal(
      node.status?.conditions?.find((condition) => condition.type === 'Ready')?.status,
      'True',
    );
    assert.equal(
      node.metadata?.annotations?.['kwok.x-k8s.io/node'],
      undefined,
      'kwok does not manage it',
    );
    const internalIp =
      node.status?.addresses?.find((address) => address.type === 'InternalIP')?.address ?? '';
    assert.ok(inSubnet(internalIp, NODE_SUBNET), `node IP ${internalIp} is in ${NODE_SUBNET}`);
    const hostAddresses = Object.values(os.networkInterfaces())
      .flat()
      .map((entry) => entry?.address);
    assert.ok(
      !hostAddresses.includes(internalIp),
      'no interface of this machine carries the node IP',
    );
  });

  it('runs the pod as a real container: scheduled there, a pod IP from the bridge, kubepods cgroups', async () => {
    assert.equal(pod.spec?.nodeName, NODE_NAME);
    assert.ok(
      inSubnet(pod.status?.podIP ?? '', NODE_SUBNET),
      `pod IP ${pod.status?.podIP} is in ${NODE_SUBNET}`,
    );
    const cgroup = await runTextCommand(developer, { namespace, pod: 'web', container: 'web' }, [
      'cat',
      '/proc/1/cgroup',
    ]);
    assert.equal(cgroup.exitCode, 0, cgroup.stderr);
    assert.match(cgroup.stdout, /\/kubepods\/besteffort\/pod[0-9a-f-]+\/[0-9a-f]{64}/);
    const processOne = await runTextCommand(
      developer,
      { namespace, pod: 'web', container: 'web' },
      ['cat', '/proc/1/cmdline'],
    );
    assert.match(processOne.stdout, /^httpd\0/, 'PID 1 of the container is its own httpd');
  });

  it('reports a failing exec the way a kubelet does: its exit code', async () => {
    const result = await runTextCommand(developer, { namespace, pod: 'web', container: 'web' }, [
      'sh',
      '-c',
      'echo out; echo err >&2; exit 3',
    ]);
    assert.deepEqual([result.exitCode, result.stdout, result.stderr], [3, 'out\n', 'err\n']);
  });

  it("serves the container's log from the runtime's log file through the API server", async () => {
    const text = await getApiText(
      developer,
      logPath({ namespace, pod: 'web', container: 'web' }, { follow: false, previous: false }),
      'read the log',
    );
    assert.match(text, /^\S+Z web: starting$/m);
  });

  it("port-forwards to the container's HTTP server through the API server and the kubelet", async () => {
    const handle = await startPortForward(developer, {
      namespace,
      podName: 'web',
      remotePort: WEB_PORT,
      localPort: 0,
    });
    try {
      const response = await httpGet(handle.url('/index.html'));
      assert.deepEqual([response.status, response.body], [200, `${PAGE}\n`]);
    } finally {
      handle.dispose();
    }
  });

  it("lets the API server's pod proxy reach the HTTP server at the pod IP", async () => {
    const body = await getApiText(
      admin,
      `/api/v1/namespaces/${namespace}/pods/web:${WEB_PORT}/proxy/index.html`,
      'proxy to the pod',
    );
    assert.equal(body, `${PAGE}\n`);
  });

  it('survives its kubelet, containerd and relay being killed: the supervisor restarts them, the container keeps running', async () => {
    const containerId = pod.status?.containerStatuses?.[0]?.containerID;
    const killed = NODE_COMPONENTS.map((component) => kill(component));
    await waitFor(
      () =>
        NODE_COMPONENTS.every(
          (component, index) =>
            componentRunning(component) && componentPid(component) !== killed[index],
        ),
      30_000,
      'the node processes to run again',
    );
    const echo = await waitFor(
      async () => {
        const result = await runTextCommand(
          developer,
          { namespace, pod: 'web', container: 'web' },
          ['echo', 'back'],
        ).catch(() => undefined);
        return result?.exitCode === 0 ? result : undefined;
      },
      60_000,
      'exec to reach the container again',
    );
    assert.equal(echo.stdout, 'back\n');
    const after = await core.readNamespacedPod({ namespace, name: 'web' });
    assert.deepEqual(
      [
        after.status?.containerStatuses?.[0]?.containerID,
        after.status?.containerStatuses?.[0]?.restartCount,
      ],
      [containerId, 0],
      'the same container, never restarted',
    );
  });

  it('keeps the KWOK nodes Ready and their pods simulated', async () => {
    const kwokNodes = (await core.listNode({ labelSelector: `${NODE_KIND_LABEL}=kwok` })).items;
    assert.ok(kwokNodes.length >= 5, `${kwokNodes.length} KWOK nodes`);
    for (const node of kwokNodes) {
      assert.equal(
        node.status?.conditions?.find((condition) => condition.type === 'Ready')?.status,
        'True',
        `${node.metadata?.name} Ready`,
      );
    }
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'simulated' },
        spec: { nodeName: 'cpu-0', containers: [{ name: 'main', image: 'python:3.11' }] },
      },
    });
    const simulated = await waitForPodPhase(namespace, 'simulated', 60_000);
    assert.match(simulated.status?.podIP ?? '', /^127\.64\./, 'kwok gave it a loopback pod IP');
    // The sandbox agent's stand-in answers: a shell on this machine in the pod's folder, not a container.
    const pwd = await runTextCommand(
      developer,
      { namespace, pod: 'simulated', container: 'main' },
      ['pwd'],
    );
    assert.match(pwd.stdout.trim(), new RegExp(`/pods/${namespace}/simulated_[0-9a-f-]{36}$`));
  });
});
