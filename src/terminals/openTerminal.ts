import * as vscode from 'vscode';
import { KubeMlError } from '../cluster/errors';
import type { ClusterSession } from '../cluster/session';
import type { Services } from '../common/services';
import { execTargetFromArgument, podOfWorkload, reportActivity } from '../common/workloadTarget';
import { terminalName } from './model/terminalText';
import { PodTerminal } from './podTerminal';

/** Kube ML: Open Terminal, on a tree item carrying a workload or from the palette. */
export async function openTerminal(
  services: Services,
  argument: unknown,
): Promise<vscode.Terminal | undefined> {
  const resolved = await execTargetFromArgument(services, argument, 'open a terminal');
  if (!resolved) return undefined;
  const { workload, target: initialTarget } = resolved;
  const { container } = initialTarget;
  // Reconnects stay on the context the terminal was opened in, even after the window switches.
  const contextName = resolved.session.contextName;
  let terminalSession: ClusterSession = resolved.session;
  const sessionNow = (): ClusterSession =>
    (terminalSession = services.connection.sessionForContext(contextName));
  const pty = new PodTerminal({
    kubeConfig: () => sessionNow().kubeConfig,
    initialTarget,
    resolveTarget: async () => {
      const current = await podOfWorkload(sessionNow(), workload);
      const names = (current.spec?.containers ?? []).map((candidate) => candidate.name);
      if (!names.includes(container)) {
        throw new KubeMlError(
          'notFound',
          `The pod ${current.metadata?.name} has no container "${container}" any more.`,
          'Open a new terminal.',
        );
      }
      return { namespace: workload.namespace, pod: current.metadata!.name!, container };
    },
    onActivity: () => reportActivity(services, workload, terminalSession),
    log: services.output,
  });
  const terminal = vscode.window.createTerminal({
    name: terminalName(initialTarget.pod, container),
    pty,
    iconPath: new vscode.ThemeIcon('cloud'),
  });
  terminal.show();
  return terminal;
}
