/**
 * The shell behind a pod terminal, without vscode (the cluster suite drives it): bash, else sh;
 * keys typed while connecting are kept; a dropped connection (noticed by the exec heartbeat when
 * it dies silently, after sleep) reconnects by itself, looking the pod up again, and says so.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { Backoff } from '../cluster/backoff';
import { toKubeMlError, type ErrorKind } from '../cluster/errors';
import {
  nextShellAttempt,
  openShell,
  SHELL_CANDIDATES,
  SHELL_HEARTBEAT,
  type ExecOutcome,
  type ExecTarget,
  type ShellSession,
} from '../cluster/exec';
import type { HeartbeatOptions } from '../cluster/heartbeat';
import type { Disposable } from '../cluster/session';
import { PENDING_INPUT_LIMIT_BYTES, PendingInput } from './model/pendingInput';
import {
  connectingText,
  connectionLostText,
  failedText,
  inputDroppedText,
  noShellText,
  reconnectedText,
  retryText,
  shellEndedText,
} from './model/terminalText';
import type { Log } from '../cluster/log';

export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

export interface ReconnectingShellOptions {
  readonly kubeConfig: () => KubeConfig;
  /** Finds the pod again: after a drop the dev pod may run in a new pod. */
  readonly resolveTarget: () => Promise<ExecTarget>;
  readonly initialTarget: ExecTarget;
  readonly onActivity: () => void;
  readonly log: Log;
  /** Text for the terminal. */
  readonly write: (text: string) => void;
  /** The user ended the shell (`exit`): the terminal closes like a local one. */
  readonly exit: (code: number) => void;
  readonly heartbeat?: HeartbeatOptions;
  /** Wait after the first failed reconnect attempt (the first attempt is at once); it doubles up to MAX_RETRY_DELAY_MS. */
  readonly retryDelayMs?: number;
}

const MAX_RETRY_DELAY_MS = 30_000;
/** Failures that retrying cannot mend: the terminal waits for a key instead. */
const PERMANENT: ReadonlySet<ErrorKind> = new Set([
  'unauthorized',
  'forbidden',
  'authPluginMissing',
  'tls',
  'noKubeconfig',
  'malformedKubeconfig',
  'noCluster',
  'invalidInput',
  'podSecurity',
]);

type Phase = 'connecting' | 'connected' | 'waitingToRetry' | 'awaitingKey' | 'closed';

export class ReconnectingShell implements Disposable {
  private session: ShellSession | undefined;
  private phase: Phase = 'connecting';
  private target: ExecTarget;
  private size: TerminalSize = { columns: 80, rows: 24 };
  private readonly decoder = new TextDecoder('utf-8');
  /** Keys typed while connecting; sent once the shell is up. */
  private readonly pendingInput = new PendingInput(PENDING_INPUT_LIMIT_BYTES);
  /** Set while reconnecting after a drop: the waits after failed attempts. */
  private reconnecting: Backoff | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ReconnectingShellOptions) {
    this.target = options.initialTarget;
  }

  open(size: TerminalSize | undefined): void {
    if (size) this.size = size;
    void this.connect(0, false);
  }

  input(data: string): void {
    switch (this.phase) {
      case 'awaitingKey':
      case 'waitingToRetry':
        // This key only asks to (re)connect now; it was not meant for the new shell.
        clearTimeout(this.retryTimer);
        void this.connect(0, true);
        return;
      case 'connecting':
        this.pendingInput.add(data);
        return;
      case 'connected':
        this.session?.write(data);
        this.options.onActivity();
        return;
      case 'closed':
        return;
    }
  }

  resize(size: TerminalSize): void {
    this.size = size;
    this.session?.resize(size.columns, size.rows);
  }

  dispose(): void {
    this.phase = 'closed';
    clearTimeout(this.retryTimer);
    this.pendingInput.discard();
    this.session?.close();
    this.session = undefined;
  }

  /** A method, so TypeScript does not narrow `phase` across the awaits below. */
  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  /** Starts shell number `attempt` of SHELL_CANDIDATES (bash first, then sh). */
  private async connect(attempt: number, lookUpPod: boolean): Promise<void> {
    this.phase = 'connecting';
    const shell = SHELL_CANDIDATES[attempt];
    try {
      if (lookUpPod) this.target = await this.options.resolveTarget();
      if (this.isClosed()) return;
      this.options.write(
        connectingText(
          this.target.pod,
          this.target.container,
          shell.includes('bash') ? 'bash' : 'sh',
        ),
      );
      this.session = await openShell(
        this.options.kubeConfig(),
        this.target,
        shell,
        this.size,
        {
          onOutput: (data) => this.options.write(this.decoder.decode(data, { stream: true })),
          onEnd: (outcome) => this.ended(attempt, outcome),
        },
        this.options.heartbeat ?? SHELL_HEARTBEAT,
      );
      if (this.isClosed()) {
        this.session.close();
        return;
      }
      this.phase = 'connected';
      if (this.reconnecting) {
        this.reconnecting = undefined;
        this.options.log.info(`Terminal ${this.target.pod}/${this.target.container} reconnected.`);
        this.options.write(reconnectedText(this.target.pod, this.target.container));
      }
      this.options.onActivity();
      this.sendPendingInput();
    } catch (error) {
      if (this.isClosed()) return;
      const failure = toKubeMlError(
        error,
        `open a shell in ${this.target.namespace}/${this.target.pod}`,
      );
      this.options.log.warn(
        `Terminal ${this.target.pod}/${this.target.container}: ${failure.message}`,
      );
      this.pendingInput.discard();
      if (this.reconnecting && !PERMANENT.has(failure.kind)) {
        this.retryLater(failure.message, this.reconnecting.next());
        return;
      }
      this.reconnecting = undefined;
      this.phase = 'awaitingKey';
      this.options.write(failedText(failure.message));
    }
  }

  private retryLater(message: string, delay: number): void {
    this.phase = 'waitingToRetry';
    this.options.write(retryText(message, delay));
    this.retryTimer = setTimeout(() => {
      if (this.phase === 'waitingToRetry') void this.connect(0, true);
    }, delay);
  }

  private sendPendingInput(): void {
    const { text, droppedBytes } = this.pendingInput.take();
    if (droppedBytes > 0) {
      this.options.log.warn(
        `Terminal ${this.target.pod}/${this.target.container}: ${droppedBytes} bytes typed while connecting were dropped (limit ${PENDING_INPUT_LIMIT_BYTES} bytes).`,
      );
      this.options.write(inputDroppedText(droppedBytes, PENDING_INPUT_LIMIT_BYTES));
    }
    if (text.length > 0) this.session?.write(text);
  }

  private ended(attempt: number, outcome: ExecOutcome): void {
    this.session = undefined;
    if (this.phase === 'closed') return;
    const next = nextShellAttempt(attempt, outcome);
    if (next !== undefined) {
      void this.connect(next, false);
      return;
    }
    switch (outcome.kind) {
      case 'notFound':
        this.phase = 'closed';
        this.options.write(noShellText());
        return;
      case 'exited':
        if (outcome.message === undefined) {
          // The user typed `exit`: behave like a local terminal and close.
          this.phase = 'closed';
          this.options.exit(outcome.exitCode);
          return;
        }
        this.phase = 'awaitingKey';
        this.options.log.info(
          `Terminal ${this.target.pod}/${this.target.container}: the shell exited with code ${outcome.exitCode}: ${outcome.message}`,
        );
        this.options.write(shellEndedText(outcome.exitCode, outcome.message));
        return;
      case 'dropped':
        this.options.log.info(
          `Terminal ${this.target.pod}/${this.target.container} lost its connection: ${outcome.message}; reconnecting.`,
        );
        this.options.write(connectionLostText(outcome.message));
        this.reconnecting = new Backoff({
          initialMs: this.options.retryDelayMs ?? 1000,
          maxMs: MAX_RETRY_DELAY_MS,
        });
        void this.connect(0, true);
        return;
    }
  }
}
