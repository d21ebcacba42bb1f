import {
  BatchV1Api,
  CoreV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { toKubeMlError } from '../cluster/errors';
import type { AccessQuery } from '../cluster/session';
import { FIELD_MANAGER } from '../cluster/workloadRef';
import {
  IDLE_REAPER_NAME,
  idleReaperCronJob,
  idleReaperObjects,
  idleReaperRole,
  idleReaperRoleBinding,
  idleReaperServiceAccount,
} from './model/idleReaper';

export type ReaperInstallResult =
  { readonly installed: true } | { readonly installed: false; readonly missing: readonly string[] };

/**
 * Installs (server-side apply, idempotent) the per-namespace idle reaper when the user may create
 * every piece of it; otherwise names what is missing so the UI can say that idle shutdown only
 * runs while VS Code is open. The `edit` role typically lacks roles/rolebindings.
 */
export async function ensureIdleReaper(
  kubeConfig: KubeConfig,
  namespace: string,
  can: (query: AccessQuery) => Promise<boolean>,
): Promise<ReaperInstallResult> {
  const objects = idleReaperObjects(namespace);
  // Server-side apply needs patch, and create for the first apply.
  const allowed = await Promise.all(
    objects.map(
      async (item) =>
        (await can({ verb: 'create', resource: item.resource, group: item.group, namespace })) &&
        (await can({ verb: 'patch', resource: item.resource, group: item.group, namespace })),
    ),
  );
  const missing = objects
    .filter((_, index) => !allowed[index])
    .map((item) => `${item.resource}${item.group ? `.${item.group}` : ''}`);
  if (missing.length > 0) {
    return { installed: false, missing };
  }
  const options = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  const common = { name: IDLE_REAPER_NAME, namespace, fieldManager: FIELD_MANAGER, force: true };
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const rbac = kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  try {
    // force: these objects are ours alone; a newer extension version must be able to update them.
    await core.patchNamespacedServiceAccount(
      { ...common, body: idleReaperServiceAccount(namespace) },
      options,
    );
    await rbac.patchNamespacedRole({ ...common, body: idleReaperRole(namespace) }, options);
    await rbac.patchNamespacedRoleBinding(
      { ...common, body: idleReaperRoleBinding(namespace) },
      options,
    );
    await batch.patchNamespacedCronJob({ ...common, body: idleReaperCronJob(namespace) }, options);
  } catch (error) {
    throw toKubeMlError(
      error,
      `install the idle-shutdown CronJob ${namespace}/${IDLE_REAPER_NAME}`,
    );
  }
  return { installed: true };
}
