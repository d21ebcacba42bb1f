import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { toKubeMlError } from '../cluster/errors';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../cluster/workloadRef';
import { isNotFound } from './endpointApi';
import { ENDPOINT_LABEL } from './model/labels';

const API_KEY_FIELD = 'api-key';

/**
 * Creates the endpoint's API key Secret unless it exists. An existing key is kept: clients
 * configured with it keep working across redeploys. The key is generated here and written
 * only to the Secret; the extension reads it back when the playground needs it.
 */
export async function ensureApiKeySecret(
  kubeConfig: KubeConfig,
  namespace: string,
  secretName: string,
  endpointName: string,
): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  try {
    await core.readNamespacedSecret({ namespace, name: secretName });
    return;
  } catch (error) {
    if (!isNotFound(error)) throw toKubeMlError(error, `read Secret ${namespace}/${secretName}`);
  }
  try {
    await core.createNamespacedSecret({
      namespace,
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: {
          name: secretName,
          namespace,
          labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [ENDPOINT_LABEL]: endpointName },
        },
        stringData: { [API_KEY_FIELD]: `kmw-${randomBytes(32).toString('base64url')}` },
      },
    });
  } catch (error) {
    throw toKubeMlError(error, `create the API key Secret ${namespace}/${secretName}`);
  }
}

/** The key an endpoint requires, read from its Secret (for requests the extension host makes). */
export async function readApiKey(
  kubeConfig: KubeConfig,
  namespace: string,
  secretName: string,
): Promise<string> {
  try {
    const secret = await kubeConfig
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ namespace, name: secretName });
    return Buffer.from(secret.data?.[API_KEY_FIELD] ?? '', 'base64').toString('utf8');
  } catch (error) {
    throw toKubeMlError(
      error,
      `read the API key of the endpoint (Secret ${namespace}/${secretName})`,
    );
  }
}
