import * as path from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { KubeMlError, toKubeMlError } from '../cluster/errors';
import type { ClusterSession } from '../cluster/session';
import type { Settings } from '../common/services';
import { discoverCapabilities } from './discovery';
import { packLocalFolder } from './folderPacker';
import type { PackSummary } from './model/packSummary';
import { requireDevPodWorkspace } from './model/devPodWorkspace';
import type { CodeRequest } from './model/jobFile';
import type { JobSpec } from './model/jobSpec';
import { OPTIONAL_APIS, type ClusterCapabilities } from './model/runtime';
import { submitRun, type SubmitResult } from './submit';

export interface RunJobOptions {
  /** Folder the code request's relative paths start from (the workspace folder). */
  readonly baseFolder?: string;
  readonly capabilities?: ClusterCapabilities;
  readonly signal?: AbortSignal;
  readonly report?: (message: string) => void;
  /** Shown what a packed folder would send; nothing is created unless it resolves true. */
  readonly confirmPack?: (summary: PackSummary) => Promise<boolean>;
}

/** A JobSpec whose code source is resolved against the cluster (dev pod claim) and disk (folder). */
export function resolveCode(
  session: ClusterSession,
  spec: JobSpec,
  code: CodeRequest,
  baseFolder: string | undefined,
): JobSpec {
  switch (code.kind) {
    case 'devPodVolume': {
      const workspace = requireDevPodWorkspace(session.pods.list(), session.namespace, code.devPod);
      return {
        ...spec,
        code: {
          kind: 'devPodVolume',
          devPod: code.devPod,
          claimName: workspace.claimName,
          mountPath: workspace.mountPath,
        },
      };
    }
    case 'packedFolder':
      return {
        ...spec,
        code: {
          kind: 'packedFolder',
          localPath: path.resolve(baseFolder ?? process.cwd(), code.path),
        },
      };
    case 'image':
      return { ...spec, code: { kind: 'image' } };
  }
}

/**
 * Submits a resolved spec in the session's namespace: discovers runtimes, packs the folder when
 * the code is local, then applies the run. Used by the commands and by extension-host tests.
 */
export async function runJob(
  session: ClusterSession,
  settings: Settings,
  spec: JobSpec,
  options: RunJobOptions = {},
): Promise<SubmitResult> {
  options.report?.('Discovering training runtimes…');
  const capabilities = options.capabilities ?? (await discoverCapabilities(session.kubeConfig));
  let codeParts: Uint8Array[] | undefined;
  if (spec.code.kind === 'packedFolder') {
    options.report?.(`Packing ${spec.code.localPath}…`);
    const packed = await packLocalFolder(
      spec.code.localPath,
      settings.maxPackedFolderMiB(),
      options.signal,
    );
    if (options.confirmPack && !(await options.confirmPack(packed.summary))) {
      throw new KubeMlError('cancelled', `Not submitted: ${spec.name}.`);
    }
    codeParts = packed.parts;
  }
  options.report?.('Applying…');
  return submitRun(session, {
    spec,
    namespace: session.namespace,
    capabilities,
    codeParts,
    signal: options.signal,
  });
}

/** Kueue LocalQueues of the namespace (names only). */
export async function listLocalQueues(session: ClusterSession): Promise<string[]> {
  const api = OPTIONAL_APIS.kueueLocalQueue;
  try {
    const list = (await session.kubeConfig
      .makeApiClient(CustomObjectsApi)
      .listNamespacedCustomObject({
        group: api.group,
        version: api.version,
        namespace: session.namespace,
        plural: api.plural,
      })) as { items?: { metadata?: { name?: string } }[] };
    return (list.items ?? []).map((item) => item.metadata?.name ?? '').filter(Boolean);
  } catch (error) {
    throw toKubeMlError(error, `list Kueue LocalQueues in ${session.namespace}`);
  }
}
