// The sandbox's real node: containerd and a kubelet in a network namespace the sandbox creates,
// reached from the control plane through the relays (relay.ts). `up` sets it up and starts it, the
// supervisor keeps its processes running, `down` stops them, kills its containers, unmounts what
// they mounted and deletes the namespace.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import { NODE_COMPONENTS, componentLog, componentRunning, launchComponent, type LaunchSpec, type NodeComponent } from '../components';
import { type AdminCredentials, PKI_DIR, apiServerUrl, b64 } from '../kubeconfig';
import { REPO_ROOT } from '../paths';
import { isAlive, readPid, stopGroups, tail } from '../processes';
import { cniConfList, containerdConfigToml, egressSelectorYaml, kubeletArgs, kubeletConfigYaml } from './configFiles';
import {
  BRIDGE, CGROUP_ROOT, CNI_CONF_DIR, CONTAINERD_CONFIG, CONTAINERD_DIR, CONTAINERD_SOCKET, EGRESS_CONFIG, EGRESS_SOCKET, IMAGES_DIR, NODE_DIAL_SOCKET, KUBELET_CONFIG, KUBELET_DIR,
  KUBELET_KUBECONFIG, NETNS, NETNS_PATH, NODE_DIR, NODE_IP, NODE_LAUNCH_FILE, NODE_LOGS_DIR, NODE_NAME, NODE_PIDS_DIR, NODE_SUBNET, POD_LOGS_DIR,
} from './layout';
import { PAUSE_IMAGE, buildStopgapImages } from './stopgapImages';

export class RealNodeError extends Error {}

const CGROUP_MOUNT = '/sys/fs/cgroup';

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new RealNodeError(`${command} ${args.join(' ')} failed: ${stderr || (error as Error).message}`);
  }
}

export function realNodeConfigured(): boolean {
  return fs.existsSync(NODE_LAUNCH_FILE);
}

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

/** cgroup v1 hierarchies (one folder each under /sys/fs/cgroup), or the single v2 one. */
function cgroupHierarchies(): string[] {
  if (fs.existsSync(path.join(CGROUP_MOUNT, 'cgroup.controllers'))) return [CGROUP_MOUNT];
  return fs.readdirSync(CGROUP_MOUNT).filter((name) => name !== 'unified').map((name) => path.join(CGROUP_MOUNT, name))
    .filter((dir) => fs.existsSync(path.join(dir, 'cgroup.procs')));
}

/** The namespace with its bridge (the node IP) and the kubelet's cgroup parent; idempotent (after a reboot, again). */
export function ensureNodeHost(): void {
  if (!fs.existsSync(NETNS_PATH)) {
    run('ip', ['netns', 'add', NETNS]);
    run('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', NETNS, 'link', 'add', BRIDGE, 'type', 'bridge']);
    run('ip', ['-n', NETNS, 'addr', 'add', `${NODE_IP}/${NODE_SUBNET.split('/')[1]}`, 'dev', BRIDGE]);
    run('ip', ['-n', NETNS, 'link', 'set', BRIDGE, 'up']);
  }
  for (const hierarchy of cgroupHierarchies()) {
    const dir = path.join(hierarchy, CGROUP_ROOT);
    fs.mkdirSync(dir, { recursive: true });
    // A new cpuset cgroup has no CPUs or memory nodes: nothing could join it.
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (fs.existsSync(path.join(dir, file)) && fs.readFileSync(path.join(dir, file), 'utf8').trim() === '') {
        fs.writeFileSync(path.join(dir, file), fs.readFileSync(path.join(hierarchy, file), 'utf8'));
      }
    }
  }
}

function kubeletKubeConfig(credentials: AdminCredentials): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sandbox', cluster: { server: apiServerUrl(), 'certificate-authority-data': b64(credentials.caPem) } }],
    users: [{ name: 'kubelet', user: { 'client-certificate-data': b64(credentials.certPem), 'client-key-data': b64(credentials.keyPem) } }],
    contexts: [{ name: 'kubelet', context: { cluster: 'sandbox', user: 'kubelet' } }],
    'current-context': 'kubelet',
  });
}

function inNamespace(binary: string, args: string[]): LaunchSpec {
  return { binary: 'nsenter', args: [`--net=${NETNS_PATH}`, '--', binary, ...args], workDir: NODE_DIR, envs: [] };
}

function launchSpecs(binDir: string): Record<NodeComponent, LaunchSpec> {
  const relay = (side: string): string[] => ['--import', 'tsx', path.join(__dirname, 'relay.ts'), side];
  return {
    'node-relay': { binary: process.execPath, args: relay('host'), workDir: REPO_ROOT, envs: [] },
    'node-dialer': { ...inNamespace(process.execPath, relay('node')), workDir: REPO_ROOT },
    containerd: inNamespace('containerd', ['--config', CONTAINERD_CONFIG]),
    kubelet: inNamespace(path.join(binDir, 'kubelet'), kubeletArgs(KUBELET_CONFIG, KUBELET_KUBECONFIG, KUBELET_DIR)),
  };
}

function writeNodeFiles(binDir: string, credentials: AdminCredentials): void {
  for (const dir of [NODE_PIDS_DIR, NODE_LOGS_DIR, CONTAINERD_DIR, CNI_CONF_DIR, KUBELET_DIR, POD_LOGS_DIR]) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(CONTAINERD_CONFIG, containerdConfigToml(PAUSE_IMAGE));
  fs.writeFileSync(path.join(CNI_CONF_DIR, '10-kmw-node.conflist'), cniConfList());
  fs.writeFileSync(KUBELET_CONFIG, kubeletConfigYaml(path.join(PKI_DIR, 'ca.crt')));
  fs.writeFileSync(KUBELET_KUBECONFIG, kubeletKubeConfig(credentials), { mode: 0o600 });
  fs.writeFileSync(NODE_LAUNCH_FILE, JSON.stringify(launchSpecs(binDir), null, 2));
}

async function waitUntil(what: NodeComponent, ready: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (!componentRunning(what)) throw new RealNodeError(`${what} exited during start-up. Last lines of ${componentLog(what)}:\n${tail(componentLog(what))}`);
    if (Date.now() > deadline) throw new RealNodeError(`${what} was not ready within ${timeoutMs / 1000} s. Last lines of ${componentLog(what)}:\n${tail(componentLog(what))}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The real node's images. Stand-ins until the offline image builds land: see stopgapImages.ts.
 */
function importImages(): string[] {
  const images = buildStopgapImages(IMAGES_DIR);
  for (const image of images) {
    run('ctr', ['-a', CONTAINERD_SOCKET, '-n', 'k8s.io', 'images', 'import', '--index-name', image.reference, image.archive]);
  }
  return images.map((image) => image.reference);
}

function nodeReady(node: k8s.V1Node | undefined): boolean {
  return node?.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
}

/** The socket each process creates once it serves (the kubelet's readiness is the node's). */
const READY_SOCKETS: Record<NodeComponent, string | undefined> = {
  'node-relay': EGRESS_SOCKET, 'node-dialer': NODE_DIAL_SOCKET, containerd: CONTAINERD_SOCKET, kubelet: undefined,
};

/** Sets up and starts the node (relays, containerd, images, kubelet); resolves once it is Ready. */
export async function startRealNode(binDir: string, credentials: AdminCredentials, kubeConfig: k8s.KubeConfig): Promise<void> {
  if (!fs.existsSync(path.join(binDir, 'kubelet'))) throw new RealNodeError(`no kubelet in ${binDir}: run scripts/sandbox/build-binaries.sh`);
  for (const tool of ['containerd', 'ctr', 'runc', 'nsenter', 'ip']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new RealNodeError(`${tool} is missing: run \`bash scripts/sandbox/install-node-runtime.sh\` (Debian's containerd, runc and CNI plugins)`);
    }
  }
  ensureNodeHost();
  writeNodeFiles(binDir, credentials);
  for (const component of NODE_COMPONENTS) {
    if (component === 'kubelet') importImages();
    // The supervisor takes them over; `up` must not wait for them to exit.
    launchComponent(component).unref();
    const socket = READY_SOCKETS[component];
    if (socket) await waitUntil(component, () => fs.existsSync(socket), 30000);
  }
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  await waitUntil('kubelet', async () => nodeReady(await core.readNode({ name: NODE_NAME }).catch(() => undefined)), 180000);
}

function processesMatching(pattern: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(pattern)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Every process in the kubelet's cgroup parent (the containers), in any hierarchy. */
function containerProcesses(): number[] {
  const pids = new Set<number>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name));
    }
    for (const pid of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) pids.add(Number(pid));
  };
  for (const hierarchy of cgroupHierarchies()) {
    if (fs.existsSync(path.join(hierarchy, CGROUP_ROOT))) walk(path.join(hierarchy, CGROUP_ROOT));
  }
  return [...pids];
}

function removeCgroups(): void {
  const removeTree = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) removeTree(path.join(dir, entry.name));
    }
    fs.rmdirSync(dir);
  };
  for (const hierarchy of cgroupHierarchies()) {
    const dir = path.join(hierarchy, CGROUP_ROOT);
    if (fs.existsSync(dir)) removeTree(dir);
  }
}

/** Mount points under the node's folder (overlay roots, pod volumes, pod network namespaces), deepest first. */
function mountsUnderNodeDir(): string[] {
  const prefix = NODE_DIR + path.sep;
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((mountPoint): mountPoint is string => Boolean(mountPoint?.startsWith(prefix)))
    .sort((a, b) => b.length - a.length);
}

/** The kubelet links each container's log from /var/log/containers (a fixed path); ours point into the node folder. */
function removeContainerLogLinks(): void {
  const linkDir = '/var/log/containers';
  for (const entry of fs.existsSync(linkDir) ? fs.readdirSync(linkDir) : []) {
    const link = path.join(linkDir, entry);
    try {
      if (fs.readlinkSync(link).startsWith(POD_LOGS_DIR + path.sep)) fs.rmSync(link);
    } catch {
      // not a link
    }
  }
}

/**
 * Stops the kubelet, the containers, containerd and the relays; unmounts what they mounted;
 * removes the cgroups and the network namespace. Returns what was stopped.
 */
export async function stopRealNode(): Promise<string[]> {
  const stopped: string[] = [];
  const stop = async (component: NodeComponent): Promise<void> => {
    const pid = readPid(path.join(NODE_PIDS_DIR, `${component}.pid`));
    if (pid !== undefined && isAlive(pid)) {
      await stopGroups([pid]);
      stopped.push(`${component} (${pid})`);
    }
  };
  await stop('kubelet');
  const containers = containerProcesses();
  // containerd's shims outlive it by design (setsid): find ours by the socket they were given.
  const shims = processesMatching(CONTAINERD_SOCKET).filter((pid) => pid !== readPid(path.join(NODE_PIDS_DIR, 'containerd.pid')));
  if (containers.length + shims.length > 0) {
    await stopGroups([...containers, ...shims], 1000);
    stopped.push(`${containers.length} container process(es), ${shims.length} shim(s)`);
  }
  for (const component of ['containerd', 'node-dialer', 'node-relay'] as const) await stop(component);
  for (const mountPoint of mountsUnderNodeDir()) {
    try {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    } catch {
      // already gone with a parent mount
    }
  }
  removeCgroups();
  removeContainerLogLinks();
  if (fs.existsSync(NETNS_PATH)) {
    run('ip', ['netns', 'delete', NETNS]);
    stopped.push(`network namespace ${NETNS}`);
  }
  for (const entry of fs.existsSync(NODE_DIR) ? fs.readdirSync(NODE_DIR) : []) {
    if (path.join(NODE_DIR, entry) !== NODE_LOGS_DIR) fs.rmSync(path.join(NODE_DIR, entry), { recursive: true, force: true });
  }
  return stopped;
}
