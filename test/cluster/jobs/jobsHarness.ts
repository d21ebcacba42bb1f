// Shared pieces of the training-jobs cluster suites: a real session on the sandbox, CRD installs
// for the optional runtimes, exec of `env` in a pod, and a recorder of the run states the
// watch-driven RunStore reports.
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { KubeSession } from '../../../src/cluster/kubeSession';
import { discoverCapabilities } from '../../../src/jobs/discovery';
import { defaultJobSpec, type JobSpec } from '../../../src/jobs/model/jobSpec';
import type { ClusterCapabilities } from '../../../src/jobs/model/runtime';
import type { RunState, RunView } from '../../../src/jobs/model/runState';
import { RunStore } from '../../../src/jobs/runStore';
import { sandboxContext, sandboxKubeConfig, waitFor, type SandboxIdentity } from '../sandbox';

export function session(namespace: string, identity: SandboxIdentity = 'admin'): KubeSession {
  return new KubeSession({
    contextName: sandboxContext(identity),
    namespace,
    kubeConfig: sandboxKubeConfig(identity),
  });
}

/** A spec whose sandbox pods finish after `seconds` (and fail with `exitCode` when given). */
export function sandboxSpec(
  name: string,
  overrides: Partial<JobSpec> = {},
  seconds = 4,
  exitCode?: number,
): JobSpec {
  const podAnnotations: Record<string, string> = {
    'sandbox.kube-ml.dev/run-seconds': String(seconds),
  };
  if (exitCode !== undefined) podAnnotations['sandbox.kube-ml.dev/exit-code'] = String(exitCode);
  return defaultJobSpec({
    name,
    image: 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime',
    command: ['python', 'train.py'],
    args: ['--epochs', '1'],
    podAnnotations,
    ...overrides,
  });
}

/** Every state each run went through, as the RunStore's change events reported them. */
export class StateRecorder {
  readonly states = new Map<string, RunState[]>();
  readonly latest = new Map<string, RunView>();
  readonly finished: RunView[] = [];
  private readonly subscription: { dispose(): void };

  constructor(readonly store: RunStore) {
    this.subscription = store.onDidChange((change) => {
      for (const view of change.changed) {
        this.latest.set(view.name, view);
        const seen = this.states.get(view.name) ?? [];
        if (seen[seen.length - 1] !== view.state) seen.push(view.state);
        this.states.set(view.name, seen);
      }
      this.finished.push(...change.finished);
    });
  }

  waitForState(name: string, state: RunState, timeoutMs = 45_000): Promise<RunView> {
    return waitFor(
      () => (this.latest.get(name)?.state === state ? this.latest.get(name) : undefined),
      timeoutMs,
      `${name} to be ${state} (seen: ${this.states.get(name)?.join(' -> ') ?? 'nothing'}; last reason: ${this.latest.get(name)?.reason ?? '-'})`,
    );
  }

  dispose(): void {
    this.subscription.dispose();
  }
}

export async function startStore(
  kubeSession: KubeSession,
  capabilities: ClusterCapabilities,
): Promise<{ store: RunStore; recorder: StateRecorder; errors: unknown[] }> {
  const errors: unknown[] = [];
  const store = new RunStore(kubeSession, capabilities, (error) => errors.push(error));
  const recorder = new StateRecorder(store);
  await Promise.all([store.ready, kubeSession.pods.ready, kubeSession.nodes.ready]);
  return { store, recorder, errors };
}

/** The environment `env` prints inside a pod, through the API server's exec. */
export async function execEnv(
  kubeConfig: k8s.KubeConfig,
  namespace: string,
  pod: string,
  container: string,
): Promise<Map<string, string>> {
  let output = '';
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      output += chunk.toString();
      callback();
    },
  });
  await new Promise<void>((resolve, reject) => {
    new k8s.Exec(kubeConfig)
      .exec(namespace, pod, container, ['env'], stdout, null, null, false, (status) =>
        status.status === 'Success'
          ? resolve()
          : reject(new Error(`exec env in ${pod}: ${status.message}`)),
      )
      .catch(reject);
  });
  return new Map(
    output
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** Any spec and status (x-kubernetes-preserve-unknown-fields, spelled as client-node's model wants it). */
const openSchema: k8s.V1JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
    status: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
  },
};

/** Installs a namespaced CRD that accepts any spec/status (as the test stand-in for an operator). */
export async function installCrd(
  group: string,
  version: string,
  kind: string,
  plural: string,
): Promise<void> {
  const api = sandboxKubeConfig('admin').makeApiClient(k8s.ApiextensionsV1Api);
  const name = `${plural}.${group}`;
  await uninstallCrd(name);
  await waitFor(
    async () => {
      try {
        await api.readCustomResourceDefinition({ name });
        return false;
      } catch (error) {
        return (error as { code?: number }).code === 404;
      }
    },
    30_000,
    `old CRD ${name} to be gone`,
  );
  await api.createCustomResourceDefinition({
    body: {
      metadata: { name },
      spec: {
        group,
        scope: 'Namespaced',
        names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
        versions: [
          {
            name: version,
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: { openAPIV3Schema: openSchema },
          },
        ],
      },
    },
  });
  await waitFor(
    async () => {
      const crd = await api.readCustomResourceDefinition({ name });
      return crd.status?.conditions?.some(
        (condition) => condition.type === 'Established' && condition.status === 'True',
      );
    },
    30_000,
    `CRD ${name} to be established`,
  );
  // Established comes before the storage serves lists (429 "storage is (re)initializing").
  const custom = sandboxKubeConfig('admin').makeApiClient(k8s.CustomObjectsApi);
  await waitFor(
    async () => {
      await custom.listClusterCustomObject({ group, version, plural });
      return true;
    },
    30_000,
    `CRD ${name} storage to serve lists`,
  );
}

export async function uninstallCrd(name: string): Promise<void> {
  try {
    await sandboxKubeConfig('admin')
      .makeApiClient(k8s.ApiextensionsV1Api)
      .deleteCustomResourceDefinition({ name });
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
  }
}

/** Waits until API discovery reports what the test just installed. */
export function waitForCapabilities(
  kubeConfig: k8s.KubeConfig,
  wanted: (capabilities: ClusterCapabilities) => boolean,
  what: string,
): Promise<ClusterCapabilities> {
  return waitFor(
    async () => {
      const capabilities = await discoverCapabilities(kubeConfig);
      return wanted(capabilities) ? capabilities : undefined;
    },
    30_000,
    what,
    250,
  );
}
