import * as vscode from 'vscode';
import { readdir } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { DEV_POD_LABEL } from '../cluster/devPodContract';
import { toDnsLabel, validateDnsLabel, validateDnsSubdomain } from '../cluster/names';
import {
  assertWithinGpuQuota,
  describeGpuQuota,
  namespaceGpuQuota,
  quotaProblem,
  type GpuQuota,
} from '../cluster/gpu/quota';
import type { ClusterSession } from '../cluster/session';
import type { Services } from '../common/services';
import {
  ENDPOINT_FILE_PATH,
  serializeEndpointFile,
  type EndpointFile,
  type ModelSource,
} from './model/endpointFile';
import { deployableGpus } from './model/freeGpus';
import { detectModelFormat, type DetectedModel } from './model/modelFormat';
import { RUNTIME_PRESETS, runtimePreset, type RuntimeKind } from './model/runtimes';
import { apiKeySecretName, type Exposure, type Scaling } from './model/spec';
import { listDevPods } from './modelSources';
import type { DeployRequest } from './deployService';

/**
 * The guided Deploy Model flow: source, runtime, GPUs, replicas, exposure and name, asked one
 * after another. Returns undefined when the user cancels any step.
 */
type Answer<T> = Promise<T | undefined>;

async function listRelative(folder: string, depth = 0): Promise<string[]> {
  if (depth > 3) return [];
  const entries = await readdir(folder, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) =>
      entry.isDirectory()
        ? (await listRelative(join(folder, entry.name), depth + 1)).map(
            (file) => `${entry.name}/${file}`,
          )
        : entry.isFile()
          ? [entry.name]
          : [],
    ),
  );
  return nested.flat();
}

async function pickSource(
  services: Services,
  resource: vscode.Uri | undefined,
): Answer<{ source: ModelSource; suggestedName: string; detected?: DetectedModel }> {
  if (resource) {
    const stat = await vscode.workspace.fs.stat(resource);
    const isFolder = (stat.type & vscode.FileType.Directory) !== 0;
    const detected = isFolder
      ? detectModelFormat({ kind: 'folder', files: await listRelative(resource.fsPath) })
      : detectModelFormat({ kind: 'file', name: resource.fsPath });
    if (!detected) {
      const proceed = await vscode.window.showWarningMessage(
        `${basename(resource.fsPath)} does not look like a model (no config.json + safetensors, GGUF, ONNX or TorchScript file). Deploy it anyway?`,
        { modal: true },
        'Continue',
      );
      if (!proceed) return undefined;
    }
    return {
      source: { kind: 'local', path: resource.fsPath },
      suggestedName: basename(resource.fsPath).replace(/\.[^.]+$/, ''),
      detected,
    };
  }
  const choice = await vscode.window.showQuickPick(
    [
      {
        label: '$(folder) Local folder or file',
        description: 'upload into a model volume (resumable, checksummed)',
        origin: 'local' as const,
      },
      {
        label: "$(vm) Path in a dev pod's workspace",
        description: 'mount its volume read-only, or copy it',
        origin: 'devPod' as const,
      },
      {
        label: '$(database) Existing volume (PVC)',
        description: 'a claim that already holds the model',
        origin: 'volume' as const,
      },
    ],
    { title: 'Deploy Model: where is the model?', ignoreFocusOut: true },
  );
  if (!choice) return undefined;
  if (choice.origin === 'local') {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Deploy this model',
      filters: { Models: ['gguf', 'onnx', 'pt', 'torchscript', 'safetensors', 'json'] },
    });
    return picked?.[0] ? pickSource(services, picked[0]) : undefined;
  }
  const session = services.connection.requireSession();
  if (choice.origin === 'devPod') {
    const pods = await listDevPods(session.kubeConfig, session.namespace);
    if (pods.length === 0) {
      void vscode.window.showWarningMessage(`No dev pods run in ${session.namespace}.`);
      return undefined;
    }
    const pod = await vscode.window.showQuickPick(
      pods.map((candidate) => ({
        label: candidate.metadata?.labels?.[DEV_POD_LABEL] ?? candidate.metadata?.name ?? '',
        description: candidate.status?.phase,
      })),
      { title: 'Deploy Model: which dev pod?', ignoreFocusOut: true },
    );
    if (!pod) return undefined;
    const path = await vscode.window.showInputBox({
      title: 'Deploy Model: path of the model in the dev pod',
      prompt: 'Absolute (e.g. /workspace/out/llama) or relative to the workspace volume',
      value: '/workspace/',
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() ? undefined : 'Give the model folder or file.'),
    });
    if (!path) return undefined;
    const mode = await vscode.window.showQuickPick(
      [
        { label: 'Mount the workspace volume read-only', copy: false },
        {
          label: 'Copy into a model volume',
          description: 'lets the dev pod keep changing its files',
          copy: true,
        },
      ],
      { title: 'Deploy Model: share or copy?', ignoreFocusOut: true },
    );
    if (!mode) return undefined;
    return {
      source: { kind: 'devPod', devPod: pod.label, path, copy: mode.copy },
      suggestedName: basename(path.replace(/\/+$/, '')),
    };
  }
  const claimName = await vscode.window.showInputBox({
    title: 'Deploy Model: volume claim name',
    ignoreFocusOut: true,
    validateInput: (value) => validateDnsSubdomain(value, 'claim name'),
  });
  if (!claimName) return undefined;
  const path = await vscode.window.showInputBox({
    title: 'Deploy Model: path of the model inside the volume',
    value: '',
    ignoreFocusOut: true,
    validateInput: (value) =>
      value.startsWith('/') || value.split('/').includes('..')
        ? 'Give a path relative to the volume root.'
        : undefined,
  });
  if (path === undefined) return undefined;
  return {
    source: { kind: 'volume', claimName, path, readOnly: true },
    suggestedName: basename(path) || claimName,
  };
}

async function pickRuntime(detected: DetectedModel | undefined): Answer<{
  runtime: RuntimeKind;
  image?: string;
  command?: string[];
  args?: string[];
  port?: number;
  healthPath?: string;
}> {
  const presets = Object.values(RUNTIME_PRESETS).map((preset) => ({
    label: preset.label,
    description:
      preset.kind === detected?.suggestedRuntime
        ? `recommended for ${detected.reason}`
        : preset.description,
    runtime: preset.kind as RuntimeKind,
  }));
  const items = [
    ...presets.sort(
      (a, b) =>
        Number(b.runtime === detected?.suggestedRuntime) -
        Number(a.runtime === detected?.suggestedRuntime),
    ),
    {
      label: 'Custom image and command',
      description: 'any HTTP server',
      runtime: 'custom' as RuntimeKind,
    },
  ];
  const choice = await vscode.window.showQuickPick(items, {
    title: 'Deploy Model: serving runtime',
    ignoreFocusOut: true,
  });
  if (!choice) return undefined;
  if (choice.runtime !== 'custom') return { runtime: choice.runtime };
  const image = await vscode.window.showInputBox({
    title: 'Custom runtime: image',
    placeHolder: 'registry/server:tag',
    ignoreFocusOut: true,
    validateInput: (value) =>
      value.trim() && !/\s/.test(value) ? undefined : 'Give an image reference without spaces.',
  });
  if (!image) return undefined;
  const commandLine = await vscode.window.showInputBox({
    title: 'Custom runtime: command and arguments',
    prompt:
      'Separated by spaces; {model} is the model path, {port} the port. Not run through a shell.',
    value: 'python -m server --model {model} --port {port}',
    ignoreFocusOut: true,
  });
  if (commandLine === undefined) return undefined;
  const port = await vscode.window.showInputBox({
    title: 'Custom runtime: port',
    value: '8000',
    ignoreFocusOut: true,
    validateInput: (value) =>
      /^\d+$/.test(value) && Number(value) >= 1024 && Number(value) <= 65535
        ? undefined
        : 'A port from 1024 to 65535 (pods run as non-root).',
  });
  if (!port) return undefined;
  const healthPath = await vscode.window.showInputBox({
    title: 'Custom runtime: health path',
    value: '/health',
    ignoreFocusOut: true,
    validateInput: (value) => (value.startsWith('/') ? undefined : 'Starts with /.'),
  });
  if (!healthPath) return undefined;
  const words = commandLine.split(/\s+/).filter((word) => word.length > 0);
  return {
    runtime: 'custom',
    image,
    command: words.slice(0, 1),
    args: words.slice(1),
    port: Number(port),
    healthPath,
  };
}

async function pickGpus(
  session: ClusterSession,
  quota: GpuQuota | undefined,
): Answer<{ gpus: number; gpuProduct?: string }> {
  await session.nodes.ready.catch(() => undefined);
  const free = deployableGpus(session.nodes.list(), session.pods.list());
  const items = [
    ...[...free.entries()].map(([product, figures]) => ({
      label: product,
      description: `${figures.free} free, at most ${figures.largestOnOneNode} on one node`,
      product,
      max: figures.largestOnOneNode,
    })),
    {
      label: 'Any GPU',
      description: 'let the scheduler choose the product',
      product: undefined as string | undefined,
      max: Math.max(0, ...[...free.values()].map((figures) => figures.largestOnOneNode)),
    },
    { label: 'No GPU (CPU only)', description: 'small models, tests', product: undefined, max: 0 },
  ];
  const choice = await vscode.window.showQuickPick(items, {
    title: 'Deploy Model: GPUs per replica (free capacity now)',
    placeHolder: quota ? `${describeGpuQuota(quota)}: every replica counts.` : undefined,
    ignoreFocusOut: true,
  });
  if (!choice) return undefined;
  if (choice.label === 'No GPU (CPU only)') return { gpus: 0 };
  const count = await vscode.window.showInputBox({
    title: `Deploy Model: GPUs per replica${choice.product ? ` (${choice.product})` : ''}`,
    value: '1',
    ignoreFocusOut: true,
    validateInput: (value) =>
      /^[1-9]\d*$/.test(value)
        ? (quotaProblem(quota, Number(value), session.namespace) ??
          (Number(value) > choice.max
            ? `Only ${choice.max} are free on one node now; the pod would wait until GPUs free up.`
            : undefined))
        : 'A whole number of at least 1.',
  });
  if (!count) return undefined;
  return { gpus: Number(count), gpuProduct: choice.product };
}

async function pickScaling(): Answer<Scaling> {
  const text = await vscode.window.showInputBox({
    title: 'Deploy Model: replicas',
    prompt: 'A number ("1") or a range for autoscaling ("1-4")',
    value: '1',
    ignoreFocusOut: true,
    validateInput: (value) =>
      /^\s*[1-9]\d*\s*(-\s*[1-9]\d*\s*)?$/.test(value)
        ? undefined
        : 'Write N or MIN-MAX, e.g. 1-4.',
  });
  if (!text) return undefined;
  const [min, max = min] = text.split('-').map((part) => Number(part.trim()));
  if (max < min) return { minReplicas: max, maxReplicas: min, targetCpuUtilization: 70 };
  if (max === min) return { minReplicas: min, maxReplicas: max, targetCpuUtilization: 70 };
  const target = await vscode.window.showInputBox({
    title: 'Deploy Model: autoscaling target CPU utilisation (%)',
    value: '70',
    ignoreFocusOut: true,
    validateInput: (value) =>
      /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 100
        ? undefined
        : 'A percentage from 1 to 100.',
  });
  if (!target) return undefined;
  return { minReplicas: min, maxReplicas: max, targetCpuUtilization: Number(target) };
}

/** How an Ingress gets its certificate: cert-manager, an existing Secret, or (said plainly) none. */
async function pickIngressTls(): Answer<{ tlsSecretName?: string; clusterIssuer?: string }> {
  const choice = await vscode.window.showQuickPick(
    [
      {
        label: 'cert-manager issues the certificate',
        description: 'a ClusterIssuer of this cluster',
        tls: 'issuer' as const,
      },
      {
        label: 'A TLS Secret I already have',
        description: 'kubernetes.io/tls Secret in this namespace',
        tls: 'secret' as const,
      },
      {
        label: 'No TLS (plain HTTP)',
        description: 'prompts, answers and the API key cross the network unencrypted',
        tls: 'none' as const,
      },
    ],
    { title: 'Ingress TLS', ignoreFocusOut: true },
  );
  if (!choice) return undefined;
  if (choice.tls === 'none') return {};
  const name = await vscode.window.showInputBox({
    title: choice.tls === 'issuer' ? 'cert-manager ClusterIssuer name' : 'TLS Secret name',
    value: choice.tls === 'issuer' ? 'letsencrypt' : '',
    ignoreFocusOut: true,
    validateInput: (value) => validateDnsSubdomain(value, 'name'),
  });
  if (!name) return undefined;
  return choice.tls === 'issuer' ? { clusterIssuer: name } : { tlsSecretName: name };
}

async function pickExposure(): Answer<{
  exposure: Exposure;
  networkPolicy?: { allowFromNamespaces: string[] };
}> {
  const choice = await vscode.window.showQuickPick(
    [
      {
        label: 'Cluster only',
        description: 'a Service; the playground uses a port-forward',
        exposure: 'cluster' as const,
      },
      {
        label: 'Ingress with a host',
        description: 'HTTP(S) from outside the cluster',
        exposure: 'ingress' as const,
      },
      {
        label: 'LoadBalancer',
        description: 'a cloud load balancer address',
        exposure: 'loadBalancer' as const,
      },
    ],
    { title: 'Deploy Model: exposure', ignoreFocusOut: true },
  );
  if (!choice) return undefined;
  let exposure: Exposure = { kind: choice.exposure === 'ingress' ? 'cluster' : choice.exposure };
  if (choice.exposure === 'ingress') {
    const host = await vscode.window.showInputBox({
      title: 'Ingress host',
      placeHolder: 'llama.ml.example.com',
      ignoreFocusOut: true,
      validateInput: (value) => validateDnsSubdomain(value, 'host'),
    });
    if (!host) return undefined;
    const tls = await pickIngressTls();
    if (!tls) return undefined;
    exposure = { kind: 'ingress', host, ...tls };
  }
  const policy = await vscode.window.showQuickPick(
    [
      {
        label: 'Only this namespace may call it',
        description: 'adds a NetworkPolicy',
        restrict: true,
      },
      { label: 'No NetworkPolicy', restrict: false },
    ],
    { title: 'Deploy Model: network access', ignoreFocusOut: true },
  );
  if (!policy) return undefined;
  return { exposure, networkPolicy: policy.restrict ? { allowFromNamespaces: [] } : undefined };
}

export interface GuidedDeploy {
  readonly request: DeployRequest;
  readonly action: 'deploy' | 'deployAndSave' | 'save';
}

export async function guidedDeploy(
  services: Services,
  resource: vscode.Uri | undefined,
): Answer<GuidedDeploy> {
  const picked = await pickSource(services, resource);
  if (!picked) return undefined;
  const runtime = await pickRuntime(picked.detected);
  if (!runtime) return undefined;
  const session = services.connection.requireSession();
  const quota = await namespaceGpuQuota(session);
  const gpus = await pickGpus(session, quota);
  if (!gpus) return undefined;
  const scaling = await pickScaling();
  if (!scaling) return undefined;
  // The quota counts every replica; a range's maximum may still be refused later, by the HPA.
  assertWithinGpuQuota(quota, gpus.gpus * scaling.minReplicas, session.namespace);
  const exposure = await pickExposure();
  if (!exposure) return undefined;
  const name = await vscode.window.showInputBox({
    title: 'Deploy Model: endpoint name',
    value: toDnsLabel(picked.suggestedName, 50) || 'model',
    ignoreFocusOut: true,
    validateInput: (value) =>
      validateDnsLabel(value, 'endpoint name') ??
      (value.length > 50 ? 'At most 50 characters.' : undefined),
  });
  if (!name) return undefined;
  const action = await vscode.window.showQuickPick(
    [
      { label: 'Deploy', action: 'deploy' as const },
      {
        label: `Deploy and save as ${ENDPOINT_FILE_PATH}`,
        description: 'redeploy later with Deploy Model from .kubeml/endpoint.yaml',
        action: 'deployAndSave' as const,
      },
      { label: `Only save as ${ENDPOINT_FILE_PATH}`, action: 'save' as const },
    ],
    { title: `Deploy Model: ${name}`, ignoreFocusOut: true },
  );
  if (!action) return undefined;
  const spec: EndpointFile['spec'] = {
    name,
    ...runtime,
    modelFormat: picked.detected?.format,
    ...gpus,
    cpu: gpus.gpus > 0 ? String(Math.min(16, 4 * gpus.gpus)) : '2',
    memory: gpus.gpus > 0 ? `${Math.min(256, 32 * gpus.gpus)}Gi` : '8Gi',
    restrictedPodSecurity: services.settings.restrictedPodSecurity(),
    scaling,
    ...exposure,
    // A key by default wherever the runtime can require one; the playground sends it.
    ...(runtimePreset(runtime.runtime)?.apiKeyArgs ? { apiKeySecret: apiKeySecretName(name) } : {}),
  };
  return { request: { spec, source: picked.source }, action: action.action };
}

/** Writes .kubeml/endpoint.yaml into the workspace folder (local paths become relative to it). */
export async function saveEndpointFile(request: DeployRequest): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showWarningMessage(`Open a folder to save ${ENDPOINT_FILE_PATH}.`);
    return undefined;
  }
  const source =
    request.source.kind === 'local'
      ? {
          ...request.source,
          path: relative(folder.uri.fsPath, request.source.path).split('\\').join('/') || '.',
        }
      : request.source;
  const uri = vscode.Uri.joinPath(folder.uri, ENDPOINT_FILE_PATH);
  await vscode.workspace.fs.writeFile(
    uri,
    Buffer.from(serializeEndpointFile({ spec: request.spec, source }), 'utf8'),
  );
  return uri;
}
