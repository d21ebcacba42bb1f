import { KubeConfig, type User } from '@kubernetes/client-node';
import type { CredentialRequest, CredentialWait, ExecCredentialCache } from './credentialCache';
import { execAuthentication, execRequestFor } from './requestAuth';

// client-node consults its own authenticators (ExecAuth claims every user with `exec`) before
// added ones, so exec users are handed over under an auth-provider name none of them claims.
const PROVIDER_NAME = 'kube-ml-shared-exec';

/**
 * A copy of `kubeConfig` whose exec users sign in through `cache` (streamed prompt, shared
 * credential, interactiveMode, cluster info) instead of client-node's ExecAuth. Every request
 * made with the copy (API clients, watches, WebSocket exec and port-forward) asks the cache.
 */
export function withSharedExecCredentials(kubeConfig: KubeConfig, cache: ExecCredentialCache, execExtensions: ReadonlyMap<string, unknown>, wait: CredentialWait = {}): KubeConfig {
  const execUsers = new Map<string, User>();
  const users = kubeConfig.getUsers().map((user): User => {
    if (!user.exec) return user;
    execUsers.set(user.name, user);
    return { ...user, exec: undefined, authProvider: { name: PROVIDER_NAME } };
  });
  const copy = new KubeConfig();
  copy.loadFromOptions({ clusters: kubeConfig.getClusters(), users, contexts: kubeConfig.getContexts(), currentContext: kubeConfig.getCurrentContext() });
  // One request per user and cluster: building it reads the cluster's CA file.
  const requests = new Map<string, CredentialRequest>();
  copy.addAuthenticator({
    isAuthProvider: (user) => (user.authProvider as { name?: unknown } | undefined)?.name === PROVIDER_NAME,
    applyAuthentication: async (user, opts) => {
      const cluster = copy.getCurrentCluster();
      const key = JSON.stringify([user.name, cluster?.name]);
      let request = requests.get(key);
      if (!request) {
        request = execRequestFor(execUsers.get(user.name)!, cluster, execExtensions);
        requests.set(key, request);
      }
      const authentication = await execAuthentication(cache, request, wait);
      opts.headers = { ...opts.headers, ...authentication.headers };
      if (authentication.cert && authentication.key) {
        opts.cert = authentication.cert;
        opts.key = authentication.key;
      }
    },
  });
  return copy;
}
