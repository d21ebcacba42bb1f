import * as vscode from 'vscode';
import { KubeMlError } from '../cluster/errors';
import type { ExecTarget } from '../cluster/exec';
import type { Services } from '../common/services';
import { pickContainer, podOfWorkload, reportActivity, workloadFromArgument } from '../remoteAccess/workloadTarget';
import { terminalName } from './model/terminalText';
import { PodTerminal } from './podTerminal';

/** Kube ML: Open Terminal, on a tree item carrying a workload or from the palette. */
export async function openTerminal(services: Services, argument: unknown): Promise<vscode.Terminal | undefined> {
  const workload = await workloadFromArgument(services, argument, 'open a terminal');
  if (!workload) return undefined;
  const session = services.connection.requireSession();
  await session.requireAccess({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: workload.namespace });
  const pod = await podOfWorkload(session, workload);
  const container = await pickContainer(pod, workload.container);
  if (!container) return undefined;
  const initialTarget: ExecTarget = { namespace: workload.namespace, pod: pod.metadata!.name!, container };
  const pty = new PodTerminal({
    kubeConfig: () => services.connection.requireSession().kubeConfig,
    initialTarget,
    resolveTarget: async () => {
      const current = await podOfWorkload(services.connection.requireSession(), workload);
      const names = (current.spec?.containers ?? []).map((candidate) => candidate.name);
      if (!names.includes(container)) {
        throw new KubeMlError('notFound', `The pod ${current.metadata?.name} has no container "${container}" any more.`, 'Open a new terminal.');
      }
      return { namespace: workload.namespace, pod: current.metadata!.name!, container };
    },
    onActivity: () => reportActivity(services, workload),
    log: services.output,
  });
  const terminal = vscode.window.createTerminal({ name: terminalName(initialTarget.pod, container), pty, iconPath: new vscode.ThemeIcon('cloud') });
  terminal.show();
  return terminal;
}
