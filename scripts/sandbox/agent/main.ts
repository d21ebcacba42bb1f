// The sandbox agent: a long-running process (started by `sandbox up`, in its own process group,
// stopped by `sandbox down`) that watches pods and claims through the API server and provides what
// kwok does not: per-pod exec/logs/port-forward stand-ins, the PVC provisioner, Job durations, and
// the sign-in (device-code login and token webhook) of the signed-in user.
import * as fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { NODE_KIND_LABEL } from '../fixtures';
import { ADMIN_CONTEXT, AGENT_READY_FILE, KUBECONFIG_PATH, PORTS } from '../paths';
import { signInUrl } from '../signIn';
import { GroupAutoscaler } from './autoscaler/groupAutoscaler';
import { SANDBOX_NODE_GROUPS } from './autoscaler/nodeGroups';
import { describeError } from './describeError';
import { waitForStandInsServed } from './standInProbe';
import { PodStandIns } from './podStandIns';
import { POD_SSH_PORTS, REAL_SSHD, sshdInstalled } from './podSshd';
import { Provisioner } from './provisioner';
import { startSignIn } from './signIn/server';
import { startSharedServers } from './webServers';

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

/** Runs tasks for the same key one after another (an add and an update of one pod never race). */
class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run(key: string, task: () => Promise<void>): void {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task).catch((error: unknown) => {
      const code = (error as { code?: number }).code;
      // The object or its namespace went away meanwhile: nothing left to do.
      if (
        code === 404 ||
        (code === 403 && /being terminated/.test(String((error as { body?: unknown }).body)))
      )
        return;
      log(`${key}: ${describeError(error)}`);
    });
    this.tails.set(key, next);
    void next.then(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
  }
}

let stopping = false;

function startInformer<T extends k8s.KubernetesObject>(
  kubeConfig: k8s.KubeConfig,
  apiPath: string,
  list: () => Promise<k8s.KubernetesListObject<T>>,
  onChange: (object: T) => void,
  onDelete: (object: T) => void,
): k8s.Informer<T> & k8s.ObjectCache<T> {
  const informer = k8s.makeInformer<T>(kubeConfig, apiPath, list);
  informer.on('add', onChange);
  informer.on('update', onChange);
  informer.on('delete', onDelete);
  informer.on('error', (error: unknown) => {
    if (stopping) return;
    log(`watch ${apiPath} failed (${String(error)}); restarting in 1 s`);
    setTimeout(
      () => void informer.start().catch((e: unknown) => log(`restart ${apiPath}: ${String(e)}`)),
      1000,
    );
  });
  return informer;
}

async function main(): Promise<void> {
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(KUBECONFIG_PATH);
  kubeConfig.setCurrentContext(ADMIN_CONTEXT);
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);

  const signInServers = await startSignIn(log);
  log(
    `sign-in: device login on ${signInUrl()}/device, token webhook on https://127.0.0.1:${PORTS.tokenWebhook}/authenticate`,
  );
  const shared = await startSharedServers();
  const forwardTargets = new Map(
    [...shared.ports].map(([podPort, port]) => [podPort, { address: '127.0.0.1', port }]),
  );
  log(
    `servers: ${[...shared.ports].map(([podPort, port]) => `pod port ${podPort} -> 127.0.0.1:${port}`).join(', ')}`,
  );

  const nodeCache = new Map<string, k8s.V1Node>();
  const nodeOf = async (name: string): Promise<k8s.V1Node | undefined> => {
    if (!name) return undefined;
    let node = nodeCache.get(name);
    if (!node) {
      try {
        node = await core.readNode({ name });
        nodeCache.set(name, node);
      } catch {
        return undefined;
      }
    }
    return node;
  };

  // Pods on a real node have a real kubelet: exec, logs, status and Job endings are its to give.
  const onSimulatedNode = async (pod: k8s.V1Pod): Promise<boolean> =>
    (await nodeOf(pod.spec?.nodeName ?? ''))?.metadata?.labels?.[NODE_KIND_LABEL] === 'kwok';

  log(
    sshdInstalled()
      ? `sshd: ${REAL_SSHD} found; pods' ssh ports ${POD_SSH_PORTS.join(', ')} reach the sshd started in them (Attach Workspace's Remote-SSH)`
      : `sshd: ${REAL_SSHD} is NOT installed: Remote-SSH attach to sandbox pods will say the image has no sshd. Install it with \`bash scripts/sandbox/install-sshd.sh\`; pods created afterwards have it (or \`npm run sandbox -- restart-agent\` for existing ones)`,
  );
  const provisioner = new Provisioner(core, log);
  const standInsServed = (pod: k8s.V1Pod): Promise<void> =>
    waitForStandInsServed(kubeConfig, core, pod);
  const standIns = new PodStandIns({
    core,
    custom,
    provisioner,
    forwardTargets,
    sshdInstalled,
    nodeOf,
    standInsServed,
    log,
  });
  const queue = new KeyedQueue();
  // Seconds, not a cloud's minutes: a test waits through a whole scale-up and scale-down.
  const autoscaler = new GroupAutoscaler({
    core,
    groups: SANDBOX_NODE_GROUPS,
    bootDelayMs: 3000,
    unneededMs: 20_000,
    scanDelayMs: 2000,
    log,
  });
  await autoscaler.start();

  const claims = startInformer<k8s.V1PersistentVolumeClaim>(
    kubeConfig,
    '/api/v1/persistentvolumeclaims',
    () => core.listPersistentVolumeClaimForAllNamespaces(),
    (claim) => queue.run(`pvc/${claim.metadata?.uid}`, () => provisioner.onClaim(claim)),
    (claim) => queue.run(`pvc/${claim.metadata?.uid}`, () => provisioner.onClaimDeleted(claim)),
  );
  const pods = startInformer<k8s.V1Pod>(
    kubeConfig,
    '/api/v1/pods',
    () => core.listPodForAllNamespaces(),
    (pod) => {
      queue.run(`autoscale/${pod.metadata?.uid}`, () => autoscaler.onPod(pod));
      queue.run(`pod/${pod.metadata?.uid}`, async () => {
        if (await onSimulatedNode(pod)) await standIns.onPod(pod);
      });
    },
    (pod) => {
      autoscaler.onPodDeleted(pod);
      queue.run(`pod/${pod.metadata?.uid}`, async () => standIns.onPodDeleted(pod));
    },
  );
  await claims.start();
  await provisioner.reconcile(claims.list());
  await pods.start();
  standIns.removeLeftovers(pods.list());

  const stop = (signal: string): void => {
    log(`stopping on ${signal}`);
    stopping = true;
    void pods.stop();
    void claims.stop();
    standIns.dispose();
    autoscaler.dispose();
    for (const server of [...shared.servers, ...signInServers]) server.close();
    fs.rmSync(AGENT_READY_FILE, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  fs.writeFileSync(AGENT_READY_FILE, new Date().toISOString());
  log(`ready: watching pods and persistentvolumeclaims (${pods.list().length} pods)`);
}

main().catch((error: unknown) => {
  log(`agent failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
