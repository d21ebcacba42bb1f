import * as fs from 'node:fs';
import type { KubeconfigCluster, KubeconfigUser } from './kubeconfigEntries';

function unreadable(file: string): string | undefined {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function proxyUrlProblem(proxyUrl: string): string | undefined {
  let scheme: string;
  try {
    scheme = new URL(proxyUrl).protocol.replace(/:$/, '');
  } catch {
    return `could not parse: ${proxyUrl}`;
  }
  return ['http', 'https', 'socks5'].includes(scheme)
    ? undefined
    : `unsupported scheme "${scheme}", must be http, https, or socks5`;
}

/** client-go's checks of the cluster a context uses, with its words. */
export function clusterProblems(cluster: KubeconfigCluster): string[] {
  const problems: string[] = [];
  if (!cluster.server) problems.push(`no server found for cluster "${cluster.name}"`);
  const proxyProblem = cluster.proxyUrl ? proxyUrlProblem(cluster.proxyUrl) : undefined;
  if (proxyProblem)
    problems.push(
      `invalid 'proxy-url' "${cluster.proxyUrl}" for cluster "${cluster.name}": ${proxyProblem}`,
    );
  if (cluster.caFile && cluster.caData)
    problems.push(
      `certificate-authority-data and certificate-authority are both specified for ${cluster.name}. certificate-authority-data will override.`,
    );
  if (cluster.caFile) {
    const reason = unreadable(cluster.caFile);
    if (reason)
      problems.push(
        `unable to read certificate-authority ${cluster.caFile} for ${cluster.name} due to ${reason}`,
      );
  }
  // client-go's transport refuses this pair rather than pick one.
  if (cluster.skipTLSVerify && (cluster.caFile || cluster.caData))
    problems.push('specifying a root certificates file with the insecure flag is not allowed');
  return problems;
}

/** client-go's checks of the user a context uses, with its words. */
export function userProblems(user: KubeconfigUser): string[] {
  const problems: string[] = [];
  const methods = [
    ...(user.token ? ['token'] : []),
    ...(user.username || user.password ? ['basicAuth'] : []),
  ];
  if (user.certFile || user.certData) {
    if (user.certFile && user.certData)
      problems.push(
        `client-cert-data and client-cert are both specified for ${user.name}. client-cert-data will override.`,
      );
    if (user.keyFile && user.keyData)
      problems.push(
        `client-key-data and client-key are both specified for ${user.name}; client-key-data will override`,
      );
    if (!user.keyFile && !user.keyData)
      problems.push(
        `client-key-data or client-key must be specified for ${user.name} to use the clientCert authentication method.`,
      );
    for (const [field, file] of [
      ['client-cert', user.certFile],
      ['client-key', user.keyFile],
    ] as const) {
      const reason = file ? unreadable(file) : undefined;
      if (reason)
        problems.push(`unable to read ${field} ${file} for ${user.name} due to ${reason}`);
    }
  }
  if (methods.length > 1)
    problems.push(
      `more than one authentication method found for ${user.name}; found [${methods.join(' ')}], only one is allowed`,
    );
  const impersonatesDetails = Boolean(
    user.impersonateUid ||
    user.impersonateGroups?.length ||
    (user.impersonateUserExtra && Object.keys(user.impersonateUserExtra).length),
  );
  if (impersonatesDetails && !user.impersonateUser)
    problems.push(
      `requesting uid, groups or user-extra for ${user.name} without impersonating a user`,
    );
  return problems;
}
