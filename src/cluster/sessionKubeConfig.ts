import { KubeMlError } from './errors';
import type { ExecCredentialCache } from './execCredentials/credentialCache';
import { SharedExecKubeConfig } from './execCredentials/sharedExecAuth';
import type { KubeconfigUser } from './kubeconfigEntries';
import { checkExecPlugin, type ResolvedKubeconfig } from './kubeconfigResolver';
import { clusterProblems, userProblems } from './kubeconfigValidation';

/** Like client-go, no credential travels to an http:// server; impersonation does. */
function withoutCredentials(user: KubeconfigUser): KubeconfigUser {
  const { name, impersonateUser, impersonateUid, impersonateGroups, impersonateUserExtra } = user;
  return { name, impersonateUser, impersonateUid, impersonateGroups, impersonateUserExtra };
}

/**
 * The KubeConfig every request of a context's session is made with: a private copy of the
 * resolved kubeconfig (its current context must not move when another session opens), checked
 * first, so a context that cannot work as written fails with a KubeMlError before any request.
 */
export function sessionKubeConfig(
  resolved: ResolvedKubeconfig,
  contextName: string,
  credentials: ExecCredentialCache,
  env: NodeJS.ProcessEnv = process.env,
): SharedExecKubeConfig {
  const kubeConfig = resolved.kubeConfig;
  const context = kubeConfig.getContextObject(contextName);
  if (!context) {
    throw new KubeMlError(
      'malformedKubeconfig',
      `The kubeconfig has no context "${contextName}".`,
      'Fix the kubeconfig or choose another context.',
    );
  }
  const cluster = kubeConfig.getCluster(context.cluster);
  if (!cluster) {
    throw new KubeMlError(
      'malformedKubeconfig',
      `Context "${contextName}" names the cluster "${context.cluster}", which the kubeconfig does not define.`,
      'Fix the kubeconfig or choose another context.',
    );
  }
  const user = kubeConfig.getUser(context.user);
  if (!user) {
    throw new KubeMlError(
      'malformedKubeconfig',
      `Context "${contextName}" names the user "${context.user}", which the kubeconfig does not define.`,
      'Fix the kubeconfig or choose another context.',
    );
  }
  // kubectl checks only the entries the context uses, and refuses them with these reasons.
  const problems = [...userProblems(user), ...clusterProblems(cluster)];
  if (problems.length > 0) {
    throw new KubeMlError(
      'malformedKubeconfig',
      `Context "${contextName}" cannot be used as the kubeconfig writes it: ${problems.join('; ')}`,
      'Fix the kubeconfig as the reason says (kubectl refuses it too) or choose another context.',
    );
  }
  const pluginProblem = checkExecPlugin(kubeConfig, contextName, env);
  if (pluginProblem) {
    throw pluginProblem;
  }
  const users = cluster.server.startsWith('http:')
    ? kubeConfig
        .getUsers()
        .map((entry) => (entry.name === user.name ? withoutCredentials(entry) : entry))
    : kubeConfig.getUsers();
  return new SharedExecKubeConfig(
    {
      clusters: kubeConfig.getClusters(),
      users,
      contexts: kubeConfig.getContexts(),
      currentContext: contextName,
    },
    credentials,
    resolved.execExtensions,
  );
}
