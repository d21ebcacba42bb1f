import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../cluster/workloadRef';

/** Label carrying the endpoint name on every object of an endpoint, and selecting its pods. */
export const ENDPOINT_LABEL = 'kube-ml.dev/endpoint';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const COMPONENT_VALUE = 'model-endpoint';
/** Whole EndpointSpec (JSON) on the Deployment / InferenceService: the source of truth for redeploys. */
export const SPEC_ANNOTATION = 'kube-ml.dev/endpoint-spec';
/** ServerSpec (JSON) on the pod template, so each ReplicaSet revision remembers what it ran. */
export const SERVER_SPEC_ANNOTATION = 'kube-ml.dev/server-spec';
/** Marks model volumes we created, so Delete can offer to keep or remove them. */
export const MODEL_VOLUME_LABEL = 'kube-ml.dev/model-volume';

export const ENDPOINT_LIST_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${COMPONENT_LABEL}=${COMPONENT_VALUE}`;

export function endpointLabels(name: string): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [COMPONENT_LABEL]: COMPONENT_VALUE,
    'app.kubernetes.io/name': name,
    [ENDPOINT_LABEL]: name,
  };
}

export function podSelectorOf(name: string): string {
  return `${ENDPOINT_LABEL}=${name}`;
}
