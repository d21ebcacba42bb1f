import type { Cluster, User } from '@kubernetes/client-node';
import type { CredentialRequest, CredentialWait, ExecCredentialCache } from './credentialCache';
import { execClusterInfo } from './execClusterInfo';
import { readExecConfig } from './execConfig';
import type { ExecCredential } from './execCredential';

/** What a request carries to authenticate with an exec plugin's credential. Secret: never log it. */
export interface ExecAuthentication {
  readonly headers: { readonly Authorization?: string };
  /** PEM client certificate and key for the TLS handshake. */
  readonly cert?: string;
  readonly key?: string;
  /** Hand back to ExecCredentialCache.invalidate when the server answers 401. */
  readonly credential: ExecCredential;
}

/**
 * The plugin request of a kubeconfig user with `exec` talking to `cluster`. `execExtensions` maps
 * cluster names to their `client.authentication.k8s.io/exec` extension (client-node drops cluster
 * extensions, so the kubeconfig resolver collects them).
 */
export function execRequestFor(
  user: User,
  cluster: Cluster | null,
  execExtensions: ReadonlyMap<string, unknown>,
): CredentialRequest {
  const config = readExecConfig(user.name, user.exec);
  return {
    config,
    ...(cluster ? { cluster: execClusterInfo(cluster, execExtensions.get(cluster.name)) } : {}),
  };
}

/** The credential of `request`, from the shared cache or one plugin run, as request material. */
export async function execAuthentication(
  cache: ExecCredentialCache,
  request: CredentialRequest,
  wait?: CredentialWait,
): Promise<ExecAuthentication> {
  const credential = await cache.get(request, wait);
  return {
    headers: credential.token ? { Authorization: `Bearer ${credential.token}` } : {},
    ...(credential.clientCertificateData && credential.clientKeyData
      ? { cert: credential.clientCertificateData, key: credential.clientKeyData }
      : {}),
    credential,
  };
}
