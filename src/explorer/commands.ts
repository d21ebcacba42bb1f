import * as vscode from 'vscode';
import { KubeMlError } from '../cluster/errors';
import { namespacesOf } from '../cluster/kubeSession';
import { validateDnsLabel } from '../cluster/names';
import type { Services } from '../common/services';
import { registerCommands } from '../common/commandTable';

function nameFrom(argument: unknown, type: 'context' | 'namespace'): string | undefined {
  if (typeof argument === 'string') return argument;
  const node = argument as { type?: string; name?: unknown } | undefined;
  return node?.type === type && typeof node.name === 'string' ? node.name : undefined;
}

async function pickContext(services: Services): Promise<string | undefined> {
  const names = services.connection.contextNames();
  if (names.length === 0) {
    throw new KubeMlError(
      'noKubeconfig',
      'The kubeconfig has no contexts to switch to.',
      'Add a context (for example with your cloud CLI) or set "kubeMl.kubeconfig".',
    );
  }
  const active = services.connection.session?.contextName;
  const choice = await vscode.window.showQuickPick(
    names.map((name) => ({ label: name, description: name === active ? 'active' : undefined })),
    { title: 'Kube ML: Switch Context', placeHolder: 'Context to connect to' },
  );
  return choice?.label;
}

async function askNamespace(current: string, reason?: string): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Kube ML: Switch Namespace',
    prompt: reason ?? 'Namespace to work in',
    value: current,
    validateInput: (value) => validateDnsLabel(value.trim(), 'namespace'),
  });
}

async function pickNamespace(services: Services): Promise<string | undefined> {
  const session = services.connection.requireSession();
  const cache = namespacesOf(session);
  if (cache) {
    await cache.ready.catch(() => undefined);
  }
  if (!cache || cache.state === 'failed' || cache.list().length === 0) {
    const why =
      cache?.lastError?.kind === 'forbidden'
        ? 'Listing namespaces is forbidden for you: type the namespace to work in'
        : undefined;
    return (await askNamespace(session.namespace, why))?.trim();
  }
  const other = '$(edit) Other namespace…';
  const names = cache
    .list()
    .map((namespace) => namespace.metadata?.name ?? '')
    .filter(Boolean)
    .sort();
  const choice = await vscode.window.showQuickPick(
    [
      ...names.map((name) => ({
        label: name,
        description: name === session.namespace ? 'current' : undefined,
      })),
      { label: other },
    ],
    {
      title: `Kube ML: Switch Namespace (${session.contextName})`,
      placeHolder: 'Namespace to work in',
    },
  );
  if (choice?.label === other) {
    return (await askNamespace(session.namespace))?.trim();
  }
  return choice?.label;
}

/** kubeMl.switchContext, kubeMl.switchNamespace, kubeMl.refresh, kubeMl.showOutput. */
export function registerExplorerCommands(
  services: Services,
  refreshViews: () => void,
): vscode.Disposable {
  const { connection, errors, output } = services;
  return registerCommands(errors, {
    'kubeMl.switchContext': {
      operation: 'switch context',
      run: async (argument?: unknown) => {
        const name = nameFrom(argument, 'context') ?? (await pickContext(services));
        if (name) await connection.switchContext(name);
      },
    },
    'kubeMl.switchNamespace': {
      operation: 'switch namespace',
      run: async (argument?: unknown) => {
        const name = nameFrom(argument, 'namespace') ?? (await pickNamespace(services));
        if (name) await connection.switchNamespace(name);
      },
    },
    'kubeMl.refresh': {
      operation: 'refresh',
      run: async () => {
        await connection.reload();
        refreshViews();
      },
    },
    'kubeMl.showOutput': { operation: 'show the output', run: () => output.show(true) },
  });
}
