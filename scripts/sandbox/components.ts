// The processes the supervisor keeps running, as it and the CLI see them: the control-plane
// components kwokctl started and, when the sandbox has one, the real node's processes. Where their
// pid files and logs are, how each was launched (kwokctl's saved kwok.yaml, the node's
// launch.json), and how to launch one again exactly that way without touching the others or their data.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { CLUSTER_NAME, KWOK_WORKDIR } from './paths';
import { NODE_LAUNCH_FILE, NODE_LOGS_DIR, NODE_PIDS_DIR } from './node/layout';
import { commandLineOf, isAlive, readPid } from './processes';

export const CLUSTER_DIR = path.join(KWOK_WORKDIR, 'clusters', CLUSTER_NAME);
export const KWOK_COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok-controller',
] as const;
/** In start order: the relays, then containerd, then the kubelet that needs both. */
export const NODE_COMPONENTS = ['node-relay', 'node-dialer', 'containerd', 'kubelet'] as const;
export const COMPONENTS = [...KWOK_COMPONENTS, ...NODE_COMPONENTS] as const;
export type Component = (typeof COMPONENTS)[number];
export type NodeComponent = (typeof NODE_COMPONENTS)[number];

function isNodeComponent(component: Component): component is NodeComponent {
  return (NODE_COMPONENTS as readonly string[]).includes(component);
}

/** The components this sandbox runs: the node's only once it has been set up (its launch.json). */
export function activeComponents(): Component[] {
  return fs.existsSync(NODE_LAUNCH_FILE) ? [...COMPONENTS] : [...KWOK_COMPONENTS];
}

export function isComponent(name: string): name is Component {
  return (COMPONENTS as readonly string[]).includes(name);
}

function pidsDir(component: Component): string {
  return isNodeComponent(component) ? NODE_PIDS_DIR : path.join(CLUSTER_DIR, 'pids');
}

export function componentPidFile(component: Component): string {
  return path.join(pidsDir(component), `${component}.pid`);
}

/**
 * The component's pid, only while that process is still the component: pids are reused (pid_max
 * is 32768 here), and trusting a stale pid file would signal an unrelated process, or count a
 * dead component as running and never restart it.
 */
export function componentPid(component: Component): number | undefined {
  const pid = readPid(componentPidFile(component));
  return pid !== undefined && isComponentProcess(component, pid) ? pid : undefined;
}

/**
 * The control plane's processes start from this sandbox's own links to the binaries, so their
 * program path names them. The node's are ours to launch and share programs (node, for both
 * relays), so their whole command line must match; nsenter execs the command it wraps, and
 * until then the process still shows nsenter's own command line.
 */
function isComponentProcess(component: Component, pid: number): boolean {
  const actual = commandLineOf(pid);
  if (!actual) return false;
  if (!isNodeComponent(component)) return actual[0] === path.join(CLUSTER_DIR, 'bin', component);
  const spec = launchSpec(component);
  const launched = [spec.binary, ...spec.args];
  const wrapped =
    spec.binary === 'nsenter' ? spec.args.slice(spec.args.indexOf('--') + 1) : launched;
  const same = (expected: readonly string[]) =>
    expected.length === actual.length && expected.every((arg, index) => arg === actual[index]);
  return same(wrapped) || same(launched);
}

export function componentRunning(component: Component): boolean {
  const pid = componentPid(component);
  return pid !== undefined && isAlive(pid);
}

export function componentLog(component: Component): string {
  return path.join(
    isNodeComponent(component) ? NODE_LOGS_DIR : path.join(CLUSTER_DIR, 'logs'),
    `${component}.log`,
  );
}

/** True once kwokctl has created the cluster: its saved configuration says how to start each part. */
export function clusterCreated(): boolean {
  return fs.existsSync(path.join(CLUSTER_DIR, 'kwok.yaml'));
}

export interface LaunchSpec {
  readonly binary: string;
  readonly args: readonly string[];
  readonly workDir: string;
  readonly envs: readonly { name: string; value?: string }[];
}

/** The command line kwokctl used for `component` (from the cluster's kwok.yaml), or the node's. */
function launchSpec(component: Component): LaunchSpec {
  if (isNodeComponent(component)) {
    const spec = (
      JSON.parse(fs.readFileSync(NODE_LAUNCH_FILE, 'utf8')) as Record<
        string,
        LaunchSpec | undefined
      >
    )[component];
    if (!spec) throw new Error(`${component} is not in ${NODE_LAUNCH_FILE}`);
    return spec;
  }
  const documents = yaml.loadAll(fs.readFileSync(path.join(CLUSTER_DIR, 'kwok.yaml'), 'utf8')) as {
    kind?: string;
    components?: (LaunchSpec & { name: string })[];
  }[];
  const spec = documents
    .find((document) => document?.kind === 'KwokctlConfiguration')
    ?.components?.find((candidate) => candidate.name === component);
  if (!spec?.binary)
    throw new Error(`${component} is not in ${path.join(CLUSTER_DIR, 'kwok.yaml')}`);
  return {
    binary: spec.binary,
    args: spec.args ?? [],
    workDir: spec.workDir || CLUSTER_DIR,
    envs: spec.envs ?? [],
  };
}

/**
 * Starts `component` as kwokctl does (its own session, output appended to its log, pid file
 * written) and returns the child, whose exit the caller may watch.
 */
export function launchComponent(component: Component): ReturnType<typeof spawn> {
  const spec = launchSpec(component);
  const log = fs.openSync(componentLog(component), 'a');
  const env = {
    ...process.env,
    KWOK_WORKDIR,
    ...Object.fromEntries(spec.envs.map((entry) => [entry.name, entry.value ?? ''])),
  };
  const child = spawn(spec.binary, spec.args, {
    cwd: spec.workDir,
    detached: true,
    stdio: ['ignore', log, log],
    env,
  });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${spec.binary}`);
  fs.writeFileSync(componentPidFile(component), String(child.pid));
  return child;
}

function holdFile(component: Component): string {
  return path.join(pidsDir(component), `${component}.hold`);
}

/** Keeps the supervisor from restarting `component` until `until` (ms since the epoch). */
export function holdComponent(component: Component, until: number): void {
  fs.writeFileSync(holdFile(component), String(until));
}

export function heldUntil(component: Component): number {
  try {
    return Number(fs.readFileSync(holdFile(component), 'utf8')) || 0;
  } catch {
    return 0;
  }
}
