import {
  KubernetesObjectApi,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { toKubeMlError } from './errors';
import { FIELD_MANAGER } from './workloadRef';

/**
 * Server-side apply of one object as the Kube ML field manager. Forced: the objects we apply are
 * ours, so fields someone edited by hand (kubectl edit) are taken back.
 */
export async function applyObject<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  object: T,
): Promise<T> {
  try {
    return await KubernetesObjectApi.makeApiClient(kubeConfig).patch(
      object,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
  } catch (error) {
    throw toKubeMlError(
      error,
      `apply ${object.kind} ${object.metadata?.namespace}/${object.metadata?.name}`,
    );
  }
}
