// The control-plane components kwokctl started, as the supervisor and the CLI see them: where their
// pid files and logs are, how kwokctl launched each one (its saved kwok.yaml), and how to launch
// one again exactly that way without touching the others or their data.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { CLUSTER_NAME, KWOK_WORKDIR } from './paths';
import { isAlive, programOf, readPid } from './processes';

export const CLUSTER_DIR = path.join(KWOK_WORKDIR, 'clusters', CLUSTER_NAME);
export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok-controller'] as const;
export type Component = typeof COMPONENTS[number];

export function isComponent(name: string): name is Component {
  return (COMPONENTS as readonly string[]).includes(name);
}

export function componentPidFile(component: Component): string {
  return path.join(CLUSTER_DIR, 'pids', `${component}.pid`);
}

/**
 * The component's pid, only while that process was started from this sandbox's link to the binary: pids are reused
 * (pid_max is 32768 here), and trusting a stale pid file would signal an unrelated process, or
 * count a dead component as running and never restart it.
 */
export function componentPid(component: Component): number | undefined {
  const pid = readPid(componentPidFile(component));
  return pid !== undefined && programOf(pid) === path.join(CLUSTER_DIR, 'bin', component) ? pid : undefined;
}

export function componentRunning(component: Component): boolean {
  const pid = componentPid(component);
  return pid !== undefined && isAlive(pid);
}

export function componentLog(component: Component): string {
  return path.join(CLUSTER_DIR, 'logs', `${component}.log`);
}

/** True once kwokctl has created the cluster: its saved configuration says how to start each part. */
export function clusterCreated(): boolean {
  return fs.existsSync(path.join(CLUSTER_DIR, 'kwok.yaml'));
}

interface LaunchSpec {
  readonly binary: string;
  readonly args: readonly string[];
  readonly workDir: string;
  readonly envs: readonly { name: string; value?: string }[];
}

/** The command line kwokctl used for `component`, from the cluster's kwok.yaml. */
function launchSpec(component: Component): LaunchSpec {
  const documents = yaml.loadAll(fs.readFileSync(path.join(CLUSTER_DIR, 'kwok.yaml'), 'utf8')) as { kind?: string; components?: (LaunchSpec & { name: string })[] }[];
  const spec = documents.find((document) => document?.kind === 'KwokctlConfiguration')?.components?.find((candidate) => candidate.name === component);
  if (!spec?.binary) throw new Error(`${component} is not in ${path.join(CLUSTER_DIR, 'kwok.yaml')}`);
  return { binary: spec.binary, args: spec.args ?? [], workDir: spec.workDir || CLUSTER_DIR, envs: spec.envs ?? [] };
}

/**
 * Starts `component` as kwokctl does (its own session, output appended to its log, pid file
 * written) and returns the child, whose exit the caller may watch.
 */
export function launchComponent(component: Component): ReturnType<typeof spawn> {
  const spec = launchSpec(component);
  const log = fs.openSync(componentLog(component), 'a');
  const env = { ...process.env, KWOK_WORKDIR, ...Object.fromEntries(spec.envs.map((entry) => [entry.name, entry.value ?? ''])) };
  const child = spawn(spec.binary, spec.args, { cwd: spec.workDir, detached: true, stdio: ['ignore', log, log], env });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${spec.binary}`);
  fs.writeFileSync(componentPidFile(component), String(child.pid));
  return child;
}

function holdFile(component: Component): string {
  return path.join(CLUSTER_DIR, 'pids', `${component}.hold`);
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
