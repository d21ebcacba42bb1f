import * as vscode from 'vscode';
import { isKubeMlError, toKubeMlError, type ErrorKind, type KubeMlError } from '../cluster/errors';
import type { ErrorPresenter } from './services';

/**
 * The one place errors reach the user: a notification with the KubeMlError's summary and hint and
 * the actions that help (Show Output, Open Settings, Retry); the detail (and any stack) goes to the
 * output channel only. The same message is not repeated within a short window, so a reconnecting
 * watch cannot flood the user.
 */
const REPEAT_WINDOW_MS = 10_000;
const SETTINGS_KINDS = new Set<ErrorKind>([
  'noKubeconfig',
  'malformedKubeconfig',
  'authPluginMissing',
]);
const RETRYABLE_KINDS = new Set<ErrorKind>([
  'unreachable',
  'tls',
  'timeout',
  'conflict',
  'unknown',
  'streamEnded',
  'unauthorized',
  'authPluginMissing',
  'authPluginFailed',
  'noKubeconfig',
  'malformedKubeconfig',
  'noCluster',
]);
const WARNING_KINDS = new Set<ErrorKind>([
  'forbidden',
  'invalidInput',
  'notFound',
  'noGpuCapacity',
  'quotaExceeded',
  'podSecurity',
  'untrustedWorkspace',
]);

export interface ShowOptions {
  /** Offered as a "Retry" action when the failure is worth retrying. */
  readonly retry?: () => unknown;
}

export class VscodeErrorPresenter implements ErrorPresenter {
  private readonly recentlyShown = new Map<string, number>();

  constructor(private readonly output: vscode.LogOutputChannel) {}

  show(error: unknown, operation: string, options: ShowOptions = {}): void {
    let translated: KubeMlError;
    try {
      translated = toKubeMlError(error, operation);
    } catch {
      // An error object that cannot even be described (a circular structure) still gets a message.
      translated = toKubeMlError(
        new Error('unexpected failure (details in the output channel)'),
        operation,
      );
    }
    this.log(translated, error, operation);
    if (translated.kind === 'cancelled') {
      return;
    }
    const message = translated.hint
      ? `${translated.summary} ${translated.hint}`
      : translated.summary;
    const now = Date.now();
    const lastShown = this.recentlyShown.get(message);
    if (lastShown !== undefined && now - lastShown < REPEAT_WINDOW_MS) {
      return;
    }
    this.recentlyShown.set(message, now);
    for (const [shown, at] of this.recentlyShown)
      if (now - at >= REPEAT_WINDOW_MS) this.recentlyShown.delete(shown);

    const actions: string[] = [];
    if (options.retry && RETRYABLE_KINDS.has(translated.kind)) actions.push('Retry');
    if (SETTINGS_KINDS.has(translated.kind)) actions.push('Open Settings');
    if (translated.kind === 'untrustedWorkspace') actions.push('Manage Workspace Trust');
    actions.push('Show Output');
    const notify = WARNING_KINDS.has(translated.kind)
      ? vscode.window.showWarningMessage
      : vscode.window.showErrorMessage;
    void Promise.resolve(notify(message, ...actions)).then(
      (choice) => this.act(choice, options),
      (failure: unknown) => this.output.error(`Could not show a notification: ${String(failure)}`),
    );
  }

  async guard<T>(operation: string, task: () => Promise<T>): Promise<T | undefined> {
    try {
      return await task();
    } catch (error) {
      try {
        this.show(error, operation, { retry: () => this.guard(operation, task) });
      } catch (presentationError) {
        // guard() promises never to reject: a failure to notify still leaves a trace in the log.
        this.output.error(
          `${operation} failed and the error could not be shown: ${String(presentationError)}`,
        );
      }
      return undefined;
    }
  }

  private act(choice: string | undefined, options: ShowOptions): void {
    switch (choice) {
      case 'Retry':
        Promise.resolve(options.retry?.()).catch((error: unknown) =>
          this.output.error(`Retry failed: ${String(error)}`),
        );
        break;
      case 'Manage Workspace Trust':
        void vscode.commands.executeCommand('workbench.trust.manage');
        break;
      case 'Open Settings':
        void vscode.commands.executeCommand('workbench.action.openSettings', 'kubeMl.kubeconfig');
        break;
      case 'Show Output':
        this.output.show(true);
        break;
    }
  }

  private log(translated: KubeMlError, original: unknown, operation: string): void {
    const line = `[${translated.kind}] ${operation}: ${translated.summary}${translated.detail ? ` (${translated.detail})` : ''}`;
    if (translated.kind === 'cancelled') {
      this.output.info(line);
      return;
    }
    this.output.error(line);
    // Stacks help a bug report; they stay in the log at trace level, never in a notification.
    const stack =
      !isKubeMlError(original) && original instanceof Error ? original.stack : undefined;
    if (stack) this.output.trace(stack);
  }
}
