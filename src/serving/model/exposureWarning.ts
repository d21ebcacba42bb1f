import { runtimePreset } from './runtimes';
import { isPublic, type EndpointSpec } from './spec';

export interface ExposureWarning {
  readonly message: string;
  readonly detail: string;
}

type WarnedSpec = Pick<EndpointSpec, 'name' | 'runtime' | 'exposure' | 'apiKeySecret'>;

/**
 * What a user must read before an endpoint leaves the cluster: who can reach it, whether a key
 * guards it, and whether prompts travel in clear text. Undefined for cluster-only endpoints.
 */
export function publicExposureWarning(spec: WarnedSpec): ExposureWarning | undefined {
  const exposure = spec.exposure;
  if (!isPublic(exposure)) return undefined;
  const where = exposure.kind === 'ingress' ? exposure.host : "the load balancer's address";
  const lines = [
    `Anyone who can reach ${where} can send prompts to ${spec.name} and spend its GPUs.`,
  ];
  if (spec.apiKeySecret) {
    lines.push(
      `Requests must carry the API key kept in Secret ${spec.apiKeySecret}; the playground sends it for you.`,
    );
  } else {
    const canRequireKey = Boolean(runtimePreset(spec.runtime)?.apiKeyArgs);
    lines.push(
      canRequireKey
        ? 'NO API KEY: the endpoint answers anyone (apiKey is off).'
        : `NO API KEY: runtime ${spec.runtime} cannot require one here, so the endpoint answers anyone. Put an authenticating proxy in front, or keep it inside the cluster.`,
    );
  }
  if (exposure.kind === 'ingress' && !exposure.tlsSecretName && !exposure.clusterIssuer) {
    lines.push(
      'NO TLS: prompts, answers and the key cross the network in clear text. Give exposure.tlsSecretName or exposure.clusterIssuer (cert-manager).',
    );
  }
  if (exposure.kind === 'loadBalancer')
    lines.push(
      'A LoadBalancer serves plain HTTP: prompts, answers and the key cross the network in clear text.',
    );
  return { message: `Expose ${spec.name} outside the cluster?`, detail: lines.join('\n\n') };
}
