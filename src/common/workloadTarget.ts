import * as vscode from 'vscode';
import type { V1Pod } from '@kubernetes/client-node';
import { KubeMlError } from '../cluster/errors';
import type { ExecTarget } from '../cluster/exec';
import { podTargetOf, readPod, resolveRunningPod } from '../cluster/podResolver';
import type { ClusterSession } from '../cluster/session';
import { hasWorkload, type WorkloadRef } from '../cluster/workloadRef';
import type { Services } from './services';
import { reportDevPodActivity } from '../cluster/devPodActivity';
import { containerNames, runningWorkloads } from './model/workloads';

/** The workload of the clicked tree item, or one the user picks from the running ones. */
export async function workloadFromArgument(
  services: Services,
  argument: unknown,
  purpose: string,
): Promise<WorkloadRef | undefined> {
  if (hasWorkload(argument)) return argument.workload;
  const session = services.connection.requireSession();
  await session.pods.ready;
  const workloads = runningWorkloads(session.pods.list(), session.namespace);
  if (workloads.length === 0) {
    throw new KubeMlError(
      'notFound',
      `No running pod in namespace ${session.namespace} to ${purpose}.`,
      'Create or resume a dev pod first, or switch namespace.',
    );
  }
  const picked = await vscode.window.showQuickPick(
    workloads.map((workload) => ({
      label: workload.name,
      description: workload.kind === 'DevPod' ? 'dev pod' : 'pod',
      workload,
    })),
    {
      title: `Kube ML: ${purpose}`,
      placeHolder: `Pod to ${purpose} (namespace ${session.namespace})`,
      ignoreFocusOut: true,
    },
  );
  return picked?.workload;
}

/** The pod running the workload now (looked up again each time: pods get recreated). */
export async function podOfWorkload(
  session: ClusterSession,
  workload: WorkloadRef,
): Promise<V1Pod> {
  if (workload.kind === 'Pod') return readPod(session, workload.namespace, workload.name);
  if (workload.kind !== 'DevPod' && !workload.podSelector)
    throw new KubeMlError(
      'invalidInput',
      `${workload.kind} ${workload.name} names no pods to connect to.`,
    );
  return resolveRunningPod(session, podTargetOf(workload));
}

/** The container to use: the workload's own, the only one, or the user's pick. */
export async function pickContainer(
  pod: V1Pod,
  preferred: string | undefined,
): Promise<string | undefined> {
  const names = containerNames(pod, preferred);
  if (preferred && names[0] === preferred) return preferred;
  if (names.length <= 1) return names[0];
  return vscode.window.showQuickPick(names, {
    title: `Container of ${pod.metadata?.name}`,
    placeHolder: 'The pod has several containers: pick one',
    ignoreFocusOut: true,
  });
}

/**
 * The container to exec into for a command on a tree item or from the palette: the workload, its
 * current pod and container, after checking the user may exec there. Undefined when the user cancels.
 */
export async function execTargetFromArgument(
  services: Services,
  argument: unknown,
  purpose: string,
): Promise<{ workload: WorkloadRef; session: ClusterSession; target: ExecTarget } | undefined> {
  const workload = await workloadFromArgument(services, argument, purpose);
  if (!workload) return undefined;
  const session = services.connection.requireSession();
  await session.requireAccess({
    verb: 'create',
    resource: 'pods',
    subresource: 'exec',
    namespace: workload.namespace,
  });
  const pod = await podOfWorkload(session, workload);
  const container = await pickContainer(pod, workload.container);
  if (!container) return undefined;
  return {
    workload,
    session,
    target: { namespace: workload.namespace, pod: pod.metadata!.name!, container },
  };
}

/**
 * Keeps an idle-shutdown timer from stopping a dev pod that is in use (throttled by devPods).
 * `session` is the one the workload was reached through, which may be another context than the window's.
 */
export function reportActivity(
  services: Services,
  workload: WorkloadRef,
  session: ClusterSession | undefined = services.connection.session,
): void {
  if (workload.kind !== 'DevPod') return;
  if (!session) return;
  Promise.resolve()
    .then(() => reportDevPodActivity(session, workload.namespace, workload.name))
    .catch((error: unknown) =>
      services.output.warn(
        `Could not record activity of dev pod ${workload.namespace}/${workload.name}: ${(error as Error).message}`,
      ),
    );
}
