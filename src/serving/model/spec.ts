import { validateDnsLabel, validateDnsSubdomain } from '../../cluster/names';
import type { ModelFormat } from './modelFormat';
import { runtimePreset, type RuntimeKind } from './runtimes';

/** Where the served model lives: a folder or file inside a PersistentVolumeClaim. */
export interface ModelVolume {
  readonly claimName: string;
  /** Path inside the volume ('' for its root); no leading slash, no "..". */
  readonly path: string;
  /** Dev pod workspaces are mounted read-only so the server can never change the user's files. */
  readonly readOnly: boolean;
}

export interface Scaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Average CPU utilisation (percent of request) the autoscaler aims for. */
  readonly targetCpuUtilization: number;
}

export type Exposure =
  | { readonly kind: 'cluster' }
  /** TLS from a Secret the user holds, or from cert-manager (`clusterIssuer`) into "<name>-tls". */
  | {
      readonly kind: 'ingress';
      readonly host: string;
      readonly ingressClassName?: string;
      readonly tlsSecretName?: string;
      readonly clusterIssuer?: string;
    }
  | { readonly kind: 'loadBalancer' };

/** Everything that shapes the server pods; changing it starts a new rollout (revision). */
export interface ServerSpec {
  readonly runtime: RuntimeKind;
  /** Overrides the preset image; required for 'custom'. */
  readonly image?: string;
  /** Custom runtime only: entrypoint and arguments ({model} is replaced by the model path). */
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  /** Custom runtime only (presets fix these). */
  readonly port?: number;
  readonly healthPath?: string;
  readonly model: ModelVolume;
  readonly modelFormat?: ModelFormat;
  readonly gpus: number;
  /** nvidia.com/gpu.product label value, e.g. NVIDIA-H100-80GB-HBM3; undefined = any. */
  readonly gpuProduct?: string;
  readonly cpu: string;
  readonly memory: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Pods pass the "restricted" Pod Security Standard unless the user opted out. */
  readonly restrictedPodSecurity: boolean;
  /** Secret (key "api-key") whose value every request must carry as a bearer token. */
  readonly apiKeySecret?: string;
}

export interface EndpointSpec extends ServerSpec {
  readonly name: string;
  readonly namespace: string;
  readonly scaling: Scaling;
  readonly exposure: Exposure;
  /** Namespaces (besides the endpoint's own) allowed to reach the pods; undefined = no NetworkPolicy. */
  readonly networkPolicy?: { readonly allowFromNamespaces: readonly string[] };
  /** Use a KServe InferenceService instead of Deployment/Service/HPA when KServe is installed. */
  readonly preferKServe?: boolean;
}

/** The ServerSpec fields of a spec, in a fixed order, so equal servers serialise identically. */
export function serverSpecOf(spec: ServerSpec): ServerSpec {
  return {
    runtime: spec.runtime,
    image: spec.image,
    command: spec.command,
    args: spec.args,
    port: spec.port,
    healthPath: spec.healthPath,
    model: {
      claimName: spec.model.claimName,
      path: spec.model.path,
      readOnly: spec.model.readOnly,
    },
    modelFormat: spec.modelFormat,
    gpus: spec.gpus,
    gpuProduct: spec.gpuProduct,
    cpu: spec.cpu,
    memory: spec.memory,
    env: spec.env,
    restrictedPodSecurity: spec.restrictedPodSecurity,
    ...(spec.apiKeySecret ? { apiKeySecret: spec.apiKeySecret } : {}),
  };
}

/** The Secret an endpoint's API key is kept in. */
export function apiKeySecretName(endpointName: string): string {
  return `${endpointName}-api-key`;
}

/** Whether the endpoint can be reached from outside the cluster. */
export function isPublic(exposure: Exposure): boolean {
  return exposure.kind !== 'cluster';
}

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/;
const HEALTH_PATH = /^\/[A-Za-z0-9._~\-/]*$/;

/** Every problem with `spec`, each naming the field and the rule; empty when valid. */
export function validateEndpointSpec(spec: EndpointSpec): string[] {
  const problems: string[] = [];
  const nameProblem = validateDnsLabel(spec.name, 'endpoint name');
  if (nameProblem) problems.push(nameProblem);
  else if (spec.name.length > 50)
    problems.push(
      `endpoint name "${spec.name}" is ${spec.name.length} characters long; keep it to 50 so derived object names (e.g. "<name>-model") stay under 63.`,
    );
  const namespaceProblem = validateDnsLabel(spec.namespace, 'namespace');
  if (namespaceProblem) problems.push(namespaceProblem);

  const preset = runtimePreset(spec.runtime);
  if (!preset && spec.runtime !== 'custom')
    problems.push(`runtime "${String(spec.runtime)}" is unknown; use vllm, tgi, triton or custom.`);
  if (spec.runtime === 'custom') {
    if (!spec.image?.trim()) problems.push('image is required for a custom runtime.');
    if (spec.port === undefined)
      problems.push('port is required for a custom runtime (the port the server listens on).');
    if (!spec.healthPath)
      problems.push(
        'healthPath is required for a custom runtime (a path answering 200 when ready, e.g. /health).',
      );
  }
  if (spec.image !== undefined && /\s/.test(spec.image))
    problems.push(`image "${spec.image}" contains whitespace.`);
  if (
    spec.port !== undefined &&
    (!Number.isInteger(spec.port) || spec.port < 1024 || spec.port > 65535)
  ) {
    problems.push(
      `port ${spec.port} must be an integer from 1024 to 65535 (pods run as non-root and cannot bind lower ports).`,
    );
  }
  if (spec.healthPath !== undefined && !HEALTH_PATH.test(spec.healthPath))
    problems.push(
      `healthPath "${spec.healthPath}" must start with "/" and contain only URL path characters.`,
    );

  const claimProblem = validateDnsSubdomain(spec.model.claimName, 'model volume claim name');
  if (claimProblem) problems.push(claimProblem);
  if (spec.model.path.startsWith('/') || spec.model.path.split('/').includes('..')) {
    problems.push(
      `model path "${spec.model.path}" must be relative to the volume root and must not contain "..".`,
    );
  }

  if (!Number.isInteger(spec.gpus) || spec.gpus < 0 || spec.gpus > 64)
    problems.push(`gpus ${spec.gpus} must be a whole number from 0 to 64.`);
  if (spec.gpuProduct !== undefined && spec.gpus === 0)
    problems.push('gpuProduct is set but gpus is 0; ask for at least one GPU or drop the product.');
  if (!QUANTITY.test(spec.cpu))
    problems.push(`cpu "${spec.cpu}" is not a Kubernetes quantity (e.g. 4 or 500m).`);
  if (!QUANTITY.test(spec.memory))
    problems.push(`memory "${spec.memory}" is not a Kubernetes quantity (e.g. 32Gi).`);
  for (const key of Object.keys(spec.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key))
      problems.push(
        `environment variable name "${key}" is invalid (letters, digits, "_", "-", "." and not starting with a digit).`,
      );
  }

  const { minReplicas, maxReplicas, targetCpuUtilization } = spec.scaling;
  if (!Number.isInteger(minReplicas) || minReplicas < 1)
    problems.push(`minReplicas ${minReplicas} must be a whole number of at least 1.`);
  if (!Number.isInteger(maxReplicas) || maxReplicas < minReplicas)
    problems.push(
      `maxReplicas ${maxReplicas} must be a whole number not below minReplicas (${minReplicas}).`,
    );
  if (maxReplicas > 100)
    problems.push(`maxReplicas ${maxReplicas} is above 100; that is almost certainly a typo.`);
  if (
    !Number.isInteger(targetCpuUtilization) ||
    targetCpuUtilization < 1 ||
    targetCpuUtilization > 100
  )
    problems.push(
      `targetCpuUtilization ${targetCpuUtilization} must be a percentage from 1 to 100.`,
    );

  if (spec.exposure.kind === 'ingress') {
    const hostProblem = validateDnsSubdomain(
      spec.exposure.host.replace(/^\*\./, ''),
      'Ingress host',
    );
    if (hostProblem) problems.push(hostProblem);
    if (spec.exposure.tlsSecretName) {
      const secretProblem = validateDnsSubdomain(spec.exposure.tlsSecretName, 'TLS secret name');
      if (secretProblem) problems.push(secretProblem);
    }
    if (spec.exposure.clusterIssuer) {
      const issuerProblem = validateDnsSubdomain(
        spec.exposure.clusterIssuer,
        'cert-manager ClusterIssuer name',
      );
      if (issuerProblem) problems.push(issuerProblem);
      if (spec.exposure.tlsSecretName)
        problems.push('give either exposure.tlsSecretName or exposure.clusterIssuer, not both.');
    }
  }
  if (spec.apiKeySecret && !preset?.apiKeyArgs)
    problems.push(
      `runtime "${spec.runtime}" cannot require an API key here; set apiKey: false (and keep the endpoint inside the cluster) or use vllm.`,
    );
  for (const namespace of spec.networkPolicy?.allowFromNamespaces ?? []) {
    const problem = validateDnsLabel(namespace, 'allowed namespace');
    if (problem) problems.push(problem);
  }
  return problems;
}

/** The container port, health path, image and OpenAI compatibility the spec resolves to. */
export function resolvedServer(spec: ServerSpec): {
  image: string;
  port: number;
  healthPath: string;
  openAiCompatible: boolean;
} {
  const preset = runtimePreset(spec.runtime);
  return {
    image: spec.image?.trim() || preset?.image || '',
    port: spec.port ?? preset?.port ?? 8000,
    healthPath: spec.healthPath ?? preset?.healthPath ?? '/health',
    // A custom server is assumed OpenAI-compatible: most custom LLM servers are, and the playground says so if not.
    openAiCompatible: preset?.openAiCompatible ?? true,
  };
}
