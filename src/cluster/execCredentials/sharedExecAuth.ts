import {
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  ServerConfiguration,
  createConfiguration,
  type ApiConstructor,
  type ApiType,
  type Cluster,
  type Context,
  type User,
} from '@kubernetes/client-node';
import { toKubeMlError } from '../errors';
import type { KubeconfigUser } from '../kubeconfigEntries';
import { kubeconfigHeaders, sendRepeatedHeaders, type HeaderValues } from '../kubeconfigHeaders';
import type { CredentialRequest, ExecCredentialCache } from './credentialCache';
import type { ExecCredential } from './execCredential';
import { execAuthentication, execRequestFor } from './requestAuth';
import { retryUnauthorizedOnce } from './unauthorizedRetry';

// client-node consults its own authenticators (ExecAuth claims every user with `exec`) before
// added ones, so exec users are handed over under an auth-provider name none of them claims.
const PROVIDER_NAME = 'kube-ml-shared-exec';
// Users with a token, a tokenFile, a certificate or nothing: their headers are client-go's
// (kubeconfigHeaders), which client-node would otherwise override with `token`.
const KUBECONFIG_PROVIDER_NAME = 'kube-ml-kubeconfig';

/** The parts of a kubeconfig a session needs, its current context chosen. */
export interface SessionConfigOptions {
  readonly clusters: Cluster[];
  readonly users: User[];
  readonly contexts: Context[];
  readonly currentContext: string;
}

interface Sent {
  readonly request: CredentialRequest;
  readonly credential: ExecCredential;
}

/**
 * A KubeConfig whose exec users sign in through `cache` (streamed prompt, one credential shared
 * by every session, interactiveMode, cluster info) instead of client-node's ExecAuth. Every request
 * made with it (API clients, watches, WebSocket exec and port-forward) asks the cache; a 401 makes
 * the credential it carried stale (`rejectCredentials`), and its API clients retry such a request
 * once with a new one.
 */
export class SharedExecKubeConfig extends KubeConfig {
  private readonly execUsers = new Map<string, User>();
  /** Each user as the kubeconfig wrote it, for the headers client-node does not send. */
  private readonly kubeconfigUsers = new Map<string, KubeconfigUser>();
  /** One request per user and cluster: building it reads the cluster's CA file. */
  private readonly requests = new Map<string, CredentialRequest>();
  /** What each exec user last sent, per user and cluster. */
  private readonly sent = new Map<string, Sent>();

  constructor(
    options: SessionConfigOptions,
    private readonly cache: ExecCredentialCache,
    private readonly execExtensions: ReadonlyMap<string, unknown>,
  ) {
    super();
    const users = options.users.map((user): User => {
      this.kubeconfigUsers.set(user.name, user);
      if (user.exec) {
        this.execUsers.set(user.name, user);
        return { ...user, exec: undefined, authProvider: { name: PROVIDER_NAME } };
      }
      return user.authProvider
        ? user
        : { ...user, token: undefined, authProvider: { name: KUBECONFIG_PROVIDER_NAME } };
    });
    // client-node refuses http:// servers unless TLS verification is off, which means nothing for
    // them; kubectl talks to them as written.
    const clusters = options.clusters.map((cluster) =>
      cluster.server.startsWith('http:') ? { ...cluster, skipTLSVerify: true } : cluster,
    );
    this.loadFromOptions({ ...options, clusters, users });
    this.addAuthenticator({
      isAuthProvider: (user) =>
        (user.authProvider as { name?: unknown } | undefined)?.name === KUBECONFIG_PROVIDER_NAME,
      applyAuthentication: (user, opts) => {
        opts.headers = { ...opts.headers, ...this.kubeconfigHeadersOf(user.name, true) };
        return Promise.resolve();
      },
    });
    this.addAuthenticator({
      isAuthProvider: (user) =>
        (user.authProvider as { name?: unknown } | undefined)?.name === PROVIDER_NAME,
      applyAuthentication: async (user, opts) => {
        const key = this.requestKey(user.name);
        const request = this.requestFor(key, user.name);
        const authentication = await execAuthentication(this.cache, request);
        this.sent.set(key, { request, credential: authentication.credential });
        opts.headers = {
          ...opts.headers,
          ...this.kubeconfigHeadersOf(user.name, false),
          ...authentication.headers,
        };
        if (authentication.cert && authentication.key) {
          opts.cert = authentication.cert;
          opts.key = authentication.key;
        }
      },
    });
  }

  /**
   * The server answered 401 to the current user: forget the credential it carried, so the next
   * request runs the plugin again. False when there is nothing to refresh (not an exec user, or
   * nothing sent yet): retrying would get the same answer.
   */
  rejectCredentials(): boolean {
    const user = this.getCurrentUser();
    const sent = user ? this.sent.get(this.requestKey(user.name)) : undefined;
    if (!sent) return false;
    this.cache.invalidate(sent.request, sent.credential);
    return true;
  }

  override makeApiClient<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    const cluster = this.getCurrentCluster();
    if (!cluster) throw new Error('No active cluster!');
    return new apiClientType(
      createConfiguration({
        baseServer: new ServerConfiguration(cluster.server, {}),
        authMethods: { default: this },
        httpApi: retryUnauthorizedOnce(
          sendRepeatedHeaders(new IsomorphicFetchHttpLibrary(), () =>
            this.kubeconfigHeadersOf(this.getCurrentUser()?.name, false),
          ),
          this,
        ),
      }),
    );
  }

  private kubeconfigHeadersOf(userName: string | undefined, withToken: boolean): HeaderValues {
    const user = userName === undefined ? undefined : this.kubeconfigUsers.get(userName);
    return user ? kubeconfigHeaders(user, this.getCurrentCluster(), withToken) : {};
  }

  private requestKey(userName: string): string {
    return JSON.stringify([userName, this.getCurrentCluster()?.name]);
  }

  private requestFor(key: string, userName: string): CredentialRequest {
    let request = this.requests.get(key);
    if (!request) {
      request = execRequestFor(
        this.execUsers.get(userName)!,
        this.getCurrentCluster(),
        this.execExtensions,
      );
      this.requests.set(key, request);
    }
    return request;
  }
}

/** Forgets the credential a 401 refused, when `kubeConfig` can get another; see SharedExecKubeConfig. */
export function rejectCredentials(kubeConfig: KubeConfig): boolean {
  return kubeConfig instanceof SharedExecKubeConfig && kubeConfig.rejectCredentials();
}

/**
 * Runs `attempt` (a stream or tunnel to open); when the server refuses its credential and a new one
 * can be fetched, runs it once more with the new one, as client-go does. A second 401 is thrown.
 */
export async function retryWithFreshCredentials<T>(
  kubeConfig: KubeConfig,
  attempt: () => Promise<T>,
): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (toKubeMlError(error, 'connect').kind !== 'unauthorized' || !rejectCredentials(kubeConfig))
      throw error;
    return attempt();
  }
}
