import { PassThrough, Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import type WebSocket from 'ws';
import { KubeMlError, toKubeMlError } from './errors';

/** Where a command runs. */
export interface ExecTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** How an exec ended, read from the status channel (or its absence). */
export type ExecOutcome =
  | { readonly kind: 'exited'; readonly exitCode: number; readonly message?: string }
  /** The command does not exist in the image (the runtime could not start it). */
  | { readonly kind: 'notFound'; readonly message: string }
  /** The connection ended without a status: network, API server or pod went away. */
  | { readonly kind: 'dropped'; readonly message: string };

const NOT_FOUND_TEXT = /executable file not found|no such file or directory|not found in \$PATH|command not found/i;

/**
 * Reads the exec status. `sawOutput` tells apart "bash is missing" (exit 126/127 before printing
 * anything) from an interactive shell whose last command failed with 127.
 */
export function classifyExecStatus(status: V1Status | undefined, sawOutput: boolean): ExecOutcome {
  if (!status) {
    return { kind: 'dropped', message: 'the connection closed without an exit status' };
  }
  if (status.status === 'Success') {
    return { kind: 'exited', exitCode: 0 };
  }
  const exitCause = status.details?.causes?.find((cause) => cause.reason === 'ExitCode');
  const message = status.message ?? 'the command failed';
  // A kubelet names the code in a cause; other streaming servers (KWOK) only in the message.
  const codeText = exitCause?.message ?? /exit (?:status|code) (\d+)/i.exec(message)?.[1];
  const exitCode = codeText !== undefined ? Number.parseInt(codeText, 10) : undefined;
  if (!sawOutput && (exitCode === 126 || exitCode === 127 || (exitCode === undefined && NOT_FOUND_TEXT.test(message)))) {
    return { kind: 'notFound', message };
  }
  return { kind: 'exited', exitCode: exitCode ?? -1, message };
}

/** TERM is not passed by exec; setting it gives colours and a working line editor. */
const TERMINAL_ENV = ['TERM=xterm-256color', 'COLORTERM=truecolor'];

/** Shells tried in order for Open Terminal: bash, then sh (minimal images), then sh without env. */
export const SHELL_CANDIDATES: readonly (readonly string[])[] = [
  ['env', ...TERMINAL_ENV, 'bash', '-i'],
  ['env', ...TERMINAL_ENV, 'sh', '-i'],
  ['sh', '-i'],
];

/** The shell to try after `attempt` ended with `outcome`, or undefined when we are done. */
export function nextShellAttempt(attempt: number, outcome: ExecOutcome): number | undefined {
  return outcome.kind === 'notFound' && attempt + 1 < SHELL_CANDIDATES.length ? attempt + 1 : undefined;
}

/** stdout for a TTY exec: client-node sends a resize message whenever it emits 'resize'. */
class TerminalOutput extends Writable {
  constructor(
    public columns: number,
    public rows: number,
    private readonly onChunk: (data: Buffer) => void,
  ) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.onChunk(chunk);
    callback();
  }
  setSize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

export interface ShellSession {
  write(data: string): void;
  resize(columns: number, rows: number): void;
  /** Closes the connection; onEnd fires once. */
  close(): void;
}

export interface ShellEvents {
  onOutput(data: Buffer): void;
  onEnd(outcome: ExecOutcome): void;
}

/** Runs `command` with a TTY in the container over client-node's WebSocket exec. */
export async function openShell(kubeConfig: KubeConfig, target: ExecTarget, command: readonly string[], size: { columns: number; rows: number }, events: ShellEvents): Promise<ShellSession> {
  let sawOutput = false;
  let ended = false;
  let status: V1Status | undefined;
  const end = (outcome: ExecOutcome) => {
    if (ended) return;
    ended = true;
    events.onEnd(outcome);
  };
  const output = new TerminalOutput(size.columns, size.rows, (data) => {
    sawOutput = true;
    events.onOutput(data);
  });
  const input = new PassThrough();
  let socket: WebSocket;
  try {
    socket = (await new Exec(kubeConfig).exec(target.namespace, target.pod, target.container, [...command], output, null, input, true, (result) => {
      status = result;
    })) as unknown as WebSocket;
  } catch (error) {
    throw toKubeMlError(error, `open a shell in ${target.namespace}/${target.pod} (${target.container})`);
  }
  socket.on('close', (code: number, reason: Buffer) => {
    input.destroy();
    const outcome = classifyExecStatus(status, sawOutput);
    end(outcome.kind === 'dropped' ? { kind: 'dropped', message: `connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})` } : outcome);
  });
  socket.on('error', (error: Error) => end({ kind: 'dropped', message: error.message }));
  return {
    write: (data) => input.write(data),
    resize: (columns, rows) => output.setSize(columns, rows),
    close: () => {
      end({ kind: 'exited', exitCode: 0 });
      socket.close();
    },
  };
}

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

class Collector extends Writable {
  private readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk);
    callback();
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export interface RunOptions {
  /** Bytes written to stdin. The command must read exactly this many (for example `head -c N`):
   *  the v4 exec protocol cannot signal end-of-input without closing the whole connection. */
  readonly stdin?: Buffer;
  readonly signal?: AbortSignal;
}

const STDIN_FRAME_BYTES = 256 * 1024;

/** Runs an argv (never a shell string built from input) to completion and collects its output. */
export async function runCommand(kubeConfig: KubeConfig, target: ExecTarget, argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const operation = `run ${argv[0]} in ${target.namespace}/${target.pod}`;
  if (options.signal?.aborted) throw new KubeMlError('cancelled', `Cancelled: ${operation}.`);
  const stdout = new Collector();
  const stderr = new Collector();
  const stdin = options.stdin ? new PassThrough() : null;
  let status: V1Status | undefined;
  let socket: WebSocket;
  try {
    socket = (await new Exec(kubeConfig).exec(target.namespace, target.pod, target.container, [...argv], stdout, stderr, stdin, false, (result) => {
      status = result;
    })) as unknown as WebSocket;
  } catch (error) {
    throw toKubeMlError(error, operation);
  }
  return new Promise<CommandResult>((resolve, reject) => {
    const onAbort = () => socket.close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('close', () => {
      options.signal?.removeEventListener('abort', onAbort);
      stdin?.destroy();
      if (options.signal?.aborted) {
        reject(new KubeMlError('cancelled', `Cancelled: ${operation}.`));
        return;
      }
      const outcome = classifyExecStatus(status, true);
      if (outcome.kind === 'dropped') {
        reject(new KubeMlError('streamEnded', `Could not ${operation}: the connection to the pod ended before the command finished.`, 'The pod may have stopped or restarted; retry.'));
        return;
      }
      if (outcome.kind === 'notFound') {
        reject(new KubeMlError('notFound', `Could not ${operation}: ${outcome.message}`, `The image has no "${argv[0]}".`));
        return;
      }
      resolve({ exitCode: outcome.exitCode, stdout: stdout.bytes, stderr: stderr.bytes });
    });
    if (stdin && options.stdin) {
      // Modest frames: one multi-MiB WebSocket message would sit in memory twice on every hop.
      for (let offset = 0; offset < options.stdin.length; offset += STDIN_FRAME_BYTES) {
        stdin.write(options.stdin.subarray(offset, offset + STDIN_FRAME_BYTES));
      }
    }
  });
}
