import * as vscode from 'vscode';
import type { Services } from '../common/services';
import { hasWorkload, type WorkloadRef } from '../cluster/workloadRef';
import { KubeMlError } from '../cluster/errors';
import { listAllowed } from '../cluster/permissions';
import { nodeGpuCapacity } from '../cluster/gpu/capacity';
import { podSpecGpus } from '../cluster/gpu/requests';
import { NVIDIA_GPU } from '../cluster/gpu/resources';
import { GPU_WINDOW_MINUTES, GpuMetricsPanel } from './gpuPanel';
import { IdleGpuWatcher } from './idleWatcher';
import { registerCommands } from '../common/commandTable';

/** Asks for a GPU pod or node when the command runs from the palette. */
async function pickWorkload(services: Services): Promise<WorkloadRef | undefined> {
  const session = services.connection.requireSession();
  await session.pods.ready;
  // A namespace-only user may not read nodes: offer its pods, not a wait on a forbidden list.
  const nodesReadable = await listAllowed(session.nodes, 'list nodes');
  type Item = vscode.QuickPickItem & { workload: WorkloadRef };
  const pods: Item[] = session.pods
    .list()
    .filter((pod) => pod.status?.phase === 'Running' && podSpecGpus(pod.spec) > 0)
    .map((pod) => ({
      label: `$(vm) ${pod.metadata?.namespace}/${pod.metadata?.name}`,
      description: `${podSpecGpus(pod.spec)} GPU on ${pod.spec?.nodeName ?? '?'}`,
      workload: {
        kind: 'Pod',
        namespace: pod.metadata?.namespace ?? '',
        name: pod.metadata?.name ?? '',
      },
    }));
  const nodes: Item[] = !nodesReadable
    ? []
    : session.nodes.list().flatMap((node) => {
        const gpus = nodeGpuCapacity(node).get(NVIDIA_GPU)?.allocatable ?? 0;
        return gpus > 0
          ? [
              {
                label: `$(server) ${node.metadata?.name}`,
                description: `${gpus} GPU node`,
                workload: {
                  kind: 'Node',
                  namespace: '',
                  name: node.metadata?.name ?? '',
                } as WorkloadRef,
              },
            ]
          : [];
      });
  if (pods.length + nodes.length === 0)
    throw new KubeMlError(
      'notFound',
      `No running GPU pod${nodesReadable ? ' and no GPU node' : ' you can see (nodes are hidden from you)'} to show metrics for.`,
      'Create a dev pod with GPUs first.',
    );
  return (
    await vscode.window.showQuickPick([...pods, ...nodes], {
      title: 'GPU Metrics for…',
      matchOnDescription: true,
      ignoreFocusOut: true,
    })
  )?.workload;
}

export function registerGpuMetrics(services: Services): void {
  const panels = new Map<string, GpuMetricsPanel>();
  /** Dev pods already warned about in this window: one notification each. */
  const warnedIdle = new Set<string>();
  const onIdle = (workload: WorkloadRef, minutes: number) => {
    const key = `${workload.namespace}/${workload.name}`;
    if (warnedIdle.has(key)) return;
    warnedIdle.add(key);
    void vscode.window
      .showWarningMessage(
        `The GPUs of dev pod ${key} have been idle (under 5% utilisation) for ${Math.round(minutes)} minutes.`,
        'Stop Dev Pod',
      )
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('kubeMl.stopDevPod', { workload });
      });
  };
  services.extensionContext.subscriptions.push(
    registerCommands(services.errors, {
      'kubeMl.showGpuMetrics': {
        operation: 'show GPU metrics',
        run: async (item?: unknown) => {
          const workload = hasWorkload(item) ? item.workload : await pickWorkload(services);
          if (!workload) return undefined;
          const key = `${workload.kind}/${workload.namespace}/${workload.name}`;
          const existing = panels.get(key);
          if (existing) {
            existing.reveal();
            return existing;
          }
          const panel = await GpuMetricsPanel.open(services, workload, onIdle);
          panels.set(key, panel);
          panel.panel.onDidDispose(() => panels.delete(key));
          return panel;
        },
      },
    }),
    { dispose: () => [...panels.values()].forEach((panel) => panel.dispose()) },
    new IdleGpuWatcher(services, GPU_WINDOW_MINUTES * 60_000, onIdle),
  );
}
