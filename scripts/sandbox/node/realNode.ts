// The sandbox's real node: containerd and a kubelet in a network namespace the sandbox creates,
// reached from the control plane through the relays (relay.ts). `up` writes its files and starts
// it here; the supervisor keeps its processes running; `down` removes it (host.ts).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import {
  NODE_COMPONENTS,
  componentLog,
  componentRunning,
  launchComponent,
  type LaunchSpec,
  type NodeComponent,
} from '../components';
import { type AdminCredentials, apiServerUrl, b64 } from '../kubeconfig';
import { PKI_DIR, REPO_ROOT } from '../paths';
import { tail } from '../processes';
import {
  cniConfList,
  containerdConfigToml,
  egressSelectorYaml,
  kubeletArgs,
  kubeletConfigYaml,
} from './configFiles';
import {
  CNI_CONF_DIR,
  CONTAINERD_CONFIG,
  CONTAINERD_DIR,
  CONTAINERD_SOCKET,
  EGRESS_CONFIG,
  EGRESS_SOCKET,
  KUBELET_CONFIG,
  KUBELET_DIR,
  KUBELET_KUBECONFIG,
  NETNS_PATH,
  NODE_DIAL_SOCKET,
  NODE_DIR,
  NODE_LAUNCH_FILE,
  NODE_LOGS_DIR,
  NODE_NAME,
  NODE_PIDS_DIR,
  POD_LOGS_DIR,
} from './layout';
import { RealNodeError, ensureNodeHost } from './host';
import { PAUSE_IMAGE, importNodeImages } from './images';

/** Written before the API server starts: it dials every node (KWOK's too) through the host relay. */
export function writeEgressConfig(): { key: string; value: string }[] {
  fs.mkdirSync(NODE_DIR, { recursive: true });
  fs.writeFileSync(EGRESS_CONFIG, egressSelectorYaml());
  return [
    { key: 'egress-selector-config-file', value: EGRESS_CONFIG },
    // The kubelet accepts the API server by its client certificate (the sandbox's admin).
    { key: 'kubelet-client-certificate', value: path.join(PKI_DIR, 'admin.crt') },
    { key: 'kubelet-client-key', value: path.join(PKI_DIR, 'admin.key') },
    { key: 'kubelet-preferred-address-types', value: 'InternalIP,Hostname' },
  ];
}

function kubeletKubeConfig(credentials: AdminCredentials): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'sandbox',
        cluster: { server: apiServerUrl(), 'certificate-authority-data': b64(credentials.caPem) },
      },
    ],
    users: [
      {
        name: 'kubelet',
        user: {
          'client-certificate-data': b64(credentials.certPem),
          'client-key-data': b64(credentials.keyPem),
        },
      },
    ],
    contexts: [{ name: 'kubelet', context: { cluster: 'sandbox', user: 'kubelet' } }],
    'current-context': 'kubelet',
  });
}

function inNamespace(binary: string, args: string[]): LaunchSpec {
  return {
    binary: 'nsenter',
    args: [`--net=${NETNS_PATH}`, '--', binary, ...args],
    workDir: NODE_DIR,
    envs: [],
  };
}

function launchSpecs(binDir: string): Record<NodeComponent, LaunchSpec> {
  const relay = (side: string): string[] => [
    '--import',
    'tsx',
    path.join(__dirname, 'relay.ts'),
    side,
  ];
  return {
    'node-relay': { binary: process.execPath, args: relay('host'), workDir: REPO_ROOT, envs: [] },
    'node-dialer': { ...inNamespace(process.execPath, relay('node')), workDir: REPO_ROOT },
    containerd: inNamespace('containerd', ['--config', CONTAINERD_CONFIG]),
    kubelet: inNamespace(
      path.join(binDir, 'kubelet'),
      kubeletArgs(KUBELET_CONFIG, KUBELET_KUBECONFIG, KUBELET_DIR),
    ),
  };
}

function writeNodeFiles(binDir: string, credentials: AdminCredentials): void {
  for (const dir of [
    NODE_PIDS_DIR,
    NODE_LOGS_DIR,
    CONTAINERD_DIR,
    CNI_CONF_DIR,
    KUBELET_DIR,
    POD_LOGS_DIR,
  ])
    fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(CONTAINERD_CONFIG, containerdConfigToml(PAUSE_IMAGE));
  fs.writeFileSync(path.join(CNI_CONF_DIR, '10-kmw-node.conflist'), cniConfList());
  fs.writeFileSync(KUBELET_CONFIG, kubeletConfigYaml(path.join(PKI_DIR, 'ca.crt')));
  fs.writeFileSync(KUBELET_KUBECONFIG, kubeletKubeConfig(credentials), { mode: 0o600 });
  fs.writeFileSync(NODE_LAUNCH_FILE, JSON.stringify(launchSpecs(binDir), null, 2));
}

async function waitUntil(
  what: NodeComponent,
  ready: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (!componentRunning(what))
      throw new RealNodeError(
        `${what} exited during start-up. Last lines of ${componentLog(what)}:\n${tail(componentLog(what))}`,
      );
    if (Date.now() > deadline)
      throw new RealNodeError(
        `${what} was not ready within ${timeoutMs / 1000} s. Last lines of ${componentLog(what)}:\n${tail(componentLog(what))}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function nodeReady(node: k8s.V1Node | undefined): boolean {
  return (
    node?.status?.conditions?.some(
      (condition) => condition.type === 'Ready' && condition.status === 'True',
    ) ?? false
  );
}

/** The socket each process creates once it serves (the kubelet's readiness is the node's). */
const READY_SOCKETS: Record<NodeComponent, string | undefined> = {
  'node-relay': EGRESS_SOCKET,
  'node-dialer': NODE_DIAL_SOCKET,
  containerd: CONTAINERD_SOCKET,
  kubelet: undefined,
};

/** Sets up and starts the node (relays, containerd, images, kubelet); resolves once it is Ready. */
export async function startRealNode(
  binDir: string,
  credentials: AdminCredentials,
  kubeConfig: k8s.KubeConfig,
): Promise<void> {
  if (!fs.existsSync(path.join(binDir, 'kubelet')))
    throw new RealNodeError(`no kubelet in ${binDir}: run scripts/sandbox/build-binaries.sh`);
  for (const tool of ['containerd', 'ctr', 'runc', 'nsenter', 'ip']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new RealNodeError(
        `${tool} is missing: run \`bash scripts/sandbox/install-node-runtime.sh\` (Debian's containerd, runc and CNI plugins)`,
      );
    }
  }
  ensureNodeHost();
  writeNodeFiles(binDir, credentials);
  for (const component of NODE_COMPONENTS) {
    if (component === 'kubelet') importNodeImages();
    // The supervisor takes them over; `up` must not wait for them to exit.
    launchComponent(component).unref();
    const socket = READY_SOCKETS[component];
    if (socket) await waitUntil(component, () => fs.existsSync(socket), 30000);
  }
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  await waitUntil(
    'kubelet',
    async () => nodeReady(await core.readNode({ name: NODE_NAME }).catch(() => undefined)),
    180000,
  );
}
