import * as vscode from 'vscode';
import type { Services } from '../common/services';
import { registerForwardCommands } from './forwardCommands';
import { ForwardRegistry } from './forwardRegistry';
import { ForwardsTreeProvider } from './forwardsTree';
import { followSession } from '../common/sessionScoped';

/** Port forwards: the Forwards view, its commands, and forwards restored per cluster session. */
export function registerForwarding(services: Services): void {
  const registry = new ForwardRegistry(services);
  const tree = new ForwardsTreeProvider(registry);
  services.extensionContext.subscriptions.push(
    registry,
    tree,
    vscode.window.createTreeView('kubeMl.forwards', { treeDataProvider: tree }),
    services.viewRows.register('kubeMl.forwards', () => tree.rows()),
    registerForwardCommands(services, registry),
    followSession(
      services.connection,
      (session) =>
        void registry
          .useSession(session)
          .catch((error: unknown) => services.errors.show(error, 'restore port forwards')),
    ),
  );
}
