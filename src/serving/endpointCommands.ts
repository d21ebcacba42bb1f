import * as vscode from 'vscode';
import { KubeMlError } from '../cluster/errors';
import type { Services } from '../common/services';
import { deleteEndpoint, rollBackEndpoint, scaleEndpoint } from './endpointApi';
import type { EndpointInfo, EndpointStore } from './endpointStore';
import { KSERVE_GROUP, KSERVE_PLURAL } from './model/kserve';
import type { Scaling } from './model/spec';
import { waitForRollout } from './rolloutTracker';

/** The endpoint a command acts on: the clicked item, or one picked from the view's list. */
export async function endpointArgument(
  store: EndpointStore,
  argument: unknown,
): Promise<EndpointInfo | undefined> {
  const given =
    (argument as { endpoint?: EndpointInfo } | undefined)?.endpoint ??
    (argument as EndpointInfo | undefined);
  if (given && typeof given.id === 'string' && store.get(given.id)) return store.get(given.id);
  if (typeof argument === 'string' && store.get(argument)) return store.get(argument);
  const endpoints = store.list();
  if (endpoints.length === 0)
    throw new KubeMlError(
      'notFound',
      'No model endpoints are deployed in this namespace.',
      'Deploy one with Kube ML: Deploy Model.',
    );
  const picked = await vscode.window.showQuickPick(
    endpoints.map((endpoint) => ({
      label: endpoint.name,
      description: endpoint.summary,
      endpoint,
    })),
    { title: 'Which endpoint?', ignoreFocusOut: true },
  );
  return picked?.endpoint;
}

function access(endpoint: EndpointInfo, verb: string) {
  return endpoint.backend === 'kserve'
    ? {
        verb,
        resource: KSERVE_PLURAL,
        group: KSERVE_GROUP,
        namespace: endpoint.namespace,
        name: endpoint.name,
      }
    : {
        verb,
        resource: 'deployments',
        group: 'apps',
        namespace: endpoint.namespace,
        name: endpoint.name,
      };
}

export async function scaleCommand(
  services: Services,
  store: EndpointStore,
  argument: unknown,
  replicas?: string,
): Promise<Scaling | undefined> {
  const endpoint = await endpointArgument(store, argument);
  if (!endpoint) return undefined;
  const session = services.connection.requireSession();
  await session.requireAccess(access(endpoint, 'patch'));
  const current = endpoint.spec?.scaling ?? {
    minReplicas: endpoint.desired,
    maxReplicas: endpoint.desired,
    targetCpuUtilization: 70,
  };
  const value =
    replicas ??
    (await vscode.window.showInputBox({
      title: `Scale ${endpoint.name}`,
      prompt: 'Replicas: N for a fixed count, MIN-MAX for autoscaling on CPU utilisation',
      value:
        current.minReplicas === current.maxReplicas
          ? String(current.minReplicas)
          : `${current.minReplicas}-${current.maxReplicas}`,
      validateInput: (text) =>
        /^\s*[1-9]\d*\s*(-\s*[1-9]\d*\s*)?$/.test(text)
          ? undefined
          : 'Write N or MIN-MAX, e.g. 2 or 1-4 (at least 1).',
    }));
  if (!value) return undefined;
  const [min, max = min] = value.split('-').map((part) => Number(part.trim()));
  const scaling: Scaling = {
    minReplicas: Math.min(min, max),
    maxReplicas: Math.max(min, max),
    targetCpuUtilization: current.targetCpuUtilization,
  };
  await scaleEndpoint(session.kubeConfig, endpoint.namespace, endpoint.name, scaling);
  void vscode.window.showInformationMessage(
    `${endpoint.name}: ${scaling.minReplicas === scaling.maxReplicas ? `${scaling.minReplicas} replica(s)` : `autoscaling ${scaling.minReplicas}-${scaling.maxReplicas}`}.`,
  );
  return scaling;
}

export async function rollBackCommand(
  services: Services,
  store: EndpointStore,
  argument: unknown,
  confirmed = false,
): Promise<number | undefined> {
  const endpoint = await endpointArgument(store, argument);
  if (!endpoint) return undefined;
  const session = services.connection.requireSession();
  await session.requireAccess(access(endpoint, 'patch'));
  await session.requireAccess({
    verb: 'list',
    resource: 'replicasets',
    group: 'apps',
    namespace: endpoint.namespace,
  });
  if (!confirmed) {
    const answer = await vscode.window.showWarningMessage(
      `Roll back ${endpoint.name} to its previous revision?`,
      {
        modal: true,
        detail:
          'The previous pod template (image, model, resources) is applied again; replicas and exposure stay as they are.',
      },
      'Roll Back',
    );
    if (answer !== 'Roll Back') return undefined;
  }
  const result = await rollBackEndpoint(session.kubeConfig, endpoint.namespace, endpoint.name);
  await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Rolling ${endpoint.name} back to revision ${result.toRevision}`,
      cancellable: true,
    },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      const status = await waitForRollout(session.kubeConfig, endpoint.namespace, endpoint.name, {
        timeoutMs: 30 * 60 * 1000,
        signal: abort.signal,
        onStatus: (next) => progress.report({ message: next.summary }),
      });
      if (status.phase === 'failed')
        throw new KubeMlError(
          'unknown',
          `The roll back of ${endpoint.name} failed: ${status.summary}`,
          status.problems[0]?.hint,
        );
    },
  );
  return result.toRevision;
}

export async function deleteCommand(
  services: Services,
  store: EndpointStore,
  argument: unknown,
  answer?: 'Delete' | 'Delete with Model Volume',
): Promise<string[] | undefined> {
  const endpoint = await endpointArgument(store, argument);
  if (!endpoint) return undefined;
  const session = services.connection.requireSession();
  await session.requireAccess(access(endpoint, 'delete'));
  const choice =
    answer ??
    (await vscode.window.showWarningMessage(
      `Delete endpoint ${endpoint.name}?`,
      {
        modal: true,
        detail: `Its Deployment, Service, autoscaler and exposure objects are deleted. The model volume (${endpoint.spec?.model.claimName ?? 'none'}) is kept unless you choose otherwise, so a redeploy does not upload it again.`,
      },
      'Delete',
      'Delete with Model Volume',
    ));
  if (!choice) return undefined;
  const deleted = await deleteEndpoint(session.kubeConfig, endpoint.namespace, endpoint.name, {
    deleteModelVolumes: choice === 'Delete with Model Volume',
  });
  services.output.info(`Deleted ${deleted.join(', ')} in ${endpoint.namespace}.`);
  return deleted;
}
