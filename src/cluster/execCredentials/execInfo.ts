import type { ExecClusterInfo } from './execClusterInfo';
import type { ExecPluginConfig } from './execConfig';

/** The variable through which a plugin receives its ExecCredential input. */
export const EXEC_INFO_ENV = 'KUBERNETES_EXEC_INFO';

/**
 * KUBERNETES_EXEC_INFO as client-go encodes it: the plugin's apiVersion, spec.interactive, and
 * spec.cluster (with client-go's JSON field names) only when the plugin asks for cluster info.
 */
export function execInfoJson(
  config: ExecPluginConfig,
  interactive: boolean,
  cluster: ExecClusterInfo | undefined,
): string {
  const spec: Record<string, unknown> = {};
  if (config.provideClusterInfo && cluster) {
    spec.cluster = {
      server: cluster.server,
      ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
      ...(cluster.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
      ...(cluster.certificateAuthorityData
        ? { 'certificate-authority-data': cluster.certificateAuthorityData }
        : {}),
      ...(cluster.proxyUrl ? { 'proxy-url': cluster.proxyUrl } : {}),
      ...(cluster.config !== undefined ? { config: cluster.config } : {}),
    };
  }
  spec.interactive = interactive;
  return JSON.stringify({ kind: 'ExecCredential', apiVersion: config.apiVersion, spec });
}
