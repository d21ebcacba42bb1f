import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { KubeMlError, toKubeMlError } from './errors';
import type { AccessQuery } from './session';

/**
 * Permission checks through SelfSubjectAccessReview, answered from a short-lived cache: menus and
 * commands ask the same few questions many times a minute, and RBAC changes are rare.
 */
export type AccessReviewer = (query: AccessQuery) => Promise<boolean>;

/** "list pods in namespace kube-system", "list nodes (cluster-wide)", "create pods/exec in namespace ml-team". */
export function describeAccess(query: AccessQuery): string {
  const resource = `${query.group ? `${query.resource}.${query.group}` : query.resource}${query.subresource ? `/${query.subresource}` : ''}${query.name ? ` "${query.name}"` : ''}`;
  return `${query.verb} ${resource} ${query.namespace ? `in namespace ${query.namespace}` : '(cluster-wide)'}`;
}

export function selfSubjectAccessReviewer(kubeConfig: KubeConfig): AccessReviewer {
  const authorization = kubeConfig.makeApiClient(AuthorizationV1Api);
  return async (query) => {
    try {
      const review = await authorization.createSelfSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              verb: query.verb,
              resource: query.resource,
              group: query.group ?? '',
              namespace: query.namespace,
              subresource: query.subresource,
              name: query.name,
            },
          },
        },
      });
      return review.status?.allowed === true;
    } catch (error) {
      throw toKubeMlError(error, `check whether you may ${describeAccess(query)}`);
    }
  };
}

export interface AccessCheckerOptions {
  readonly ttlMs?: number;
  readonly now?: () => number;
}

export class AccessChecker {
  private readonly answers = new Map<string, { expires: number; allowed: Promise<boolean> }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly review: AccessReviewer,
    options: AccessCheckerOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether the current identity may do `query`; failures of the review itself reject (not cached). */
  can(query: AccessQuery): Promise<boolean> {
    const key = JSON.stringify([
      query.verb,
      query.group ?? '',
      query.resource,
      query.subresource ?? '',
      query.namespace ?? '',
      query.name ?? '',
    ]);
    const now = this.now();
    const cached = this.answers.get(key);
    if (cached && cached.expires > now) {
      return cached.allowed;
    }
    const allowed = this.review(query);
    this.answers.set(key, { expires: now + this.ttlMs, allowed });
    allowed.catch(() => {
      if (this.answers.get(key)?.allowed === allowed) this.answers.delete(key);
    });
    return allowed;
  }

  async requireAccess(query: AccessQuery): Promise<void> {
    if (!(await this.can(query))) {
      throw forbiddenError(query);
    }
  }
}

export function forbiddenError(query: AccessQuery): KubeMlError {
  return new KubeMlError(
    'forbidden',
    `You are not allowed to ${describeAccess(query)}.`,
    `Ask a cluster admin for RBAC permission to ${query.verb} ${query.subresource ? `${query.resource}/${query.subresource}` : query.resource}${query.namespace ? ` in ${query.namespace}` : ''}, or switch to a namespace where you have it.`,
  );
}

/**
 * Waits for a watch cache's first list: true once it holds its objects, false when RBAC forbids
 * listing them (a namespace-only user and nodes); any other failure is thrown.
 */
export async function listAllowed(
  cache: { readonly ready: Promise<void> },
  operation: string,
): Promise<boolean> {
  try {
    await cache.ready;
    return true;
  } catch (error) {
    if (toKubeMlError(error, operation).kind !== 'forbidden') throw error;
    return false;
  }
}
