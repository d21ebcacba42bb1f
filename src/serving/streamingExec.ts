import { PassThrough, Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import type WebSocket from 'ws';
import { KubeMlError, toKubeMlError } from '../cluster/errors';
import { classifyExecStatus, type ExecTarget } from '../cluster/exec';

/** Sends one piece of stdin, resolving once the socket has room for more (backpressure). */
export type StdinSender = (data: Buffer) => Promise<void>;

export interface StreamingExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The exec status message when the command failed. */
  readonly message?: string;
}

const FRAME_BYTES = 256 * 1024;
/** Bytes allowed to queue in the WebSocket before the sender waits: bounds memory for any model size. */
const HIGH_WATER_BYTES = 8 * 1024 * 1024;

class TextCollector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    // Only small outputs (checksum lists, errors) come back; cap them anyway.
    if (this.text.length < 4 * 1024 * 1024) this.text += chunk.toString('utf8');
    callback();
  }
}

/**
 * Runs argv in a pod and streams stdin from `feed` without holding it in memory: client-node's
 * exec sends stdin without flow control, so the sender waits while the socket's buffer is full.
 * The command must read exactly the bytes it is sent (for example `head -c N`), because the v4
 * exec protocol cannot close stdin alone.
 */
export async function execStreaming(kubeConfig: KubeConfig, target: ExecTarget, argv: readonly string[], options: { feed?: (send: StdinSender) => Promise<void>; signal?: AbortSignal; operation: string }): Promise<StreamingExecResult> {
  const { operation, signal } = options;
  if (signal?.aborted) throw new KubeMlError('cancelled', `Cancelled: ${operation}.`);
  const stdout = new TextCollector();
  const stderr = new TextCollector();
  const stdin = options.feed ? new PassThrough() : null;
  let status: V1Status | undefined;
  let socket: WebSocket;
  try {
    socket = (await new Exec(kubeConfig).exec(target.namespace, target.pod, target.container, [...argv], stdout, stderr, stdin, false, (result) => {
      status = result;
    })) as unknown as WebSocket;
  } catch (error) {
    throw toKubeMlError(error, operation);
  }
  let closed = false;
  const whenClosed = new Promise<void>((resolve) => socket.once('close', () => {
    closed = true;
    resolve();
  }));
  const onAbort = () => socket.terminate();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (stdin && options.feed) {
      const send: StdinSender = async (data) => {
        for (let offset = 0; offset < data.length; offset += FRAME_BYTES) {
          if (closed) throw new KubeMlError('streamEnded', `Could not ${operation}: the connection to the pod closed while sending.`, 'The pod may have stopped; retry (verified files are not sent again).');
          stdin.write(data.subarray(offset, offset + FRAME_BYTES));
          while (socket.bufferedAmount > HIGH_WATER_BYTES && !closed) await new Promise((resolve) => setTimeout(resolve, 2));
        }
      };
      await Promise.race([options.feed(send), whenClosed]);
    }
    await whenClosed;
  } catch (error) {
    socket.terminate();
    throw signal?.aborted ? new KubeMlError('cancelled', `Cancelled: ${operation}.`) : toKubeMlError(error, operation);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stdin?.destroy();
  }
  if (signal?.aborted) throw new KubeMlError('cancelled', `Cancelled: ${operation}.`);
  const outcome = classifyExecStatus(status, true);
  if (outcome.kind === 'dropped') throw new KubeMlError('streamEnded', `Could not ${operation}: the connection to the pod ended before the command finished.`, 'The pod may have stopped or restarted; retry.');
  if (outcome.kind === 'notFound') throw new KubeMlError('notFound', `Could not ${operation}: ${outcome.message}`, `The image has no "${argv[0]}".`);
  return { exitCode: outcome.exitCode, stdout: stdout.text, stderr: stderr.text, message: outcome.message };
}
