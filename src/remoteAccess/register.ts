import * as vscode from 'vscode';
import { attachWorkspace } from '../attach/attachWorkspace';
import { KUBEML_SCHEME } from '../attach/model/kubemlUri';
import { PodFileSystemProvider } from '../attach/podFileSystem';
import { registerWorkspaceSearch } from '../attach/workspaceSearchCommands';
import type { Services } from '../common/services';
import { registerForwardCommands } from '../forwarding/forwardCommands';
import { ForwardRegistry } from '../forwarding/forwardRegistry';
import { ForwardsTreeProvider } from '../forwarding/forwardsTree';
import { openTerminal } from '../terminals/openTerminal';

/** Terminals, port forwards and Attach Workspace (issue 6). */
export function registerRemoteAccess(services: Services): void {
  const subscriptions = services.extensionContext.subscriptions;
  const registry = new ForwardRegistry(services);
  const tree = new ForwardsTreeProvider(registry);
  const fileSystem = new PodFileSystemProvider(services);
  subscriptions.push(
    registry,
    tree,
    fileSystem,
    vscode.window.createTreeView('kubeMl.forwards', { treeDataProvider: tree }),
    services.viewRows.register('kubeMl.forwards', () => tree.rows()),
    vscode.workspace.registerFileSystemProvider(KUBEML_SCHEME, fileSystem, { isCaseSensitive: true }),
    vscode.commands.registerCommand('kubeMl.openTerminal', (argument?: unknown) => services.errors.guard('open a terminal', () => openTerminal(services, argument))),
    vscode.commands.registerCommand('kubeMl.attachWorkspace', (argument?: unknown) => services.errors.guard('attach a workspace', () => attachWorkspace(services, argument))),
    ...registerWorkspaceSearch(services, fileSystem),
    ...registerForwardCommands(services, registry),
    services.connection.onDidChangeSession((session) => void registry.useSession(session).catch((error: unknown) => services.errors.show(error, 'restore port forwards'))),
  );
  void registry.useSession(services.connection.session).catch((error: unknown) => services.errors.show(error, 'restore port forwards'));
}
