import { PassThrough, Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import type WebSocket from 'ws';
import { KubeMlError, toKubeMlError } from './errors';
import { retryWithFreshCredentials } from './execCredentials/sharedExecAuth';
import { Heartbeat, type HeartbeatOptions } from './heartbeat';

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

const NOT_FOUND_TEXT =
  /executable file not found|no such file or directory|not found in \$PATH|command not found/i;

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
  if (
    !sawOutput &&
    (exitCode === 126 ||
      exitCode === 127 ||
      (exitCode === undefined && NOT_FOUND_TEXT.test(message)))
  ) {
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
  return outcome.kind === 'notFound' && attempt + 1 < SHELL_CANDIDATES.length
    ? attempt + 1
    : undefined;
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

/**
 * WebSocket pings of an interactive shell: an idle terminal has nothing else to notice with that
 * its connection died (after sleep), and a typed key would only wait in a dead socket's buffer.
 */
export const SHELL_HEARTBEAT: HeartbeatOptions = { intervalMs: 10_000, timeoutMs: 10_000 };

/**
 * Runs `command` with a TTY in the container over client-node's WebSocket exec. A connection
 * that stops answering pings ends the shell as `dropped`.
 */
export async function openShell(
  kubeConfig: KubeConfig,
  target: ExecTarget,
  command: readonly string[],
  size: { columns: number; rows: number },
  events: ShellEvents,
  heartbeatOptions = SHELL_HEARTBEAT,
): Promise<ShellSession> {
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
    socket = (await retryWithFreshCredentials(kubeConfig, () =>
      new Exec(kubeConfig).exec(
        target.namespace,
        target.pod,
        target.container,
        [...command],
        output,
        null,
        input,
        true,
        (result) => {
          status = result;
        },
      ),
    )) as unknown as WebSocket;
  } catch (error) {
    throw toKubeMlError(
      error,
      `open a shell in ${target.namespace}/${target.pod} (${target.container})`,
    );
  }
  const heartbeat = new Heartbeat(
    heartbeatOptions,
    () => {
      if (socket.readyState === socket.OPEN) socket.ping();
    },
    (message) => {
      end({ kind: 'dropped', message });
      socket.terminate();
    },
  );
  socket.on('pong', () => heartbeat.alive());
  socket.on('message', () => heartbeat.alive());
  socket.on('close', (code: number, reason: Buffer) => {
    heartbeat.dispose();
    input.destroy();
    const outcome = classifyExecStatus(status, sawOutput);
    end(
      outcome.kind === 'dropped'
        ? {
            kind: 'dropped',
            message: `connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`,
          }
        : outcome,
    );
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
  /** The exec status message when the command failed. */
  readonly message?: string;
}

/** Keeps at most `limitBytes` of a stream; past it, says so once and keeps nothing more. */
class Collector extends Writable {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  overflowed = false;
  constructor(
    private readonly limitBytes: number,
    private readonly onOverflow: () => void,
  ) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (!this.overflowed) {
      const room = this.limitBytes - this.size;
      this.chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      this.size += Math.min(chunk.length, room);
      if (chunk.length > room) {
        this.overflowed = true;
        this.onOverflow();
      }
    }
    callback();
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Sends one piece of stdin, resolving once the socket has room for more (backpressure). */
export type StdinSender = (data: Buffer) => Promise<void>;

export interface RunOptions {
  /** Bytes written to stdin. The command must read exactly this many (for example `head -c N`):
   *  the v4 exec protocol cannot signal end-of-input without closing the whole connection. */
  readonly stdin?: Buffer;
  /** Streams stdin without holding it in memory, under the same rule as `stdin`; used instead of it. */
  readonly feed?: (send: StdinSender) => Promise<void>;
  readonly signal?: AbortSignal;
  /** Gives up on a command that has not finished this long after it started (a 'timeout' error). */
  readonly timeoutMs?: number;
  /** Names the command in errors; by default "run <argv[0]> in <namespace>/<pod>". */
  readonly operation?: string;
  /**
   * Output allowed per stream (DEFAULT_MAX_OUTPUT_BYTES when omitted). More ends the command
   * with an error: a caller that expects more must say so here.
   */
  readonly maxOutputBytes?: number;
}

/** What a command may print unless its caller allows more: ample for answers, not for a disk. */
export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

const STDIN_FRAME_BYTES = 256 * 1024;
/** Bytes allowed to queue in the WebSocket before the sender waits: bounds memory for any input size. */
const STDIN_HIGH_WATER_BYTES = 8 * 1024 * 1024;

/**
 * Runs an argv (never a shell string built from input) to completion and collects its output.
 * client-node's exec sends stdin without flow control, so the sender waits while the socket's
 * buffer is full.
 */
export async function runCommand(
  kubeConfig: KubeConfig,
  target: ExecTarget,
  argv: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  const { signal } = options;
  const operation = options.operation ?? `run ${argv[0]} in ${target.namespace}/${target.pod}`;
  const stdinBytes = options.stdin;
  const feed = options.feed ?? (stdinBytes ? (send: StdinSender) => send(stdinBytes) : undefined);
  if (signal?.aborted) throw new KubeMlError('cancelled', `Cancelled: ${operation}.`);
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  let socket: WebSocket | undefined;
  const stop = () => socket?.terminate();
  const stdout = new Collector(maxOutputBytes, stop);
  const stderr = new Collector(maxOutputBytes, stop);
  const stdin = feed ? new PassThrough() : null;
  let status: V1Status | undefined;
  try {
    socket = (await retryWithFreshCredentials(kubeConfig, () =>
      new Exec(kubeConfig).exec(
        target.namespace,
        target.pod,
        target.container,
        [...argv],
        stdout,
        stderr,
        stdin,
        false,
        (result) => {
          status = result;
        },
      ),
    )) as unknown as WebSocket;
  } catch (error) {
    throw toKubeMlError(error, operation);
  }
  const connection = socket;
  if (stdout.overflowed || stderr.overflowed) connection.terminate();
  let closed = false;
  const whenClosed = new Promise<void>((resolve) =>
    connection.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  const onAbort = () => connection.terminate();
  signal?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          connection.terminate();
        }, options.timeoutMs);
  const timeoutError = () =>
    new KubeMlError(
      'timeout',
      `Could not ${operation}: no answer within ${(options.timeoutMs ?? 0) / 1000} s.`,
      'The pod may be overloaded or its node unreachable; retry.',
    );
  try {
    if (stdin && feed) {
      const send: StdinSender = async (data) => {
        // Modest frames: one multi-MiB WebSocket message would sit in memory twice on every hop.
        for (let offset = 0; offset < data.length; offset += STDIN_FRAME_BYTES) {
          if (closed)
            throw new KubeMlError(
              'streamEnded',
              `Could not ${operation}: the connection to the pod closed while sending.`,
              'The pod may have stopped; retry.',
            );
          stdin.write(data.subarray(offset, offset + STDIN_FRAME_BYTES));
          while (connection.bufferedAmount > STDIN_HIGH_WATER_BYTES && !closed)
            await new Promise((resolve) => setTimeout(resolve, 2));
        }
      };
      await Promise.race([feed(send), whenClosed]);
    }
    await whenClosed;
  } catch (error) {
    connection.terminate();
    if (timedOut) throw timeoutError();
    throw signal?.aborted
      ? new KubeMlError('cancelled', `Cancelled: ${operation}.`)
      : toKubeMlError(error, operation);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    stdin?.destroy();
  }
  if (timedOut) throw timeoutError();
  if (signal?.aborted) throw new KubeMlError('cancelled', `Cancelled: ${operation}.`);
  if (stdout.overflowed || stderr.overflowed) {
    throw new KubeMlError(
      'unknown',
      `Could not ${operation}: it wrote more than ${maxOutputBytes >= 1024 * 1024 ? `${Math.round(maxOutputBytes / 1024 / 1024)} MiB` : `${maxOutputBytes} bytes`} of output, so it was stopped.`,
      'The command was expected to answer briefly; check what it reads in the pod.',
    );
  }
  const outcome = classifyExecStatus(status, true);
  if (outcome.kind === 'dropped')
    throw new KubeMlError(
      'streamEnded',
      `Could not ${operation}: the connection to the pod ended before the command finished.`,
      'The pod may have stopped or restarted; retry.',
    );
  if (outcome.kind === 'notFound')
    throw new KubeMlError(
      'notFound',
      `Could not ${operation}: ${outcome.message}`,
      `The image has no "${argv[0]}".`,
    );
  return {
    exitCode: outcome.exitCode,
    stdout: stdout.bytes,
    stderr: stderr.bytes,
    message: outcome.message,
  };
}

export interface TextCommandResult extends Omit<CommandResult, 'stdout' | 'stderr'> {
  readonly stdout: string;
  readonly stderr: string;
}

/** Text output is for short answers (checksum lists, errors): capped unless the caller says otherwise. */
const TEXT_OUTPUT_LIMIT_BYTES = 4 * 1024 * 1024;

/** runCommand for commands that answer in UTF-8 text. */
export async function runTextCommand(
  kubeConfig: KubeConfig,
  target: ExecTarget,
  argv: readonly string[],
  options: RunOptions = {},
): Promise<TextCommandResult> {
  const result = await runCommand(kubeConfig, target, argv, {
    maxOutputBytes: TEXT_OUTPUT_LIMIT_BYTES,
    ...options,
  });
  return {
    ...result,
    stdout: result.stdout.toString('utf8'),
    stderr: result.stderr.toString('utf8'),
  };
}
