/**
 * The one error path: every API, network or input failure becomes a KubeMlError that says what
 * happened, why, and what to do. Pure (no vscode import) so it is unit-testable.
 */
export type ErrorKind =
  | 'noKubeconfig'
  | 'malformedKubeconfig'
  | 'noCluster'
  | 'unreachable'
  | 'tls'
  | 'unauthorized'
  | 'forbidden'
  | 'authPluginMissing'
  /** The exec credential plugin ran but gave no usable credential. */
  | 'authPluginFailed'
  | 'notFound'
  | 'conflict'
  | 'quotaExceeded'
  | 'podSecurity'
  | 'untrustedWorkspace'
  | 'invalidInput'
  | 'noGpuCapacity'
  | 'timeout'
  | 'streamEnded'
  | 'cancelled'
  | 'unknown';

export class KubeMlError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** One sentence for the user: what happened. */
    readonly summary: string,
    /** What to do about it. */
    readonly hint?: string,
    /** Technical detail for the output channel (never credentials). */
    readonly detail?: string,
  ) {
    super(hint ? `${summary} ${hint}` : summary);
    this.name = 'KubeMlError';
  }
}

/** Also true for a KubeMlError made by another bundle's copy of this module (the tests' bundle). */
export function isKubeMlError(error: unknown): error is KubeMlError {
  if (error instanceof KubeMlError) return true;
  const candidate = error as { name?: unknown; kind?: unknown; summary?: unknown } | null;
  return (
    error instanceof Error &&
    candidate?.name === 'KubeMlError' &&
    typeof candidate.kind === 'string' &&
    typeof candidate.summary === 'string'
  );
}

interface StatusBody {
  message?: string;
  reason?: string;
  code?: number;
  details?: { kind?: string; name?: string; causes?: { message?: string; field?: string }[] };
}

function parseStatusBody(body: unknown): StatusBody | undefined {
  if (body && typeof body === 'object') {
    return body as StatusBody;
  }
  if (typeof body === 'string' && body.trim().startsWith('{')) {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function statusCodeOf(error: unknown): number | undefined {
  const candidate = error as {
    code?: unknown;
    statusCode?: unknown;
    response?: { statusCode?: unknown };
  };
  for (const value of [candidate?.code, candidate?.statusCode, candidate?.response?.statusCode]) {
    if (typeof value === 'number' && value >= 100 && value < 600) {
      return value;
    }
  }
  // ws refusing a WebSocket upgrade (exec, attach) says only this.
  const upgrade = /Unexpected server response: (\d{3})\b/.exec(messageOf(error));
  return upgrade ? Number(upgrade[1]) : undefined;
}

function systemCodeOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A WebSocket that cannot connect (exec, attach) rejects with ws's ErrorEvent, whose socket error
 * (ECONNREFUSED, ...) sits behind a getter that JSON cannot see: use that error instead.
 */
function socketErrorOf(error: unknown): unknown {
  const inner =
    !(error instanceof Error) && error && typeof error === 'object'
      ? (error as { error?: unknown }).error
      : undefined;
  return inner instanceof Error ? inner : error;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return typeof error === 'string' ? error : JSON.stringify(error);
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** A message mentioning a missing exec credential plugin, as client-node reports it. */
function missingAuthPlugin(message: string): string | undefined {
  const spawn = /spawn (\S+) ENOENT/.exec(message);
  if (spawn) {
    return spawn[1];
  }
  const plugin =
    /(aws|gke-gcloud-auth-plugin|kubelogin|aws-iam-authenticator|oci|doctl)\b.*(not found|ENOENT)/i.exec(
      message,
    );
  return plugin?.[1];
}

/**
 * Translates any failure of `operation` ("list nodes", "create pod ml-team/dev-alice") into a
 * KubeMlError. Already-translated errors pass through unchanged.
 */
export function toKubeMlError(thrown: unknown, operation: string): KubeMlError {
  if (isKubeMlError(thrown)) {
    return thrown;
  }
  const error = socketErrorOf(thrown);
  const message = messageOf(error);
  const status = statusCodeOf(error);
  const body = parseStatusBody((error as { body?: unknown })?.body);
  const serverMessage = body?.message ?? message;
  const detail = `${operation}: ${serverMessage}`;

  if ((error as { name?: string })?.name === 'AbortError') {
    return new KubeMlError('cancelled', `Cancelled: ${operation}.`, undefined, detail);
  }
  const plugin = missingAuthPlugin(message);
  if (plugin) {
    return new KubeMlError(
      'authPluginMissing',
      `Could not ${operation}: the credential plugin "${plugin}" named by the kubeconfig is not installed or not on PATH.`,
      `Install ${plugin} (or add its folder to PATH for VS Code) and try again.`,
      detail,
    );
  }
  switch (status) {
    case 401:
      return new KubeMlError(
        'unauthorized',
        `Could not ${operation}: the cluster rejected your credentials (401 Unauthorized).`,
        'Your token or certificate has probably expired: log in again (refresh the kubeconfig) and retry.',
        detail,
      );
    case 403: {
      if (/violates PodSecurity/i.test(serverMessage)) {
        return new KubeMlError(
          'podSecurity',
          `Could not ${operation}: Pod Security admission refused it: ${serverMessage.replace(/^.*violates PodSecurity/i, 'violates PodSecurity')}`,
          'Keep "kubeMl.devPods.restrictedPodSecurity" on, or ask an admin to relax the namespace\'s pod-security label.',
          detail,
        );
      }
      if (/exceeded quota/i.test(serverMessage)) {
        const quota = /exceeded quota: ([^,]+)/i.exec(serverMessage)?.[1];
        return new KubeMlError(
          'quotaExceeded',
          `Could not ${operation}: it would exceed the resource quota${quota ? ` "${quota}"` : ''}: ${serverMessage.replace(/^.*exceeded quota: /i, '')}`,
          'Ask for fewer resources, free some in this namespace, or ask an admin to raise the quota.',
          detail,
        );
      }
      return new KubeMlError(
        'forbidden',
        `Could not ${operation}: forbidden by RBAC.`,
        `Ask a cluster admin to allow it. The server said: ${serverMessage}`,
        detail,
      );
    }
    case 404:
      return new KubeMlError(
        'notFound',
        `Could not ${operation}: it does not exist (404).`,
        'It may have been deleted; refresh the view.',
        detail,
      );
    case 409:
      return new KubeMlError(
        'conflict',
        `Could not ${operation}: ${serverMessage}`,
        'Someone else changed or created it first; refresh and retry.',
        detail,
      );
    case 422: {
      const causes = body?.details?.causes
        ?.map((cause) => `${cause.field ?? ''} ${cause.message ?? ''}`.trim())
        .join('; ');
      return new KubeMlError(
        'invalidInput',
        `Could not ${operation}: the cluster rejected the object as invalid${causes ? `: ${causes}` : ''}.`,
        'Fix the named fields and retry.',
        detail,
      );
    }
    case 504:
    case 408:
      return new KubeMlError(
        'timeout',
        `Could not ${operation}: the API server timed out.`,
        'Retry; if it keeps happening the cluster may be overloaded.',
        detail,
      );
  }
  const code = systemCodeOf(error);
  if (code && TLS_CODES.has(code)) {
    return new KubeMlError(
      'tls',
      `Could not ${operation}: the TLS connection to the API server failed (${code}).`,
      'Check certificate-authority-data in the kubeconfig, or that the server address matches its certificate.',
      detail,
    );
  }
  if (
    (code && NETWORK_CODES.has(code)) ||
    /ECONNREFUSED|ENOTFOUND|socket hang up|fetch failed/i.test(message)
  ) {
    return new KubeMlError(
      'unreachable',
      `Could not ${operation}: the API server cannot be reached${code ? ` (${code})` : ''}.`,
      'Check the server address in the kubeconfig, your VPN or network, and that the cluster is up. Kube ML reconnects on its own when it comes back.',
      detail,
    );
  }
  if (status !== undefined) {
    return new KubeMlError(
      'unknown',
      `Could not ${operation}: the API server answered ${status}: ${serverMessage}`,
      undefined,
      detail,
    );
  }
  return new KubeMlError('unknown', `Could not ${operation}: ${message}`, undefined, detail);
}

export function isDenial(error: KubeMlError): boolean {
  return error.kind === 'forbidden' || error.kind === 'unauthorized';
}

/**
 * A restarted API server denies requests (403, 401) until its authorizer has loaded the RBAC
 * rules: streams and watches that worked before an outage retry a denial this many times.
 */
export const DENIALS_RETRIED_AFTER_OUTAGE = 5;
