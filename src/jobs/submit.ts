import { type KubernetesObject, type V1OwnerReference } from '@kubernetes/client-node';
import type { AccessQuery, ClusterSession } from '../cluster/session';
import { applyObject } from '../cluster/apply';
import { assertValidJobSpec, type JobSpec } from './model/jobSpec';
import { buildCodeSecrets, buildRunManifests } from './model/manifests';
import {
  chooseRuntime,
  OPTIONAL_APIS,
  type ClusterCapabilities,
  type Runtime,
} from './model/runtime';

/** What submitting needs from a session (tests pass a real one built from the sandbox kubeconfig). */
export type SubmitSession = Pick<ClusterSession, 'kubeConfig' | 'requireAccess'>;

export interface SubmitRequest {
  readonly spec: JobSpec;
  readonly namespace: string;
  readonly capabilities: ClusterCapabilities;
  /** gzip parts of a packed folder (packedFolder code only). */
  readonly codeParts?: readonly Uint8Array[];
  readonly signal?: AbortSignal;
}

export interface SubmitResult {
  readonly runtime: Runtime;
  readonly reason: string;
  /** "Job ml-team/train-a", ... in the order they were applied. */
  readonly applied: string[];
}

function resourceOf(runtime: Runtime): { group: string; resource: string } {
  switch (runtime) {
    case 'job':
    case 'indexedJob':
      return { group: 'batch', resource: 'jobs' };
    default: {
      const api = OPTIONAL_APIS[runtime];
      return { group: api.group, resource: api.plural };
    }
  }
}

/** Every permission a submit needs, asked before anything is created. */
export function submitAccess(runtime: Runtime, namespace: string, packed: boolean): AccessQuery[] {
  const resources = [resourceOf(runtime)];
  if (runtime === 'indexedJob') resources.push({ group: '', resource: 'services' });
  if (packed) resources.push({ group: '', resource: 'secrets' });
  return resources.flatMap(({ group, resource }) =>
    ['create', 'patch'].map((verb) => ({ verb, group, resource, namespace })),
  );
}

/**
 * Checks permissions, picks the runtime, then applies the run: code Secrets first (pods
 * need them), the top object, and the rest owned by the top object so deleting the run
 * deletes them too.
 */
export async function submitRun(
  session: SubmitSession,
  request: SubmitRequest,
): Promise<SubmitResult> {
  const { spec, namespace, capabilities } = request;
  assertValidJobSpec(spec);
  const choice = chooseRuntime(spec, capabilities);
  const packed = spec.code.kind === 'packedFolder';
  // Asked in parallel, reported in query order, so the user always hears about "create" first.
  const checks = await Promise.allSettled(
    submitAccess(choice.runtime, namespace, packed).map((query) => session.requireAccess(query)),
  );
  const denied = checks.find(
    (check): check is PromiseRejectedResult => check.status === 'rejected',
  );
  if (denied) throw denied.reason;
  request.signal?.throwIfAborted();
  const parts = packed ? (request.codeParts ?? []) : [];
  const options = {
    namespace,
    runtime: choice.runtime,
    queue: capabilities.kueue ? spec.queue : undefined,
    codeParts: parts.length || undefined,
  };
  const [top, ...dependents] = buildRunManifests(spec, options);
  const codeSecrets = buildCodeSecrets(spec.name, namespace, choice.runtime, parts);
  const applied: string[] = [];
  const describe = (object: KubernetesObject) =>
    `${object.kind} ${namespace}/${object.metadata?.name}`;
  for (const secret of codeSecrets) {
    await applyObject(session.kubeConfig, secret);
    applied.push(describe(secret));
  }
  request.signal?.throwIfAborted();
  const created = await applyObject(session.kubeConfig, top!);
  applied.push(describe(top!));
  const owner: V1OwnerReference = {
    apiVersion: top!.apiVersion!,
    kind: top!.kind!,
    name: spec.name,
    uid: created.metadata!.uid!,
    blockOwnerDeletion: false,
    controller: false,
  };
  for (const object of [...dependents, ...codeSecrets]) {
    await applyObject(session.kubeConfig, {
      ...object,
      metadata: { ...object.metadata, ownerReferences: [owner] },
    });
    if (!codeSecrets.includes(object as never)) applied.push(describe(object));
  }
  return { runtime: choice.runtime, reason: choice.reason, applied };
}
