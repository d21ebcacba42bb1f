// The real node's footprint on this machine: its network namespace (with the bridge that carries
// the node IP) and its cgroup parent, created by `up`; and everything `down` must undo after its
// processes: containers, shims, mounts, cgroups, log links and the namespace. Light on imports, so
// the fast `up` reuse path and `down` can load it.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NodeComponent } from '../components';
import { isAlive, readPid, stopGroups } from '../processes';
import {
  BRIDGE,
  CGROUP_ROOT,
  CONTAINERD_SOCKET,
  NETNS,
  NETNS_PATH,
  NODE_DIR,
  NODE_IP,
  NODE_LOGS_DIR,
  NODE_PIDS_DIR,
  NODE_SUBNET,
  POD_LOGS_DIR,
} from './layout';

export class RealNodeError extends Error {}

const CGROUP_MOUNT = '/sys/fs/cgroup';

export function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new RealNodeError(
      `${command} ${args.join(' ')} failed: ${stderr || (error as Error).message}`,
    );
  }
}

/**
 * cgroup v1 hierarchies (one folder each under /sys/fs/cgroup), or the single v2 one. In hybrid
 * mode runc also makes the containers' cgroups in the v2 `unified` one: `down` removes those too.
 */
function cgroupHierarchies(withUnified = false): string[] {
  if (fs.existsSync(path.join(CGROUP_MOUNT, 'cgroup.controllers'))) return [CGROUP_MOUNT];
  return fs
    .readdirSync(CGROUP_MOUNT)
    .filter((name) => withUnified || name !== 'unified')
    .map((name) => path.join(CGROUP_MOUNT, name))
    .filter((dir) => fs.existsSync(path.join(dir, 'cgroup.procs')));
}

/** The namespace with its bridge (the node IP) and the kubelet's cgroup parent; idempotent (after a reboot, again). */
export function ensureNodeHost(): void {
  if (process.getuid?.() !== 0) {
    throw new RealNodeError(
      'the real node needs root: it makes a network namespace and cgroups and runs containerd and a kubelet. Run as root, or start the sandbox without it: `npm run sandbox -- up --no-real-node`.',
    );
  }
  if (!fs.existsSync(NETNS_PATH)) {
    run('ip', ['netns', 'add', NETNS]);
    run('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', NETNS, 'link', 'add', BRIDGE, 'type', 'bridge']);
    run('ip', [
      '-n',
      NETNS,
      'addr',
      'add',
      `${NODE_IP}/${NODE_SUBNET.split('/')[1]}`,
      'dev',
      BRIDGE,
    ]);
    run('ip', ['-n', NETNS, 'link', 'set', BRIDGE, 'up']);
  }
  for (const hierarchy of cgroupHierarchies()) {
    const dir = path.join(hierarchy, CGROUP_ROOT);
    fs.mkdirSync(dir, { recursive: true });
    // A new cpuset cgroup has no CPUs or memory nodes: nothing could join it.
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (
        fs.existsSync(path.join(dir, file)) &&
        fs.readFileSync(path.join(dir, file), 'utf8').trim() === ''
      ) {
        fs.writeFileSync(path.join(dir, file), fs.readFileSync(path.join(hierarchy, file), 'utf8'));
      }
    }
  }
}

function processesMatching(pattern: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(pattern))
        found.push(Number(entry));
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
    for (const pid of fs
      .readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter(Boolean))
      pids.add(Number(pid));
  };
  for (const hierarchy of cgroupHierarchies(true)) {
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
  for (const hierarchy of cgroupHierarchies(true)) {
    const dir = path.join(hierarchy, CGROUP_ROOT);
    if (fs.existsSync(dir)) removeTree(dir);
  }
}

/** Mount points under the node's folder (overlay roots, pod volumes, pod network namespaces), deepest first. */
function mountsUnderNodeDir(): string[] {
  const prefix = NODE_DIR + path.sep;
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
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
  const shims = processesMatching(CONTAINERD_SOCKET).filter(
    (pid) => pid !== readPid(path.join(NODE_PIDS_DIR, 'containerd.pid')),
  );
  if (containers.length + shims.length > 0) {
    await stopGroups([...containers, ...shims], 1000);
    stopped.push(`${containers.length} container process(es), ${shims.length} shim(s)`);
  }
  for (const component of ['containerd', 'node-dialer', 'node-relay'] as const)
    await stop(component);
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
    if (path.join(NODE_DIR, entry) !== NODE_LOGS_DIR)
      fs.rmSync(path.join(NODE_DIR, entry), { recursive: true, force: true });
  }
  return stopped;
}
