// The sandbox lifecycle: `up` (build, start or reuse, fixtures, kubeconfig, agent), `down`
// (stop every process group it started, remove its files) and `status`.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { apiServerUrl, readAdminCredentials, writeSandboxKubeConfig } from './kubeconfig';
import {
  CLUSTER_DIR,
  COMPONENTS,
  KWOK_COMPONENTS,
  activeComponents,
  clusterCreated,
  componentLog,
  componentPid,
  componentRunning,
  heldUntil,
  holdComponent,
  isComponent,
  type Component,
} from './components';
import {
  AGENT_LOG,
  AGENT_PID_FILE,
  CACHE_DIR,
  ETCD_VERSION,
  KUBE_VERSION,
  KWOK_VERSION,
  AGENT_READY_FILE,
  BUILD_SCRIPT,
  CLUSTER_NAME,
  KUBECONFIG_PATH,
  KWOKCTL_CONFIG,
  KWOKCTL_KUBECONFIG,
  KWOK_WORKDIR,
  LOGS_DIR,
  LOOPBACK,
  PODS_DIR,
  PORTS,
  REPO_ROOT,
  SANDBOX_CONTEXTS,
  SANDBOX_DIR,
  SIGN_IN_DIR,
  STATE_FILE,
  SUPERVISOR_LOG,
  SUPERVISOR_PID_FILE,
  VOLUMES_DIR,
} from './paths';
import { ensureNodeHost, stopRealNode } from './node/host';
import { NETNS_PATH, NODE_DIR } from './node/layout';
import {
  isAlive,
  portIsFree,
  processesWorkingUnder,
  readPid,
  rssMiB,
  signalGroup,
  stopGroups,
  tail,
} from './processes';

export class SandboxError extends Error {}

interface SandboxState {
  binDir: string;
  startedAt: string;
  realNode?: boolean;
}

function readState(): SandboxState | undefined {
  try {
    return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as SandboxState;
  } catch {
    return undefined;
  }
}

/** GET /readyz with the admin certificate; resolves to the HTTP status or an error message. */
/** /readyz's status code, or why it could not be read. */
export function apiReadyz(timeoutMs = 2000): Promise<number | string> {
  return new Promise((resolve) => {
    let credentials;
    try {
      credentials = readAdminCredentials();
    } catch (error) {
      resolve((error as Error).message);
      return;
    }
    const request = https.get(
      `${apiServerUrl()}/readyz`,
      {
        ca: credentials.caPem,
        cert: credentials.certPem,
        key: credentials.keyPem,
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) => resolve(error.message));
  });
}

/** True when the supervisor and every control-plane component run and /readyz answers 200. */
async function controlPlaneHealthy(): Promise<boolean> {
  return (
    supervisorRunning() && activeComponents().every(componentRunning) && (await apiReadyz()) === 200
  );
}

function supervisorRunning(): boolean {
  const pid = readPid(SUPERVISOR_PID_FILE);
  return pid !== undefined && isAlive(pid);
}

function agentHealthy(): boolean {
  const agentPid = readPid(AGENT_PID_FILE);
  return agentPid !== undefined && isAlive(agentPid) && fs.existsSync(AGENT_READY_FILE);
}

/** Stops the agent (if running) and starts it again, e.g. to pick up changed agent code. */
export async function restartAgent(): Promise<number> {
  const agentPid = readPid(AGENT_PID_FILE);
  if (agentPid !== undefined && isAlive(agentPid)) await stopGroups([agentPid]);
  const pid = startAgent();
  await waitForAgent(pid, 60000);
  return pid;
}

function requireGo(): void {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new SandboxError(
      'Go toolchain not found: the sandbox builds kube-apiserver, etcd and kwok from Go modules.\n' +
        '  Install Go >= 1.24 (https://go.dev/dl/ or `apt-get install golang`) and put `go` on PATH.',
    );
  }
}

function buildBinaries(): { binDir: string; seconds: number } {
  const started = Date.now();
  const result = spawnSync('bash', [BUILD_SCRIPT], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new SandboxError(
      `building the sandbox binaries failed (scripts/sandbox/build-binaries.sh exited ${result.status ?? result.signal}); ` +
        'see the go output above. Module downloads need the Go proxy (GOPROXY) to be reachable.',
    );
  }
  const binDir = result.stdout.trim().split('\n').pop() ?? '';
  if (!fs.existsSync(path.join(binDir, 'kube-apiserver'))) {
    throw new SandboxError(`build-binaries.sh reported ${binDir}, which has no kube-apiserver`);
  }
  return { binDir, seconds: (Date.now() - started) / 1000 };
}

async function requireFreePorts(): Promise<void> {
  for (const [component, port] of Object.entries(PORTS)) {
    if (!(await portIsFree(LOOPBACK, port))) {
      const envName = {
        apiserver: 'KMW_SANDBOX_API_PORT',
        etcd: 'KMW_SANDBOX_ETCD_PORT',
        etcdPeer: 'KMW_SANDBOX_ETCD_PEER_PORT',
        controllerManager: 'KMW_SANDBOX_KCM_PORT',
        scheduler: 'KMW_SANDBOX_SCHEDULER_PORT',
        kwokController: 'KMW_SANDBOX_KWOK_PORT',
        signIn: 'KMW_SANDBOX_SIGN_IN_PORT',
        tokenWebhook: 'KMW_SANDBOX_TOKEN_WEBHOOK_PORT',
      }[component];
      throw new SandboxError(
        `port ${LOOPBACK}:${port} (for ${component}) is already in use by another process.\n` +
          `  Find it with \`ss -ltnp 'sport = :${port}'\`, stop it, or choose another port with ${envName}=<port>.`,
      );
    }
  }
}

function kwokctl(binDir: string, args: string[], inherit = true): string {
  const result = spawnSync(path.join(binDir, 'kwokctl'), ['--name', CLUSTER_NAME, ...args], {
    env: { ...process.env, KWOK_WORKDIR },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', inherit ? 'inherit' : 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new SandboxError(
      `kwokctl ${args.join(' ')} failed (exit ${result.status ?? result.signal})\n${result.stderr ?? ''}`,
    );
  }
  return result.stdout;
}

/** Proves nothing would be fetched from the network: every `# Download` source is a local file. */
function checkNoNetworkDownloads(binDir: string): void {
  const dryRun = kwokctl(
    binDir,
    [
      'create',
      'cluster',
      '--config',
      KWOKCTL_CONFIG,
      '--kubeconfig',
      KWOKCTL_KUBECONFIG,
      '--dry-run',
    ],
    false,
  );
  const remote = dryRun.split('\n').filter((line) => /^# Download\s+https?:/.test(line));
  if (remote.length > 0) {
    throw new SandboxError(`kwokctl would download from the network:\n${remote.join('\n')}`);
  }
}

function componentFailure(component: Component, what: string): SandboxError {
  return new SandboxError(
    `${component} ${what}. Last lines of ${componentLog(component)}:\n${tail(componentLog(component))}`,
  );
}

/** Waits for /readyz; during a first start a component that exits is a failure (later the supervisor restarts it). */
async function waitForApiServer(timeoutMs: number, firstStart = false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: number | string = 'no answer';
  while (Date.now() < deadline) {
    for (const component of firstStart ? KWOK_COMPONENTS : []) {
      if (!componentRunning(component)) throw componentFailure(component, 'exited during start-up');
    }
    last = await apiReadyz();
    if (last === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw componentFailure(
    'kube-apiserver',
    `did not become ready within ${timeoutMs / 1000} s (last /readyz: ${last})`,
  );
}

function startAgent(): number {
  fs.rmSync(AGENT_READY_FILE, { force: true });
  const log = fs.openSync(AGENT_LOG, 'a');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'agent', 'main.ts')],
    {
      cwd: REPO_ROOT,
      detached: true, // its own process group, so `down` can stop it and everything it spawned
      stdio: ['ignore', log, log],
      env: { ...process.env, KUBECONFIG: KUBECONFIG_PATH },
    },
  );
  fs.closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new SandboxError('could not start the sandbox agent');
  fs.writeFileSync(AGENT_PID_FILE, String(child.pid));
  return child.pid;
}

async function waitForAgent(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(AGENT_READY_FILE)) return;
    if (!isAlive(pid))
      throw new SandboxError(
        `the sandbox agent exited during start-up. Last lines of ${AGENT_LOG}:\n${tail(AGENT_LOG)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new SandboxError(
    `the sandbox agent did not become ready within ${timeoutMs / 1000} s. Last lines of ${AGENT_LOG}:\n${tail(AGENT_LOG)}`,
  );
}

export interface UpFigures {
  reused: boolean;
  /** What was dead and has been restarted in place (the cluster and its objects kept). */
  restarted: string[];
  /** The running cluster was not healthy at first (the supervisor may have been restarting a component already). */
  repaired: boolean;
  buildSeconds?: number;
  startSeconds?: number;
  /** From the control plane's readiness to the real node's Ready condition. */
  realNodeSeconds?: number;
  totalSeconds: number;
}

/** A cluster that was created completely (state written after its API server first answered). */
function clusterExists(): boolean {
  return readState() !== undefined && clusterCreated() && fs.existsSync(KUBECONFIG_PATH);
}

export interface UpOptions {
  /** Adds the real node (containerd + kubelet in a network namespace) to a sandbox being created. */
  realNode: boolean;
}

export async function up(options: UpOptions = { realNode: true }): Promise<UpFigures> {
  const started = Date.now();
  if (clusterExists()) {
    if (readState()?.realNode) ensureNodeHost();
    const repaired = !(await controlPlaneHealthy());
    const restarted = repaired ? await restartWhatIsDead() : [];
    // The control plane survives an agent crash; bring just the agent back.
    if (!agentHealthy()) {
      await restartAgent();
      restarted.push('agent');
    }
    return {
      reused: true,
      restarted,
      repaired: repaired || restarted.length > 0,
      totalSeconds: (Date.now() - started) / 1000,
    };
  }
  requireGo();
  fs.mkdirSync(SANDBOX_DIR, { recursive: true });
  const { binDir, seconds: buildSeconds } = buildBinaries();
  console.log(`sandbox: binaries ready in ${buildSeconds.toFixed(1)} s (${binDir})`);

  // Something half-started (a crash during a first start): clear it before starting afresh.
  await stopEverything(binDir);
  await requireFreePorts();

  const startStarted = Date.now();
  // Loaded here, not at the top: the reuse path above must stay fast.
  const { kwokctlConfigYaml } = await import('./kwokConfig');
  const { DEVELOPER, NAMESPACE_ONLY_USER, applyFixtures, staticToken } = await import('./fixtures');
  const { adminKubeConfig } = await import('./adminClient');
  const { writeTokenWebhookConfig } = await import('./signIn');
  const realNode = options.realNode ? await import('./node/realNode') : undefined;
  fs.writeFileSync(
    KWOKCTL_CONFIG,
    kwokctlConfigYaml(binDir, [
      ...writeTokenWebhookConfig(),
      ...(realNode?.writeEgressConfig() ?? []),
    ]),
  );
  checkNoNetworkDownloads(binDir);
  try {
    kwokctl(binDir, [
      'create',
      'cluster',
      '--config',
      KWOKCTL_CONFIG,
      '--kubeconfig',
      KWOKCTL_KUBECONFIG,
      '--quiet-pull',
      '--timeout',
      '5m',
    ]);
  } catch (error) {
    const dead = KWOK_COMPONENTS.filter((component) => !componentRunning(component));
    const details = dead
      .map(
        (component) => `--- ${component} (not running) ---\n${tail(componentLog(component), 15)}`,
      )
      .join('\n');
    throw new SandboxError(`${(error as Error).message}\n${details}`);
  }
  await waitForApiServer(120000, true);
  const credentials = readAdminCredentials();
  const admin = adminKubeConfig(credentials);
  let realNodeSeconds: number | undefined;
  if (realNode) {
    const nodeStarted = Date.now();
    try {
      await realNode.startRealNode(binDir, credentials, admin);
    } catch (error) {
      throw new SandboxError(
        `the real node did not start: ${(error as Error).message}\n` +
          '  Its logs are in .sandbox/node/logs/. `npm run sandbox -- up --no-real-node` starts a sandbox without it.',
      );
    }
    realNodeSeconds = (Date.now() - nodeStarted) / 1000;
  }
  startSupervisor();
  fs.writeFileSync(
    STATE_FILE,
    JSON.stringify({
      binDir,
      startedAt: new Date().toISOString(),
      realNode: options.realNode,
    } satisfies SandboxState),
  );

  await applyFixtures(admin);
  const [developer, namespaceOnly] = await Promise.all([
    staticToken(admin, DEVELOPER),
    staticToken(admin, NAMESPACE_ONLY_USER),
  ]);
  writeSandboxKubeConfig(KUBECONFIG_PATH, credentials, { developer, namespaceOnly });
  const agentPid = startAgent();
  await waitForAgent(agentPid, 60000);
  const startSeconds = (Date.now() - startStarted) / 1000;
  return {
    reused: false,
    restarted: [],
    repaired: false,
    buildSeconds,
    startSeconds,
    realNodeSeconds,
    totalSeconds: (Date.now() - started) / 1000,
  };
}

function startSupervisor(): number {
  const log = fs.openSync(SUPERVISOR_LOG, 'a');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'supervisor.ts')],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', log, log],
    },
  );
  fs.closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new SandboxError('could not start the sandbox supervisor');
  fs.writeFileSync(SUPERVISOR_PID_FILE, String(child.pid));
  return child.pid;
}

/**
 * Brings back whatever part of an existing cluster is dead (the supervisor restarts components
 * exactly as kwokctl started them; etcd keeps its data), never deleting or recreating anything.
 */
async function restartWhatIsDead(): Promise<string[]> {
  const dead: string[] = activeComponents().filter(
    (component) => !componentRunning(component) && heldUntil(component) <= Date.now(),
  );
  if (supervisorRunning()) {
    // Skip its backoff: whoever runs `up` wants the sandbox now.
    signalGroup(readPid(SUPERVISOR_PID_FILE) ?? 0, 'SIGUSR1');
  } else {
    startSupervisor();
    dead.unshift('supervisor');
  }
  await waitForRunning(activeComponents(), 60000);
  await waitForApiServer(120000);
  return dead;
}

async function waitForRunning(components: readonly Component[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!components.every(componentRunning)) {
    if (Date.now() > deadline) {
      const dead = components.filter((component) => !componentRunning(component));
      throw componentFailure(
        dead[0],
        `was not restarted within ${timeoutMs / 1000} s (see ${SUPERVISOR_LOG})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const KILLABLE = [...COMPONENTS, 'agent'] as const;

function requireKillable(name: string): Component | 'agent' {
  if (name === 'agent' || isComponent(name)) return name;
  throw new SandboxError(`unknown component "${name}"; one of: ${KILLABLE.join(', ')}`);
}

/**
 * SIGKILLs one component's process group, as a crash would. The supervisor restarts a control-plane
 * component (after `holdSeconds`, for a longer outage); `up` restarts the agent. Returns the pid killed.
 */
export function kill(name: string, holdSeconds = 0): number {
  const component = requireKillable(name);
  if (!clusterExists())
    throw new SandboxError('the sandbox is not running; start it with `npm run sandbox -- up`');
  const pid = component === 'agent' ? readPid(AGENT_PID_FILE) : componentPid(component);
  if (pid === undefined || !isAlive(pid)) throw new SandboxError(`${component} is not running`);
  if (component !== 'agent' && holdSeconds > 0)
    holdComponent(component, Date.now() + holdSeconds * 1000);
  signalGroup(pid, 'SIGKILL');
  return pid;
}

/** Stops one component (SIGTERM, then SIGKILL) and waits until it runs again; returns the new pid. */
export async function restart(name: string): Promise<number> {
  const component = requireKillable(name);
  if (component === 'agent') return restartAgent();
  if (!clusterExists() || !supervisorRunning())
    throw new SandboxError('the sandbox is not running; start it with `npm run sandbox -- up`');
  const pid = componentPid(component);
  if (pid !== undefined && isAlive(pid)) await stopGroups([pid]);
  signalGroup(readPid(SUPERVISOR_PID_FILE) ?? 0, 'SIGUSR1');
  await waitForRunning([component], 60000);
  if (component === 'kube-apiserver' || component === 'etcd') await waitForApiServer(120000);
  return componentPid(component) ?? 0;
}

async function stopEverything(binDir: string | undefined): Promise<string[]> {
  const stopped: string[] = [];
  // First the supervisor, or it would restart what is stopped below.
  const supervisorPid = readPid(SUPERVISOR_PID_FILE);
  if (supervisorPid !== undefined && isAlive(supervisorPid)) {
    await stopGroups([supervisorPid]);
    stopped.push(`supervisor (${supervisorPid})`);
  }
  const agentPid = readPid(AGENT_PID_FILE);
  if (agentPid !== undefined && isAlive(agentPid)) {
    await stopGroups([agentPid]);
    stopped.push(`agent (${agentPid})`);
  }
  if (fs.existsSync(NODE_DIR) || fs.existsSync(NETNS_PATH)) {
    stopped.push(...(await stopRealNode()));
  }
  const componentPids = KWOK_COMPONENTS.map(
    (component): readonly [Component, number | undefined] => [component, componentPid(component)],
  ).filter(
    (entry): entry is readonly [Component, number] => entry[1] !== undefined && isAlive(entry[1]),
  );
  if (binDir && fs.existsSync(CLUSTER_DIR)) {
    try {
      kwokctl(binDir, ['delete', 'cluster', '--kubeconfig', KWOKCTL_KUBECONFIG], false);
    } catch {
      // fall through: the process groups are stopped below either way
    }
  }
  // kwokctl starts each component in its own session; stop any group that survived the delete.
  await stopGroups(componentPids.map(([, pid]) => pid));
  stopped.push(...componentPids.map(([component, pid]) => `${component} (${pid})`));
  // Shells kwok started for `kubectl exec` run in the pods' folders; end the ones still open.
  const shells = [...processesWorkingUnder(PODS_DIR), ...processesWorkingUnder(VOLUMES_DIR)];
  if (shells.length > 0) {
    await stopGroups(shells, 1000);
    stopped.push(`${shells.length} exec process(es)`);
  }
  for (const entry of [
    KWOK_WORKDIR,
    PODS_DIR,
    VOLUMES_DIR,
    LOGS_DIR,
    SIGN_IN_DIR,
    SUPERVISOR_PID_FILE,
    AGENT_PID_FILE,
    AGENT_READY_FILE,
    STATE_FILE,
    KUBECONFIG_PATH,
    KWOKCTL_KUBECONFIG,
    KWOKCTL_CONFIG,
  ]) {
    fs.rmSync(entry, { recursive: true, force: true });
  }
  return stopped;
}

export async function down(): Promise<string[]> {
  const state = readState();
  const binDir = state?.binDir ?? defaultBinDir();
  return stopEverything(binDir);
}

/** The folder build-binaries.sh uses for the pinned versions (same naming as the script). */
function defaultBinDir(): string {
  return path.join(
    CACHE_DIR,
    'bin',
    `k8s-${KUBE_VERSION}-etcd-${ETCD_VERSION}-kwok-${KWOK_VERSION}`,
  );
}

export interface StatusReport {
  running: boolean;
  lines: string[];
}

export async function status(): Promise<StatusReport> {
  const lines: string[] = [];
  const state = readState();
  if (!state)
    return {
      running: false,
      lines: [
        'sandbox: not running (no state in .sandbox/); start it with `npm run sandbox -- up`',
      ],
    };
  let allUp = true;
  for (const component of activeComponents()) {
    const pid = componentPid(component);
    const alive = pid !== undefined && isAlive(pid);
    allUp &&= alive;
    const rss = alive && pid !== undefined ? `, RSS ${rssMiB(pid)} MiB` : '';
    lines.push(
      `  ${component.padEnd(24)} ${alive ? 'running' : 'STOPPED'} pid ${pid ?? '-'}${rss}`,
    );
  }
  const supervisorPid = readPid(SUPERVISOR_PID_FILE);
  const supervisorAlive = supervisorRunning();
  allUp &&= supervisorAlive;
  lines.push(
    `  ${'sandbox supervisor'.padEnd(24)} ${supervisorAlive ? 'running' : 'STOPPED'} pid ${supervisorPid ?? '-'}`,
  );
  const agentPid = readPid(AGENT_PID_FILE);
  const agentAlive = agentPid !== undefined && isAlive(agentPid);
  allUp &&= agentAlive;
  lines.push(
    `  ${'sandbox agent'.padEnd(24)} ${agentAlive ? 'running' : 'STOPPED'} pid ${agentPid ?? '-'}${agentAlive && agentPid ? `, RSS ${rssMiB(agentPid)} MiB` : ''}`,
  );
  const ready = await apiReadyz();
  lines.unshift(
    `sandbox: ${allUp && ready === 200 ? 'running' : 'DEGRADED'} since ${state.startedAt}`,
  );
  lines.push(`  API server ${apiServerUrl()} /readyz: ${ready}`);
  lines.push(`  kubeconfig ${KUBECONFIG_PATH} (contexts ${SANDBOX_CONTEXTS.join(', ')})`);
  if (ready === 200) {
    const { CoreV1Api } = await import('@kubernetes/client-node');
    const core = (await sandboxAdminKubeConfig()).makeApiClient(CoreV1Api);
    const page = await core.listNode({ limit: 1 });
    lines.push(`  nodes: ${page.items.length + (page.metadata?.remainingItemCount ?? 0)}`);
  }
  return { running: allUp && ready === 200, lines };
}

export function apiServerPid(): number | undefined {
  return componentPid('kube-apiserver');
}

export async function sandboxAdminKubeConfig(): Promise<k8s.KubeConfig> {
  const { adminKubeConfig } = await import('./adminClient');
  return adminKubeConfig(readAdminCredentials());
}
