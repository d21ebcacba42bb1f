import * as vscode from 'vscode';
import { ReconnectingShell, type ReconnectingShellOptions } from './reconnectingShell';

export type PodTerminalOptions = Omit<ReconnectingShellOptions, 'write' | 'exit'>;

/** A VS Code terminal whose process is an interactive shell in a container (WebSocket exec with a TTY). */
export class PodTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private readonly shell: ReconnectingShell;

  constructor(options: PodTerminalOptions) {
    this.shell = new ReconnectingShell({
      ...options,
      write: (text) => this.writeEmitter.fire(text),
      exit: (code) => this.closeEmitter.fire(code),
    });
  }

  open(initialDimensions: vscode.TerminalDimensions | undefined): void {
    this.shell.open(initialDimensions);
  }

  handleInput(data: string): void {
    this.shell.input(data);
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.shell.resize(dimensions);
  }

  close(): void {
    this.shell.dispose();
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
  }
}
