import * as vscode from 'vscode';
import type { KubeConfig } from '@kubernetes/client-node';
import { nextShellAttempt, openShell, SHELL_CANDIDATES, type ExecOutcome, type ExecTarget, type ShellSession } from '../cluster/exec';
import { PENDING_INPUT_LIMIT_BYTES, PendingInput } from './model/pendingInput';
import { connectingText, droppedText, failedText, inputDroppedText, noShellText } from './model/terminalText';

export interface PodTerminalOptions {
  readonly kubeConfig: () => KubeConfig;
  /** Finds the pod again: after a drop the dev pod may run in a new pod. */
  readonly resolveTarget: () => Promise<ExecTarget>;
  readonly initialTarget: ExecTarget;
  readonly onActivity: () => void;
  readonly log: vscode.LogOutputChannel;
}

type Phase = 'connecting' | 'connected' | 'awaitingReconnect' | 'closed';

/** A VS Code terminal whose process is an interactive shell in a container (WebSocket exec with a TTY). */
export class PodTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private dimensions: vscode.TerminalDimensions = { columns: 80, rows: 24 };
  private session: ShellSession | undefined;
  private phase: Phase = 'connecting';
  private target: ExecTarget;
  private readonly decoder = new TextDecoder('utf-8');
  /** Keys typed while connecting; sent once the shell is up. */
  private readonly pendingInput = new PendingInput(PENDING_INPUT_LIMIT_BYTES);

  constructor(private readonly options: PodTerminalOptions) {
    this.target = options.initialTarget;
  }

  open(initialDimensions: vscode.TerminalDimensions | undefined): void {
    if (initialDimensions) this.dimensions = initialDimensions;
    void this.connect(0, false);
  }

  handleInput(data: string): void {
    switch (this.phase) {
      case 'awaitingReconnect':
        // This key only asks to reconnect; it was not meant for the new shell.
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

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.dimensions = dimensions;
    this.session?.resize(dimensions.columns, dimensions.rows);
  }

  close(): void {
    this.phase = 'closed';
    this.pendingInput.discard();
    this.session?.close();
    this.session = undefined;
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
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
      this.writeEmitter.fire(connectingText(this.target.pod, this.target.container, shell.includes('bash') ? 'bash' : 'sh'));
      this.session = await openShell(this.options.kubeConfig(), this.target, shell, this.dimensions, {
        onOutput: (data) => this.writeEmitter.fire(this.decoder.decode(data, { stream: true })),
        onEnd: (outcome) => this.ended(attempt, outcome),
      });
      if (this.isClosed()) {
        this.session.close();
        return;
      }
      this.phase = 'connected';
      this.options.onActivity();
      this.sendPendingInput();
    } catch (error) {
      if (this.isClosed()) return;
      this.options.log.warn(`Terminal ${this.target.pod}/${this.target.container}: ${(error as Error).message}`);
      this.pendingInput.discard();
      this.phase = 'awaitingReconnect';
      this.writeEmitter.fire(failedText((error as Error).message));
    }
  }

  private sendPendingInput(): void {
    const { text, droppedBytes } = this.pendingInput.take();
    if (droppedBytes > 0) {
      this.options.log.warn(`Terminal ${this.target.pod}/${this.target.container}: ${droppedBytes} bytes typed while connecting were dropped (limit ${PENDING_INPUT_LIMIT_BYTES} bytes).`);
      this.writeEmitter.fire(inputDroppedText(droppedBytes, PENDING_INPUT_LIMIT_BYTES));
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
    if (outcome.kind === 'notFound') {
      this.phase = 'closed';
      this.writeEmitter.fire(noShellText());
      return;
    }
    if (outcome.kind === 'exited' && outcome.message === undefined) {
      // The user typed `exit`: behave like a local terminal and close.
      this.phase = 'closed';
      this.closeEmitter.fire(outcome.exitCode);
      return;
    }
    this.phase = 'awaitingReconnect';
    this.options.log.info(`Terminal ${this.target.pod}/${this.target.container} lost its connection: ${outcome.kind === 'dropped' ? outcome.message : `exit ${outcome.exitCode}`}`);
    this.writeEmitter.fire(droppedText(outcome));
    void vscode.window.showWarningMessage(`Kube ML: the terminal on ${this.target.pod}/${this.target.container} lost its connection.`, 'Reconnect').then((choice) => {
      if (choice === 'Reconnect' && this.phase === 'awaitingReconnect') void this.connect(0, true);
    });
  }
}
