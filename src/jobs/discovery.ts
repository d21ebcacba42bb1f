import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { toKubeMlError } from '../cluster/errors';
import { capabilitiesFrom, OPTIONAL_APIS, type ClusterCapabilities } from './model/runtime';

/**
 * Asks the API server which optional training APIs it serves (one discovery request per
 * group/version; a 404 means the group is not installed). Asked again on every submit so a CRD
 * installed a minute ago is used.
 */
export async function discoverCapabilities(kubeConfig: KubeConfig): Promise<ClusterCapabilities> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const groupVersions = [
    ...new Set(Object.values(OPTIONAL_APIS).map((entry) => `${entry.group}/${entry.version}`)),
  ];
  const discovered = new Map<string, Set<string>>();
  await Promise.all(
    groupVersions.map(async (groupVersion) => {
      const [group, version] = groupVersion.split('/') as [string, string];
      try {
        const list = await api.getAPIResources({ group, version });
        discovered.set(groupVersion, new Set(list.resources.map((resource) => resource.name)));
      } catch (error) {
        const status = (error as { code?: number }).code;
        if (status !== 404 && status !== 503) {
          throw toKubeMlError(error, `discover ${groupVersion}`);
        }
      }
    }),
  );
  return capabilitiesFrom(discovered);
}
