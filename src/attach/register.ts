import * as vscode from 'vscode';
import type { Services } from '../common/services';
import { attachWorkspace } from './attachWorkspace';
import { KUBEML_SCHEME } from './model/kubemlUri';
import { PodFileSystemProvider } from './podFileSystem';
import { registerWorkspaceSearch } from './workspaceSearchCommands';
import { registerCommands } from '../common/commandTable';

/** Attach Workspace: the kubeml:// file system over a pod, its search, and SSH attach. */
export function registerAttach(services: Services): void {
  const fileSystem = new PodFileSystemProvider(services);
  services.extensionContext.subscriptions.push(
    fileSystem,
    vscode.workspace.registerFileSystemProvider(KUBEML_SCHEME, fileSystem, {
      isCaseSensitive: true,
    }),
    registerCommands(services.errors, {
      'kubeMl.attachWorkspace': {
        operation: 'attach a workspace',
        run: (argument?: unknown) => attachWorkspace(services, argument),
      },
    }),
    registerWorkspaceSearch(services, fileSystem),
  );
}
