import * as vscode from 'vscode';
import type { Services } from '../common/services';
import { openTerminal } from './openTerminal';

/** Terminals into a pod, a dev pod or a workload's pod. */
export function registerTerminals(services: Services): void {
  services.extensionContext.subscriptions.push(
    vscode.commands.registerCommand('kubeMl.openTerminal', (argument?: unknown) => services.errors.guard('open a terminal', () => openTerminal(services, argument))),
  );
}
