// The environment a container would see, as far as the sandbox can know it: literal values,
// downward-API fieldRefs, ConfigMap/Secret keys, and `$(VAR)` references to earlier variables,
// so `kubectl exec ... env` in a sandbox pod shows what the workload was given.
import type * as k8s from '@kubernetes/client-node';

export type KeyLookup = (
  kind: 'configMap' | 'secret',
  name: string,
  key: string,
) => Promise<string | undefined>;

/** Value of a downward-API field path such as metadata.annotations['x'] or status.podIP. */
export function fieldValue(pod: k8s.V1Pod, fieldPath: string): string | undefined {
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (keyed)
    return (keyed[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[keyed[2]];
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata?.name;
    case 'metadata.namespace':
      return pod.metadata?.namespace;
    case 'metadata.uid':
      return pod.metadata?.uid;
    case 'spec.nodeName':
      return pod.spec?.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName;
    case 'status.podIP':
      return pod.status?.podIP;
    case 'status.hostIP':
      return pod.status?.hostIP;
    default:
      return undefined;
  }
}

/** Expands $(NAME) from `known`; $$ escapes, unknown references stay as written (as the kubelet does). */
export function expandReferences(value: string, known: Map<string, string>): string {
  return value.replace(
    /\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g,
    (match, name: string | undefined) => {
      if (match === '$$') return '$';
      return name !== undefined && known.has(name) ? (known.get(name) as string) : match;
    },
  );
}

export async function containerEnv(
  pod: k8s.V1Pod,
  container: k8s.V1Container,
  lookup: KeyLookup,
): Promise<Map<string, string>> {
  const env = new Map<string, string>();
  for (const variable of container.env ?? []) {
    let value: string | undefined;
    if (variable.value !== undefined) {
      value = expandReferences(variable.value, env);
    } else if (variable.valueFrom?.fieldRef) {
      value = fieldValue(pod, variable.valueFrom.fieldRef.fieldPath);
    } else if (variable.valueFrom?.configMapKeyRef) {
      const ref = variable.valueFrom.configMapKeyRef;
      value = await lookup('configMap', ref.name ?? '', ref.key);
    } else if (variable.valueFrom?.secretKeyRef) {
      const ref = variable.valueFrom.secretKeyRef;
      value = await lookup('secret', ref.name ?? '', ref.key);
    }
    if (value !== undefined) env.set(variable.name, value);
  }
  return env;
}
