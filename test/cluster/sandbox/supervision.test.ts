import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { kill, restart, up } from '../../../scripts/sandbox/cluster';
import { componentLog, componentPid, componentRunning } from '../../../scripts/sandbox/components';
import { SUPERVISOR_PID_FILE } from '../../../scripts/sandbox/paths';
import { isAlive, readPid, signalGroup } from '../../../scripts/sandbox/processes';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';
import { createNamespaceWithServiceAccount, sandboxHealthy } from './recovery';

describe('sandbox: a dead component is restarted in place, the cluster and its objects kept', function () {
  this.timeout(180_000);
  const core = () => sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  let namespace: string;

  before(async () => {
    namespace = await createTestNamespace('sbx-supervise');
    await core().createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'kept' }, data: { state: 'before the fault' } },
    });
  });
  after(async () => {
    // The next suites create namespaces and pods: they need a scheduler and a controller-manager that lead again.
    if (namespace) {
      await sandboxHealthy(namespace);
      await deleteTestNamespace(namespace);
    }
    await createNamespaceWithServiceAccount('sbx-after-supervise').then(deleteTestNamespace);
  });

  async function keptState(): Promise<string | undefined> {
    return (await core().readNamespacedConfigMap({ namespace, name: 'kept' })).data?.state;
  }

  it('the supervisor restarts a killed kube-scheduler and says so in its log', async () => {
    const killed = kill('kube-scheduler');
    const restarted = await waitFor(
      () => {
        const pid = componentPid('kube-scheduler');
        return pid !== killed && componentRunning('kube-scheduler') ? pid : undefined;
      },
      30_000,
      'a new kube-scheduler',
    );
    assert.match(
      fs.readFileSync(componentLog('kube-scheduler'), 'utf8'),
      new RegExp(
        `sandbox supervisor: .*kube-scheduler \\(pid ${killed}\\) was not running; restarted as pid ${restarted}`,
      ),
    );
  });

  it('restart COMPONENT brings the API server back with the same data', async () => {
    const before = componentPid('kube-apiserver');
    const after = await restart('kube-apiserver');
    assert.notEqual(after, before);
    assert.equal(await keptState(), 'before the fault');
  });

  it('up, run while the API server and the supervisor are dead, restarts only them and keeps every object', async () => {
    const etcdPid = componentPid('etcd');
    const supervisorPid = readPid(SUPERVISOR_PID_FILE);
    assert.ok(supervisorPid !== undefined && isAlive(supervisorPid), 'the supervisor runs');
    signalGroup(supervisorPid, 'SIGKILL');
    await waitFor(() => !isAlive(supervisorPid), 10_000, 'the supervisor to die');
    const apiServerPid = kill('kube-apiserver');
    await waitFor(() => !componentRunning('kube-apiserver'), 10_000, 'the API server to die');

    const figures = await up();
    assert.equal(figures.reused, true, 'the cluster was not recreated');
    assert.deepEqual(figures.restarted.sort(), ['kube-apiserver', 'supervisor']);
    assert.notEqual(componentPid('kube-apiserver'), apiServerPid);
    assert.equal(componentPid('etcd'), etcdPid, 'etcd, alive, was left alone');
    assert.equal(
      await keptState(),
      'before the fault',
      'objects made before the fault are still there',
    );
  });
});
