import { spawn, type ChildProcess } from 'child_process';
import type { Readable } from 'node:stream';
import { KubeMlError } from '../errors';
import type { ExecClusterInfo } from './execClusterInfo';
import { pluginName, type ExecPluginConfig } from './execConfig';
import { parseExecCredential, type ExecCredential } from './execCredential';
import { EXEC_INFO_ENV, execInfoJson } from './execInfo';
import { runsInteractively } from './interactive';
import { findExecutable, pluginMissingError } from './pluginExecutable';
import { StderrLines } from './stderrLines';

/** An ExecCredential is a few kilobytes; more is a broken plugin, not a credential. */
export const MAX_STDOUT_BYTES = 1024 * 1024;
/** Long enough for a device-code login in a browser; a plugin that prints nothing this long is stuck. */
export const DEFAULT_PLUGIN_TIMEOUT_MS = 5 * 60_000;
/** Stderr lines quoted in the message of a failed run (all kept lines go to the detail). */
const QUOTED_STDERR_LINES = 5;

export interface PluginRunOptions {
  readonly config: ExecPluginConfig;
  /** The cluster, given to the plugin only when it sets provideClusterInfo. */
  readonly cluster?: ExecClusterInfo;
  /** The user's input when the caller has an interactive surface (a terminal); undefined when it has none. */
  readonly interactiveInput?: Readable;
  /** Each stderr line, display-safe, as it arrives: device codes and "open this URL" prompts. */
  readonly onStderrLine?: (line: string) => void;
  /** Aborting kills the plugin (the user dismissed the login). */
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** The environment the plugin inherits before the kubeconfig's env entries (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/** Kills the plugin and whatever it started: it leads its own process group. */
function killTree(child: ChildProcess): void {
  try {
    if (process.platform !== 'win32' && child.pid !== undefined)
      process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  } catch {
    // Already gone.
  }
}

function quoted(lines: readonly string[]): string {
  const last = lines.slice(-QUOTED_STDERR_LINES).join(' | ');
  return last ? ` It said: ${last}` : ' It printed nothing on stderr.';
}

/**
 * Runs an exec credential plugin once, as client-go does: argv (no shell), the kubeconfig's env
 * entries over the inherited environment, KUBERNETES_EXEC_INFO, stdin only when interactive.
 * Stderr streams to `onStderrLine` while the plugin runs; stdout is read as an ExecCredential.
 */
export function runExecPlugin(options: PluginRunOptions): Promise<ExecCredential> {
  const { config } = options;
  const plugin = pluginName(config);
  const subject = `The credential plugin "${plugin}" of user "${config.userName}"`;
  const baseEnv = options.env ?? process.env;
  return new Promise<ExecCredential>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new KubeMlError('cancelled', `Sign-in with "${plugin}" cancelled before it started.`));
      return;
    }
    const interactive = runsInteractively(config, options.interactiveInput !== undefined);
    // Like Go's exec.Command, the executable is looked up on our PATH, not the plugin's env.
    const executable = findExecutable(config.command, baseEnv);
    if (!executable) {
      reject(
        pluginMissingError(
          `User "${config.userName}"`,
          config.command,
          config.installHint,
          baseEnv,
        ),
      );
      return;
    }
    const env: NodeJS.ProcessEnv = { ...baseEnv };
    for (const entry of config.env) env[entry.name] = entry.value;
    env[EXEC_INFO_ENV] = execInfoJson(config, interactive, options.cluster);
    const child = spawn(executable, [...config.args], {
      env,
      stdio: [interactive ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    const stderr = new StderrLines((line) => options.onStderrLine?.(line));
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let settled = false;
    const timeoutMs = options.timeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS;
    const finish = (
      outcome: { credential: ExecCredential } | { error: KubeMlError },
      kill = false,
    ): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (interactive && child.stdin) options.interactiveInput?.unpipe(child.stdin);
      if (kill) killTree(child);
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.credential);
    };
    const onAbort = (): void =>
      finish(
        {
          error: new KubeMlError(
            'cancelled',
            `Sign-in with "${plugin}" cancelled; the plugin was stopped.`,
          ),
        },
        true,
      );
    const timer = setTimeout(
      () =>
        finish(
          {
            error: new KubeMlError(
              'timeout',
              `${subject} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped.${quoted(stderr.tail())}`,
              'It may be waiting for input that cannot reach it, or for a sign-in that was not completed. Retry; if it keeps happening, run the plugin in a terminal to see what it waits for.',
              stderr.tail().join('\n'),
            ),
          },
          true,
        ),
      timeoutMs,
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (interactive && child.stdin) {
      // The plugin may exit without reading what the user typed.
      child.stdin.on('error', () => undefined);
      options.interactiveInput?.pipe(child.stdin);
    }
    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_STDOUT_BYTES) {
        finish(
          {
            error: new KubeMlError(
              'authPluginFailed',
              `${subject} printed more than ${MAX_STDOUT_BYTES / 1024} KiB on stdout, which is not a credential.`,
              'Check the plugin and its arguments in the kubeconfig.',
            ),
          },
          true,
        );
        return;
      }
      stdout.push(chunk);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish({
        error:
          error.code === 'ENOENT'
            ? pluginMissingError(
                `User "${config.userName}"`,
                config.command,
                config.installHint,
                baseEnv,
              )
            : new KubeMlError(
                'authPluginFailed',
                `${subject} could not start: ${error.code ?? error.message}.`,
                'Check that the plugin is executable.',
              ),
      });
    });
    child.on('close', (code, signal) => {
      stderr.end();
      if (code !== 0) {
        const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
        finish({
          error: new KubeMlError(
            'authPluginFailed',
            `${subject} ${how}.${quoted(stderr.tail())}`,
            'Fix what the plugin reports (often: sign in again with its own CLI), then retry.',
            stderr.tail().join('\n'),
          ),
        });
        return;
      }
      try {
        finish({ credential: parseExecCredential(Buffer.concat(stdout).toString('utf8'), config) });
      } catch (error) {
        finish({ error: error as KubeMlError });
      }
    });
  });
}
