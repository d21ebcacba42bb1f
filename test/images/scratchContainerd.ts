// A throwaway containerd (Debian's 1.6) whose root, state and socket live in a temporary folder,
// so image tests never touch a system containerd or the sandbox node's.
import { ChildProcess, execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { waitFor } from '../waitFor';

const run = promisify(execFile);
const MAX_OUTPUT = 64 * 1024 * 1024;

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: readonly string[];
  /** Container path → host file, bind-mounted read-only (as a device plugin's mounts are). */
  readonly readOnlyFiles?: Readonly<Record<string, string>>;
}

export interface ImageLine {
  readonly reference: string;
  readonly archive: string;
}

/** Builds (or finds cached) the simulated-GPU programs; program name → absolute path. */
export async function buildGpuPrograms(): Promise<Record<string, string>> {
  const { stdout } = await run('bash', ['scripts/sandbox/gpu/build.sh'], { maxBuffer: MAX_OUTPUT });
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t')),
  );
}

/** Builds (or finds cached) the named images; one line per reference, as build.sh prints them. */
export async function buildImages(
  names: readonly string[],
  cacheDir?: string,
): Promise<ImageLine[]> {
  const env = cacheDir ? { ...process.env, KMW_CACHE: cacheDir } : process.env;
  const { stdout } = await run(
    'nice',
    ['-n', '15', 'bash', 'scripts/sandbox/images/build.sh', ...names],
    { maxBuffer: MAX_OUTPUT, env },
  );
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [reference, archive] = line.split('\t');
      return { reference, archive };
    });
}

export class ScratchContainerd {
  private containers = 0;

  private constructor(
    private readonly dir: string,
    private readonly daemon: ChildProcess,
  ) {}

  get socket(): string {
    return path.join(this.dir, 'containerd.sock');
  }

  static async start(): Promise<ScratchContainerd> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-containerd-'));
    // This VM denies lowering oom_score_adj; without the restriction runc fails every container.
    fs.writeFileSync(
      path.join(dir, 'config.toml'),
      [
        'version = 2',
        `root = "${dir}/root"`,
        `state = "${dir}/state"`,
        '[grpc]',
        `  address = "${dir}/containerd.sock"`,
        '[plugins."io.containerd.grpc.v1.cri"]',
        '  restrict_oom_score_adj = true',
        '',
      ].join('\n'),
    );
    const log = fs.openSync(path.join(dir, 'containerd.log'), 'w');
    const daemon = spawn('containerd', ['--config', path.join(dir, 'config.toml')], {
      stdio: ['ignore', log, log],
      detached: true,
    });
    fs.closeSync(log);
    const containerd = new ScratchContainerd(dir, daemon);
    await waitFor(
      async () => (await containerd.ctr(['version'])).exitCode === 0,
      30_000,
      'the scratch containerd to answer',
    );
    return containerd;
  }

  async ctr(args: readonly string[]): Promise<RunResult> {
    try {
      const { stdout, stderr } = await run('ctr', ['-a', this.socket, '-n', 'k8s.io', ...args], {
        maxBuffer: MAX_OUTPUT,
      });
      return { exitCode: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return {
        exitCode: typeof failed.code === 'number' ? failed.code : -1,
        stdout: failed.stdout ?? '',
        stderr: failed.stderr ?? '',
      };
    }
  }

  /** Runs import.sh (build, then import what is missing) against this containerd; reference → what it did. */
  async importImages(names: readonly string[], cacheDir?: string): Promise<Map<string, string>> {
    const env = cacheDir ? { ...process.env, KMW_CACHE: cacheDir } : process.env;
    const { stdout } = await run(
      'nice',
      ['-n', '15', 'bash', 'scripts/sandbox/images/import.sh', '--address', this.socket, ...names],
      { maxBuffer: MAX_OUTPUT, env },
    );
    return new Map(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split('\t') as [string, string]),
    );
  }

  /** Runs `command` in a new container of `reference` (host network, removed afterwards). */
  async runIn(
    reference: string,
    command: readonly string[],
    options: RunOptions = {},
  ): Promise<RunResult> {
    const id = `t${++this.containers}`;
    const env = (options.env ?? []).flatMap((entry) => ['--env', entry]);
    const mounts = Object.entries(options.readOnlyFiles ?? {}).flatMap(([target, source]) => [
      '--mount',
      `type=bind,src=${source},dst=${target},options=rbind:ro`,
    ]);
    return this.ctr(['run', '--rm', '--net-host', ...env, ...mounts, reference, id, ...command]);
  }

  /** Starts a container of `reference` in the background (its image's command unless `command`); returns its id. */
  async start(reference: string, command: readonly string[] = []): Promise<string> {
    const id = `t${++this.containers}`;
    const result = await this.ctr(['run', '-d', '--net-host', reference, id, ...command]);
    if (result.exitCode !== 0) throw new Error(`starting ${reference} failed: ${result.stderr}`);
    return id;
  }

  /** The task's status column (RUNNING, STOPPED, ...) as `ctr task ls` shows it. */
  async taskStatus(id: string): Promise<string | undefined> {
    const { stdout } = await this.ctr(['task', 'ls']);
    return stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .find((columns) => columns[0] === id)?.[2];
  }

  async remove(id: string): Promise<void> {
    await this.ctr(['task', 'delete', '--force', id]);
    const result = await this.ctr(['container', 'delete', id]);
    if (result.exitCode !== 0) throw new Error(`deleting container ${id} failed: ${result.stderr}`);
  }

  async stop(): Promise<void> {
    if (this.daemon.pid) {
      const exited = new Promise((resolve) => this.daemon.once('exit', resolve));
      if (this.daemon.exitCode === null) {
        process.kill(this.daemon.pid, 'SIGTERM');
        await exited;
      }
    }
    await run('sh', [
      '-c',
      `grep -o " ${this.dir}/[^ ]*" /proc/mounts | sort -r | xargs -r umount`,
    ]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
