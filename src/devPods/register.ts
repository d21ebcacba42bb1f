import * as vscode from 'vscode';
import type { ClusterSession } from '../cluster/session';
import type { Services } from '../common/services';
import { DevPodCommands } from './commands';
import { createPermissionProblem } from './createFlow';
import { DevPodFileDiagnostics } from './devPodFileCommand';
import { DevPodsTreeProvider } from './devPodsTree';
import { IdleChecker } from './idleChecker';
import { windowPrompter } from './prompter';
import { followSession } from '../common/sessionScoped';

/** Context keys a `when` clause can use to hide what the user may not do (set per session). */
export const CAN_CREATE_KEY = 'kubeMl.devPods.canCreate';
export const CAN_STOP_KEY = 'kubeMl.devPods.canStop';
export const CAN_DELETE_VOLUME_KEY = 'kubeMl.devPods.canDeleteVolume';

async function updatePermissions(
  tree: DevPodsTreeProvider,
  session: ClusterSession | undefined,
): Promise<void> {
  if (!session) {
    tree.setNotes([]);
    return;
  }
  const [createProblem, canStop, canDeleteVolume] = await Promise.all([
    createPermissionProblem(session),
    session.can({ verb: 'delete', resource: 'pods', namespace: session.namespace }),
    session.can({
      verb: 'delete',
      resource: 'persistentvolumeclaims',
      namespace: session.namespace,
    }),
  ]);
  await vscode.commands.executeCommand('setContext', CAN_CREATE_KEY, createProblem === undefined);
  await vscode.commands.executeCommand('setContext', CAN_STOP_KEY, canStop);
  await vscode.commands.executeCommand('setContext', CAN_DELETE_VOLUME_KEY, canDeleteVolume);
  const notes = [];
  if (createProblem)
    notes.push({
      id: 'devPods.note.create',
      message: 'You may not create dev pods here',
      tooltip: createProblem,
    });
  if (!canStop)
    notes.push({
      id: 'devPods.note.stop',
      message: 'You may not stop or delete dev pods here',
      tooltip: `RBAC does not allow delete pods in namespace ${session.namespace}.`,
    });
  tree.setNotes(notes);
}

export function registerDevPods(services: Services): void {
  const tree = new DevPodsTreeProvider(services);
  const diagnostics = new DevPodFileDiagnostics(services);
  const commands = new DevPodCommands(services, tree, diagnostics, windowPrompter);
  const idleChecker = new IdleChecker(services);
  const view = vscode.window.createTreeView('kubeMl.devPods', {
    treeDataProvider: tree,
    showCollapseAll: false,
  });
  const refreshPermissions = (session: ClusterSession | undefined) =>
    updatePermissions(tree, session).catch((error: unknown) =>
      services.output.warn(`Dev pods: permission check failed: ${(error as Error).message}`),
    );
  services.extensionContext.subscriptions.push(
    tree,
    diagnostics,
    idleChecker,
    view,
    commands.register(),
    followSession(services.connection, (session) => void refreshPermissions(session)),
  );
}
