/**
 * What node autoscalers say about a pending pod, read from its Events. Cluster Autoscaler (also
 * behind GKE and EKS managed node groups) reports "TriggeredScaleUp" with the groups it grows and
 * "NotTriggerScaleUp" with why no group could help; Karpenter reports "Nominated" with the
 * NodeClaim it launches for the pod. A pending pod with a scale-up under way is waiting, not failed.
 */

export interface ScaleUpGroup {
  readonly group: string;
  readonly from: number;
  readonly to: number;
  /** The group's maximum size, when the message gives it. */
  readonly max?: number;
}

export type AutoscalerVerdict =
  | {
      readonly kind: 'scaleUp';
      readonly by: 'cluster-autoscaler';
      readonly groups: readonly ScaleUpGroup[];
    }
  | { readonly kind: 'scaleUp'; readonly by: 'karpenter'; readonly nodeClaim: string }
  | {
      readonly kind: 'noScaleUp';
      readonly by: 'cluster-autoscaler' | 'karpenter';
      readonly reasons: readonly string[];
    };

/** "{gpu-pool 0->1 (max: 4)}": one group; the separators are Cluster Autoscaler's own format. */
const GROUP = /\{\s*(\S+)\s+(\d+)->(\d+)(?:\s+\(max:\s*(\d+)\))?\s*\}/g;

function scaleUpGroups(message: string): ScaleUpGroup[] {
  return [...message.matchAll(GROUP)].map((match) => ({
    group: match[1],
    from: Number(match[2]),
    to: Number(match[3]),
    max: match[4] === undefined ? undefined : Number(match[4]),
  }));
}

/**
 * "pod didn't trigger scale-up (it wouldn't fit if a new node is added): 1 max node group size
 * reached, 2 node(s) didn't match Pod's node affinity/selector" -> the listed reasons, or the
 * parenthesised one when there is no list. A reason may itself hold ", ": a new one starts only
 * where a segment begins with a count.
 */
export function noScaleUpReasons(message: string): string[] {
  const text = message.replace(/^\s*pod didn't trigger scale-up\s*/i, '');
  const parenthesised = /^\(([^)]*)\)/.exec(text)?.[1]?.trim();
  const list = text
    .replace(/^\([^)]*\)/, '')
    .replace(/^\s*:\s*/, '')
    .trim();
  if (list.length === 0) return parenthesised ? [parenthesised] : [];
  const reasons: string[] = [];
  for (const segment of list.split(', ')) {
    if (reasons.length === 0 || /^\d+ /.test(segment)) reasons.push(segment);
    else reasons[reasons.length - 1] += `, ${segment}`;
  }
  return reasons;
}

/** Karpenter's own scheduling refusals, e.g. 'incompatible with nodepool "gpu"' or a pool at its limits. */
const KARPENTER_REFUSAL =
  /incompatible with nodepool|exceed limits for nodepool|no instance type (?:satisfied|met)|all available instance types exceed/i;

/**
 * The verdict an Event carries, or undefined when it carries none. `reporter` is the event's
 * reportingComponent (or source.component): Karpenter's refusals reuse the scheduler's
 * FailedScheduling reason and are told apart only by it.
 */
export function autoscalerVerdict(
  reason: string | undefined,
  message: string,
  reporter: string | undefined,
): AutoscalerVerdict | undefined {
  switch (reason) {
    case 'TriggeredScaleUp':
      return { kind: 'scaleUp', by: 'cluster-autoscaler', groups: scaleUpGroups(message) };
    case 'NotTriggerScaleUp':
      return { kind: 'noScaleUp', by: 'cluster-autoscaler', reasons: noScaleUpReasons(message) };
    case 'Nominated': {
      // "Pod should schedule on: nodeclaim/gpu-x7k2p" (or node/<name> while that node initialises).
      const nodeClaim = /(?:nodeclaim|node)\/(\S+)/i.exec(message)?.[1];
      return nodeClaim ? { kind: 'scaleUp', by: 'karpenter', nodeClaim } : undefined;
    }
    case 'FailedScheduling':
      return /karpenter/i.test(reporter ?? '') && KARPENTER_REFUSAL.test(message)
        ? { kind: 'noScaleUp', by: 'karpenter', reasons: [message.trim()] }
        : undefined;
    default:
      return undefined;
  }
}

/** One line for the progress notification: "scale-up triggered: gpu-pool 0 -> 1 node (max 4)". */
export function describeScaleUp(verdict: Extract<AutoscalerVerdict, { kind: 'scaleUp' }>): string {
  if (verdict.by === 'karpenter') return `Karpenter is launching node claim ${verdict.nodeClaim}`;
  if (verdict.groups.length === 0) return 'the cluster autoscaler triggered a scale-up';
  const groups = verdict.groups.map(
    (group) =>
      `${group.group} ${group.from} -> ${group.to} node${group.to === 1 ? '' : 's'}${group.max === undefined ? '' : ` (max ${group.max})`}`,
  );
  return `scale-up triggered: ${groups.join(', ')}`;
}
