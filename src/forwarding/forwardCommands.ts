import * as vscode from 'vscode';
import { KubeMlError } from '../cluster/errors';
import { hasWorkload, type WorkloadRef } from '../cluster/workloadRef';
import type { Services } from '../common/services';
import { podOfWorkload, workloadFromArgument } from '../common/workloadTarget';
import type { ActiveForward, ForwardRegistry } from './forwardRegistry';
import { portChoices, validatePortInput, type PortChoice } from './model/ports';
import { registerCommands } from '../common/commandTable';

/** Arguments a caller (another feature, a test) may pass instead of a tree item. */
interface ForwardPortRequest {
  readonly workload: WorkloadRef;
  readonly remotePort?: number;
  /** Skip opening the browser (tests, features that open their own UI). */
  readonly open?: boolean;
}

async function pickPort(
  services: Services,
  workload: WorkloadRef,
): Promise<PortChoice | undefined> {
  const session = services.connection.requireSession();
  const pod = await podOfWorkload(session, workload).catch(() => undefined);
  const choices = portChoices(pod, workload.container);
  const custom = { label: '$(edit) Other port...', description: 'type a port number' };
  const picked = await vscode.window.showQuickPick(
    [
      ...choices.map((choice) => ({
        label: String(choice.port),
        description: choice.label,
        detail: choice.source === 'declared' ? 'declared by the pod' : undefined,
        choice,
      })),
      custom,
    ],
    {
      title: `Kube ML: Forward Port of ${workload.name}`,
      placeHolder: 'Remote port to forward to 127.0.0.1',
    },
  );
  if (!picked) return undefined;
  if ('choice' in picked) return picked.choice as PortChoice;
  const typed = await vscode.window.showInputBox({
    title: `Kube ML: Forward Port of ${workload.name}`,
    prompt: 'Remote port in the pod',
    validateInput: validatePortInput,
  });
  return typed
    ? { port: Number(typed.trim()), label: `port ${typed.trim()}`, source: 'declared' }
    : undefined;
}

async function openInBrowser(forward: ActiveForward): Promise<void> {
  const external = await vscode.env.asExternalUri(vscode.Uri.parse(forward.handle.url()));
  await vscode.env.openExternal(external);
}

function forwardOf(registry: ForwardRegistry, argument: unknown): ActiveForward {
  const key =
    (argument as { key?: string; forwardKey?: string } | undefined)?.key ??
    (argument as { forwardKey?: string } | undefined)?.forwardKey;
  const forward = key ? registry.get(key) : registry.list()[0];
  if (!forward)
    throw new KubeMlError(
      'notFound',
      'That port forward is no longer running.',
      'Start it again with Kube ML: Forward Port.',
    );
  return forward;
}

export function registerForwardCommands(
  services: Services,
  registry: ForwardRegistry,
): vscode.Disposable {
  return registerCommands(services.errors, {
    'kubeMl.forwardPort': {
      operation: 'forward a port',
      run: async (argument?: unknown) => {
        const request = hasWorkload(argument)
          ? (argument as Partial<ForwardPortRequest> & { workload: WorkloadRef })
          : undefined;
        const workload =
          request?.workload ?? (await workloadFromArgument(services, argument, 'forward a port'));
        if (!workload) return undefined;
        const session = services.connection.requireSession();
        await session.requireAccess({
          verb: 'create',
          resource: 'pods',
          subresource: 'portforward',
          namespace: workload.namespace,
        });
        const choice = request?.remotePort
          ? { port: request.remotePort, label: undefined }
          : await pickPort(services, workload);
        if (!choice) return undefined;
        const forward = await registry.start(session, workload, choice.port, {
          label: choice.label,
        });
        if (request?.open !== false) {
          await openInBrowser(forward);
          void vscode.window
            .showInformationMessage(
              `Kube ML: ${workload.name}:${choice.port} is forwarded to ${forward.handle.url()}.`,
              'Copy URL',
            )
            .then((action) => {
              if (action === 'Copy URL') void vscode.env.clipboard.writeText(forward.handle.url());
            });
        }
        return { key: forward.key, localPort: forward.handle.localPort, url: forward.handle.url() };
      },
    },
    'kubeMl.openForwardInBrowser': {
      operation: 'open a forwarded port',
      run: (argument?: unknown) => openInBrowser(forwardOf(registry, argument)),
    },
    'kubeMl.copyForwardUrl': {
      operation: 'copy a forward URL',
      run: async (argument?: unknown) => {
        const forward = forwardOf(registry, argument);
        await vscode.env.clipboard.writeText(forward.handle.url());
        void vscode.window.setStatusBarMessage(`Copied ${forward.handle.url()}`, 3000);
      },
    },
    'kubeMl.stopForward': {
      operation: 'stop a port forward',
      run: (argument?: unknown) => registry.stop(forwardOf(registry, argument).key),
    },
  });
}
