// A small Cluster Autoscaler for the sandbox. For a pod the scheduler marked Unschedulable it
// either grows a node group whose template fits (event TriggeredScaleUp, then a KWOK node after a
// delay, as a cloud takes time to boot one) or says why none can (event NotTriggerScaleUp), with
// Cluster Autoscaler's own wording. A group's node that has held no pod for a while is removed.
// It keeps the status ConfigMap that tells clients a Cluster Autoscaler runs here.
import * as k8s from '@kubernetes/client-node';
import { waitsForVolume } from '../../../../src/cluster/schedulerMessages';
import { POOL_LABEL } from '../../fixtures';
import { groupOf, type NodeGroup } from './nodeGroups';
import { whyNotFit } from './templateFit';

export const STATUS_CONFIG_MAP = { namespace: 'kube-system', name: 'cluster-autoscaler-status' };
const COMPONENT = 'cluster-autoscaler';

export interface AutoscalerDeps {
  readonly core: k8s.CoreV1Api;
  readonly groups: readonly NodeGroup[];
  /** From TriggeredScaleUp to the node's creation. */
  readonly bootDelayMs: number;
  /** How long a group's node may hold no pod before it is removed. */
  readonly unneededMs: number;
  /** How long a pod must stay unschedulable before it is answered (Cluster Autoscaler's scan interval). */
  readonly scanDelayMs: number;
  readonly log: (message: string) => void;
}

/**
 * Unschedulable for want of a node. A pod waiting for its volume would fit an existing node once
 * the volume is there: Cluster Autoscaler's simulation leaves it alone, and so do we.
 */
function isUnschedulable(pod: k8s.V1Pod): boolean {
  return (
    !pod.spec?.nodeName &&
    !pod.metadata?.deletionTimestamp &&
    (pod.status?.conditions ?? []).some(
      (condition) =>
        condition.type === 'PodScheduled' &&
        condition.status === 'False' &&
        condition.reason === 'Unschedulable' &&
        !waitsForVolume(condition.message ?? ''),
    )
  );
}

/** "1 max node group size reached, 2 Insufficient nvidia.com/gpu": reasons counted over groups. */
function countedReasons(reasons: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => `${count} ${reason}`).join(', ');
}

export class GroupAutoscaler {
  /** Pods already answered, by uid: Cluster Autoscaler answers a pending pod once per scale-up decision. */
  private readonly answered = new Set<string>();
  /** Nodes being booted per group. */
  private readonly booting = new Map<string, number>();
  private readonly idleSince = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly scaleDownTicker: NodeJS.Timeout;

  constructor(private readonly deps: AutoscalerDeps) {
    this.scaleDownTicker = setInterval(
      () =>
        void this.scaleDown().catch((error: unknown) =>
          deps.log(`autoscaler: scale-down: ${String(error)}`),
        ),
      Math.max(1000, deps.unneededMs / 4),
    );
  }

  async start(): Promise<void> {
    const body = {
      metadata: { ...STATUS_CONFIG_MAP },
      data: {
        status: `Cluster-autoscaler status (sandbox): node groups ${this.deps.groups.map((group) => `${group.name} (max ${group.maxSize})`).join(', ')}`,
      },
    };
    try {
      await this.deps.core.createNamespacedConfigMap({
        namespace: STATUS_CONFIG_MAP.namespace,
        body,
      });
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }

  dispose(): void {
    clearInterval(this.scaleDownTicker);
    for (const timer of this.timers) clearTimeout(timer);
  }

  onPodDeleted(pod: k8s.V1Pod): void {
    this.answered.delete(pod.metadata?.uid ?? '');
  }

  async onPod(pod: k8s.V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    if (!uid || this.answered.has(uid) || !isUnschedulable(pod)) return;
    this.answered.add(uid);
    // A pod the scheduler places a moment later (a volume bound, a pod gone) needs no node.
    await new Promise((resolve) => setTimeout(resolve, this.deps.scanDelayMs));
    const live = await this.deps.core
      .readNamespacedPod({
        namespace: pod.metadata?.namespace ?? '',
        name: pod.metadata?.name ?? '',
      })
      .catch(() => undefined);
    if (!live || live.metadata?.uid !== uid || !isUnschedulable(live)) {
      this.answered.delete(uid);
      return;
    }
    const nodes = await this.groupNodes();
    const reasons: string[] = [];
    for (const group of this.deps.groups) {
      const why = whyNotFit(pod, group.node(0));
      if (why) {
        reasons.push(why);
        continue;
      }
      const size =
        nodes.filter((node) => groupOf(node, this.deps.groups) === group).length +
        (this.booting.get(group.name) ?? 0);
      if (size >= group.maxSize) {
        reasons.push('max node group size reached');
        continue;
      }
      await this.scaleUp(live, group, size, nodes);
      return;
    }
    await this.event(
      live,
      'NotTriggerScaleUp',
      `pod didn't trigger scale-up: ${countedReasons(reasons)}`,
    );
  }

  private async scaleUp(
    pod: k8s.V1Pod,
    group: NodeGroup,
    size: number,
    nodes: readonly k8s.V1Node[],
  ): Promise<void> {
    this.booting.set(group.name, (this.booting.get(group.name) ?? 0) + 1);
    await this.event(
      pod,
      'TriggeredScaleUp',
      `pod triggered scale-up: [{${group.name} ${size}->${size + 1} (max: ${group.maxSize})}]`,
    );
    const taken = new Set(nodes.map((node) => node.metadata?.name));
    let index = 0;
    while (taken.has(group.node(index).metadata?.name)) index++;
    const node = group.node(index);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.deps.core
        .createNode({ body: node })
        .then(() =>
          this.deps.log(
            `autoscaler: added node ${node.metadata?.name} to ${group.name} for ${pod.metadata?.namespace}/${pod.metadata?.name}`,
          ),
        )
        .catch((error: unknown) =>
          this.deps.log(`autoscaler: adding ${node.metadata?.name}: ${String(error)}`),
        )
        .finally(() =>
          this.booting.set(group.name, Math.max(0, (this.booting.get(group.name) ?? 1) - 1)),
        );
    }, this.deps.bootDelayMs);
    this.timers.add(timer);
  }

  /** The groups' nodes only, by label: the sandbox may hold thousands of other nodes. */
  private async groupNodes(): Promise<k8s.V1Node[]> {
    const labelSelector = `${POOL_LABEL} in (${this.deps.groups.map((group) => group.name).join(',')})`;
    return (await this.deps.core.listNode({ labelSelector })).items;
  }

  private async event(pod: k8s.V1Pod, reason: string, message: string): Promise<void> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const now = new Date();
    await this.deps.core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${pod.metadata?.name}.` },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          name: pod.metadata?.name,
          namespace,
          uid: pod.metadata?.uid,
          resourceVersion: pod.metadata?.resourceVersion,
        },
        reason,
        message,
        type: 'Normal',
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: COMPONENT },
        reportingComponent: COMPONENT,
        reportingInstance: COMPONENT,
      },
    });
    this.deps.log(`autoscaler: ${namespace}/${pod.metadata?.name}: ${reason}: ${message}`);
  }

  /** Removes a group's node that has held no pod for `unneededMs` (Cluster Autoscaler's scale-down-unneeded-time). */
  private async scaleDown(): Promise<void> {
    const now = Date.now();
    for (const node of await this.groupNodes()) {
      const name = node.metadata?.name ?? '';
      const pods = (
        await this.deps.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` })
      ).items;
      const busy = pods.some(
        (pod) => pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed',
      );
      if (busy) {
        this.idleSince.delete(name);
        continue;
      }
      const since = this.idleSince.get(name) ?? now;
      this.idleSince.set(name, since);
      if (now - since >= this.deps.unneededMs) {
        this.idleSince.delete(name);
        await this.deps.core.deleteNode({ name });
        this.deps.log(
          `autoscaler: removed node ${name}, unneeded for ${Math.round((now - since) / 1000)} s`,
        );
      }
    }
  }
}
