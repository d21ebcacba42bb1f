import * as vscode from 'vscode';
import type { Services } from '../common/services';
import { attachWorkspace } from './attachWorkspace';
import { KUBEML_SCHEME } from './model/kubemlUri';
import { PodFileSystemProvider } from './podFileSystem';
import { registerWorkspaceSearch } from './workspaceSearchCommands';

/** Attach Workspace: the kubeml:// file system over a pod, its search, and SSH attach. */
export function registerAttach(services: Services): void {
  const fileSystem = new PodFileSystemProvider(services);
  services.extensionContext.subscriptions.push(
    fileSystem,
    vscode.workspace.registerFileSystemProvider(KUBEML_SCHEME, fileSystem, { isCaseSensitive: true }),
    vscode.commands.registerCommand('kubeMl.attachWorkspace', (argument?: unknown) => services.errors.guard('attach a workspace', () => attachWorkspace(services, argument))),
    ...registerWorkspaceSearch(services, fileSystem),
  );
}
