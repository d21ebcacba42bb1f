import * as fs from 'node:fs';
import type { Cluster } from '@kubernetes/client-node';
import { KubeMlError } from '../errors';

/** The cluster kubeconfig extension whose value is passed to the plugin as spec.cluster.config. */
export const EXEC_CLUSTER_EXTENSION = 'client.authentication.k8s.io/exec';

/** What a plugin that sets provideClusterInfo learns about the cluster (client-go's Cluster). */
export interface ExecClusterInfo {
  readonly server: string;
  readonly tlsServerName?: string;
  readonly insecureSkipTlsVerify: boolean;
  /** Base64, as in the kubeconfig (read from certificate-authority when that names a file). */
  readonly certificateAuthorityData?: string;
  readonly proxyUrl?: string;
  /** The cluster's `client.authentication.k8s.io/exec` extension, passed through as is. */
  readonly config?: unknown;
}

/** client-go's ConfigToExecCluster for a kubeconfig cluster entry. */
export function execClusterInfo(cluster: Cluster, execExtension: unknown): ExecClusterInfo {
  let caBytes: Buffer | undefined;
  if (cluster.caData) {
    caBytes = Buffer.from(cluster.caData, 'base64');
  } else if (cluster.caFile) {
    try {
      caBytes = fs.readFileSync(cluster.caFile);
    } catch (error) {
      throw new KubeMlError(
        'malformedKubeconfig',
        `Cannot read the certificate authority ${cluster.caFile} of cluster "${cluster.name}" for its credential plugin: ${(error as Error).message}.`,
        'Fix certificate-authority in the kubeconfig.',
      );
    }
  }
  return {
    server: cluster.server,
    ...(cluster.tlsServerName ? { tlsServerName: cluster.tlsServerName } : {}),
    insecureSkipTlsVerify: cluster.skipTLSVerify === true,
    ...(caBytes && caBytes.length > 0
      ? { certificateAuthorityData: caBytes.toString('base64') }
      : {}),
    ...(cluster.proxyUrl ? { proxyUrl: cluster.proxyUrl } : {}),
    ...(execExtension !== undefined && execExtension !== null ? { config: execExtension } : {}),
  };
}
