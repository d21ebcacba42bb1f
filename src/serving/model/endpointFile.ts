import * as yaml from 'js-yaml';
import { loadYamlSafely, previewValue } from '../../cluster/safeYaml';
import type { ModelFormat } from './modelFormat';
import { runtimePreset, type RuntimeKind } from './runtimes';
import {
  apiKeySecretName,
  validateEndpointSpec,
  type EndpointSpec,
  type Exposure,
  type ModelVolume,
} from './spec';

/** Where the model comes from before it is on a volume the server can mount. */
export type ModelSource =
  | {
      readonly kind: 'volume';
      readonly claimName: string;
      readonly path: string;
      readonly readOnly: boolean;
    }
  /** A local file or folder (relative to the workspace folder) uploaded into a model volume. */
  | { readonly kind: 'local'; readonly path: string }
  /** A path in a dev pod's workspace volume; mounted read-only, or copied into a model volume. */
  | {
      readonly kind: 'devPod';
      readonly devPod: string;
      readonly path: string;
      readonly copy: boolean;
    };

/** `.kubeml/endpoint.yaml`: an EndpointSpec whose model is a source still to be resolved. */
export interface EndpointFile {
  readonly spec: Omit<EndpointSpec, 'model' | 'namespace'> & { readonly namespace?: string };
  readonly source: ModelSource;
}

export const ENDPOINT_FILE_PATH = '.kubeml/endpoint.yaml';

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class FieldReader {
  readonly problems: string[] = [];
  constructor(
    private readonly raw: Raw,
    private readonly prefix = '',
  ) {}

  string(key: string, required: true): string;
  string(key: string, required?: false): string | undefined;
  string(key: string, required = false): string | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) {
      if (required) this.problems.push(`${this.prefix}${key} is required.`);
      return undefined;
    }
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string') {
      this.problems.push(`${this.prefix}${key} must be a string.`);
      return undefined;
    }
    return value;
  }

  number(key: string, fallback: number): number {
    const value = this.raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number') {
      this.problems.push(`${this.prefix}${key} must be a number (got ${previewValue(value)}).`);
      return fallback;
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') {
      this.problems.push(`${this.prefix}${key} must be true or false.`);
      return fallback;
    }
    return value;
  }

  strings(key: string): string[] | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      this.problems.push(`${this.prefix}${key} must be a list of strings.`);
      return undefined;
    }
    return value as string[];
  }

  record(key: string): Raw | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) {
      this.problems.push(`${this.prefix}${key} must be a mapping.`);
      return undefined;
    }
    return value;
  }
}

const RUNTIMES: readonly RuntimeKind[] = ['vllm', 'tgi', 'triton', 'custom'];
const FORMATS: readonly ModelFormat[] = ['huggingface', 'gguf', 'onnx', 'torchscript'];

function readSource(raw: Raw | undefined, problems: string[]): ModelSource {
  if (!raw) {
    problems.push(
      'model is required: give model.local (a path in this workspace), model.devPod + model.path, or model.claim + model.path.',
    );
    return { kind: 'local', path: '' };
  }
  const reader = new FieldReader(raw, 'model.');
  let source: ModelSource;
  const local = reader.string('local');
  const devPod = reader.string('devPod');
  const claim = reader.string('claim');
  const chosen = [local, devPod, claim].filter((value) => value !== undefined).length;
  if (chosen !== 1) {
    problems.push('model needs exactly one of local, devPod or claim.');
    source = { kind: 'local', path: local ?? '' };
  } else if (local !== undefined) {
    source = { kind: 'local', path: local };
  } else if (devPod !== undefined) {
    source = {
      kind: 'devPod',
      devPod,
      path: reader.string('path', true) ?? '',
      copy: reader.boolean('copy', false),
    };
  } else {
    source = {
      kind: 'volume',
      claimName: claim ?? '',
      path: reader.string('path') ?? '',
      readOnly: reader.boolean('readOnly', true),
    };
  }
  problems.push(...reader.problems);
  return source;
}

function readExposure(raw: Raw | undefined, problems: string[]): Exposure {
  if (!raw) return { kind: 'cluster' };
  const reader = new FieldReader(raw, 'exposure.');
  const kind = reader.string('kind') ?? 'cluster';
  let exposure: Exposure;
  if (kind === 'ingress') {
    exposure = {
      kind,
      host: reader.string('host', true) ?? '',
      ingressClassName: reader.string('ingressClassName'),
      tlsSecretName: reader.string('tlsSecretName'),
      clusterIssuer: reader.string('clusterIssuer'),
    };
  } else if (kind === 'loadBalancer' || kind === 'cluster') {
    exposure = { kind };
  } else {
    problems.push(`exposure.kind "${kind}" is unknown; use cluster, ingress or loadBalancer.`);
    exposure = { kind: 'cluster' };
  }
  problems.push(...reader.problems);
  return exposure;
}

/**
 * Parses and validates `.kubeml/endpoint.yaml`. Throws nothing: returns the file or every
 * problem found, each naming its field.
 */
export function parseEndpointFile(text: string): { file?: EndpointFile; problems: string[] } {
  const { document, problem } = loadYamlSafely(text);
  if (problem !== undefined) return { problems: [`${ENDPOINT_FILE_PATH} is refused: ${problem}.`] };
  if (!isRecord(document))
    return {
      problems: [`${ENDPOINT_FILE_PATH} must be a mapping with at least name, runtime and model.`],
    };
  const reader = new FieldReader(document);
  const problems: string[] = [];
  const runtime = reader.string('runtime') ?? 'vllm';
  if (!RUNTIMES.includes(runtime as RuntimeKind))
    problems.push(`runtime "${runtime}" is unknown; use ${RUNTIMES.join(', ')}.`);
  const modelFormat = reader.string('modelFormat');
  if (modelFormat !== undefined && !FORMATS.includes(modelFormat as ModelFormat))
    problems.push(`modelFormat "${modelFormat}" is unknown; use ${FORMATS.join(', ')}.`);
  const replicas = reader.record('replicas') ?? {};
  const replicasReader = new FieldReader(replicas, 'replicas.');
  const minReplicas = replicasReader.number('min', 1);
  const env = reader.record('env');
  const networkPolicy = reader.record('networkPolicy');
  const source = readSource(reader.record('model'), problems);
  const name = reader.string('name', true) ?? '';
  // On unless the file says apiKey: false, wherever the runtime can require one.
  const apiKey =
    document.apiKey === undefined
      ? Boolean(runtimePreset(runtime as RuntimeKind)?.apiKeyArgs)
      : reader.boolean('apiKey', true);
  const spec: EndpointFile['spec'] = {
    name,
    namespace: reader.string('namespace'),
    runtime: runtime as RuntimeKind,
    image: reader.string('image'),
    command: reader.strings('command'),
    args: reader.strings('args'),
    port: document.port === undefined ? undefined : reader.number('port', 0),
    healthPath: reader.string('healthPath'),
    modelFormat: modelFormat as ModelFormat | undefined,
    gpus: reader.number('gpus', 1),
    gpuProduct: reader.string('gpuProduct'),
    cpu: reader.string('cpu') ?? '4',
    memory: reader.string('memory') ?? '32Gi',
    env: env && Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)])),
    restrictedPodSecurity: reader.boolean('restrictedPodSecurity', true),
    scaling: {
      minReplicas,
      maxReplicas: replicasReader.number('max', minReplicas),
      targetCpuUtilization: replicasReader.number('targetCpuUtilization', 70),
    },
    exposure: readExposure(reader.record('exposure'), problems),
    networkPolicy: networkPolicy
      ? {
          allowFromNamespaces:
            new FieldReader(networkPolicy, 'networkPolicy.').strings('allowFromNamespaces') ?? [],
        }
      : undefined,
    preferKServe: reader.boolean('kserve', false),
    ...(apiKey ? { apiKeySecret: apiKeySecretName(name) } : {}),
  };
  problems.push(...reader.problems, ...replicasReader.problems);
  const known = new Set([
    'name',
    'namespace',
    'runtime',
    'image',
    'command',
    'args',
    'port',
    'healthPath',
    'modelFormat',
    'gpus',
    'gpuProduct',
    'cpu',
    'memory',
    'env',
    'restrictedPodSecurity',
    'replicas',
    'exposure',
    'networkPolicy',
    'kserve',
    'model',
    'apiKey',
  ]);
  const unknown = Object.keys(document).filter((key) => !known.has(key));
  if (unknown.length > 0)
    problems.push(
      `unknown field(s) ${unknown
        .slice(0, 5)
        .map((key) => previewValue(key))
        .join(
          ', ',
        )}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''} (known: ${[...known].join(', ')}).`,
    );
  if (problems.length > 0) return { problems };
  // Validate with a placeholder volume: the real one is known only after the source is resolved.
  const placeholder: ModelVolume =
    source.kind === 'volume' ? source : { claimName: 'placeholder', path: '', readOnly: true };
  const specProblems = validateEndpointSpec({
    ...spec,
    namespace: spec.namespace ?? 'default',
    model: placeholder,
  });
  if (specProblems.length > 0) return { problems: specProblems };
  return { file: { spec, source }, problems: [] };
}

/** The YAML text of an endpoint file (what "Save as .kubeml/endpoint.yaml" writes). */
export function serializeEndpointFile(file: EndpointFile): string {
  const { spec, source } = file;
  const model =
    source.kind === 'local'
      ? { local: source.path }
      : source.kind === 'devPod'
        ? { devPod: source.devPod, path: source.path, copy: source.copy }
        : { claim: source.claimName, path: source.path, readOnly: source.readOnly };
  const document: Raw = {
    name: spec.name,
    ...(spec.namespace ? { namespace: spec.namespace } : {}),
    runtime: spec.runtime,
    ...(spec.image ? { image: spec.image } : {}),
    ...(spec.command ? { command: spec.command } : {}),
    ...(spec.args ? { args: spec.args } : {}),
    ...(spec.port !== undefined ? { port: spec.port } : {}),
    ...(spec.healthPath ? { healthPath: spec.healthPath } : {}),
    ...(spec.modelFormat ? { modelFormat: spec.modelFormat } : {}),
    model,
    gpus: spec.gpus,
    ...(spec.gpuProduct ? { gpuProduct: spec.gpuProduct } : {}),
    cpu: spec.cpu,
    memory: spec.memory,
    ...(spec.env && Object.keys(spec.env).length > 0 ? { env: spec.env } : {}),
    replicas: {
      min: spec.scaling.minReplicas,
      max: spec.scaling.maxReplicas,
      targetCpuUtilization: spec.scaling.targetCpuUtilization,
    },
    exposure:
      spec.exposure.kind === 'ingress'
        ? Object.fromEntries(
            Object.entries(spec.exposure).filter(([, value]) => value !== undefined),
          )
        : { kind: spec.exposure.kind },
    ...(spec.networkPolicy
      ? { networkPolicy: { allowFromNamespaces: [...spec.networkPolicy.allowFromNamespaces] } }
      : {}),
    ...(spec.restrictedPodSecurity ? {} : { restrictedPodSecurity: false }),
    ...(spec.preferKServe ? { kserve: true } : {}),
    ...(!spec.apiKeySecret && runtimePreset(spec.runtime)?.apiKeyArgs ? { apiKey: false } : {}),
  };
  return `# Kube ML Workbench endpoint: "Kube ML: Deploy Model from .kubeml/endpoint.yaml" deploys it.\n${yaml.dump(document, { lineWidth: 120, noRefs: true })}`;
}
