// Would a pending pod fit a new node made from a node group's template? The checks Cluster
// Autoscaler's scheduler simulation makes that matter for our pods: node selector and required
// node affinity, taints, and requests against allocatable. Reasons are worded as Cluster
// Autoscaler words them in NotTriggerScaleUp, so the product reads the sandbox as it reads a cluster.
import type * as k8s from '@kubernetes/client-node';
import { repels } from '../../../../src/cluster/gpu/capacity';
import { parseQuantity } from '../../../../src/cluster/gpu/quantity';

function labelsMatch(pod: k8s.V1Pod, labels: Record<string, string>): boolean {
  const selector = pod.spec?.nodeSelector ?? {};
  if (Object.entries(selector).some(([key, value]) => labels[key] !== value)) return false;
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  // Terms are ORed, expressions within a term ANDed.
  return terms.some((term) =>
    (term.matchExpressions ?? []).every((expression) => {
      const value = labels[expression.key];
      switch (expression.operator) {
        case 'In':
          return value !== undefined && (expression.values ?? []).includes(value);
        case 'NotIn':
          return value === undefined || !(expression.values ?? []).includes(value);
        case 'Exists':
          return value !== undefined;
        case 'DoesNotExist':
          return value === undefined;
        default:
          return false;
      }
    }),
  );
}

/** The pod's requests per resource (app containers summed; limits stand in where requests are not set). */
function podRequests(pod: k8s.V1Pod): Map<string, number> {
  const totals = new Map<string, number>();
  for (const container of pod.spec?.containers ?? []) {
    const resources = {
      ...(container.resources?.limits ?? {}),
      ...(container.resources?.requests ?? {}),
    };
    for (const [resource, quantity] of Object.entries(resources))
      totals.set(resource, (totals.get(resource) ?? 0) + parseQuantity(quantity));
  }
  return totals;
}

/** Undefined when the pod fits an empty node made from `template`; else why not. */
export function whyNotFit(pod: k8s.V1Pod, template: k8s.V1Node): string | undefined {
  if (!labelsMatch(pod, template.metadata?.labels ?? {}))
    return "node(s) didn't match Pod's node affinity/selector";
  const untolerated = (template.spec?.taints ?? []).find((taint) =>
    repels(taint, pod.spec?.tolerations ?? []),
  );
  if (untolerated)
    return `node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`;
  const allocatable = template.status?.allocatable ?? {};
  for (const [resource, requested] of podRequests(pod)) {
    if (requested > parseQuantity(allocatable[resource])) return `Insufficient ${resource}`;
  }
  return undefined;
}
