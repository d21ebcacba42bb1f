import * as vscode from 'vscode';
import type { Services } from '../common/services';
import { hasWorkload, type WorkloadRef } from '../cluster/workloadRef';
import { KubeMlError } from '../cluster/errors';
import { LogPanel } from './logPanel';
import { registerCommands } from '../common/commandTable';

/** Asks for a pod of the current namespace when View Logs runs from the palette. */
async function pickPod(services: Services): Promise<WorkloadRef | undefined> {
  const session = services.connection.requireSession();
  await session.pods.ready;
  const pods = session.pods.list().filter((pod) => pod.metadata?.namespace === session.namespace);
  if (pods.length === 0)
    throw new KubeMlError(
      'notFound',
      `No pods in namespace ${session.namespace}.`,
      'Switch namespace or start a workload first.',
    );
  const picked = await vscode.window.showQuickPick(
    pods.map((pod) => ({
      label: pod.metadata?.name ?? '',
      description: pod.status?.phase,
      name: pod.metadata?.name ?? '',
    })),
    {
      title: `View Logs of a pod in ${session.namespace}`,
      matchOnDescription: true,
      ignoreFocusOut: true,
    },
  );
  return picked ? { kind: 'Pod', namespace: session.namespace, name: picked.name } : undefined;
}

/** View Logs: one panel per command invocation, so several viewers (even of one pod) can be open. */
export function registerLogs(services: Services): void {
  const panels = new Set<LogPanel>();
  services.extensionContext.subscriptions.push(
    registerCommands(services.errors, {
      'kubeMl.viewLogs': {
        operation: 'view logs',
        run: async (item?: unknown) => {
          const workload = hasWorkload(item) ? item.workload : await pickPod(services);
          if (!workload) return undefined;
          const session = services.connection.requireSession();
          await session.requireAccess({
            verb: 'get',
            resource: 'pods',
            subresource: 'log',
            namespace: workload.namespace,
          });
          const panel = await LogPanel.open(services, workload);
          panels.add(panel);
          panel.panel.onDidDispose(() => panels.delete(panel));
          return panel;
        },
      },
    }),
    { dispose: () => [...panels].forEach((panel) => panel.dispose()) },
  );
}
