import * as fs from 'node:fs';
import {
  wrapHttpLibrary,
  type HttpLibrary,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { KubeMlError } from './errors';
import type { KubeconfigCluster, KubeconfigUser } from './kubeconfigEntries';

export type HeaderValues = Record<string, string | string[]>;

/** Go's escaping of a header name: bytes that may not appear in one (and %) become %XX. */
function escapeHeaderKey(key: string): string {
  return [...Buffer.from(key, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9!#$&'*+.^_`|~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** A bearer token is a few kilobytes; a larger file is a wrong path, not a token. */
export const MAX_TOKEN_FILE_BYTES = 64 * 1024;

function readTokenFile(file: string): string {
  const descriptor = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_TOKEN_FILE_BYTES + 1);
    const length = fs.readSync(descriptor, buffer, 0, buffer.length, 0);
    if (length > MAX_TOKEN_FILE_BYTES)
      throw new Error(`it is larger than ${MAX_TOKEN_FILE_BYTES / 1024} KiB, which no token is`);
    return buffer.subarray(0, length).toString('utf8').trim();
  } finally {
    fs.closeSync(descriptor);
  }
}

/**
 * client-go's bearer token: tokenFile, when set and readable, wins over token (its transport
 * re-reads the file so a rotated token is picked up); trimmed as client-go trims it.
 */
function bearerToken(user: KubeconfigUser): string | undefined {
  if (!user.tokenFile) return user.token;
  try {
    return readTokenFile(user.tokenFile);
  } catch (error) {
    if (user.token) return user.token;
    throw new KubeMlError(
      'malformedKubeconfig',
      `Cannot read the tokenFile ${user.tokenFile} of the kubeconfig user "${user.name}": ${(error as Error).message}.`,
      'Fix the tokenFile path in the kubeconfig or make the file readable.',
    );
  }
}

/**
 * The headers client-go derives from a user and its cluster that client-node does not send:
 * the token (tokenFile), Impersonate-Uid, -Group and -Extra-* (repeated, one value each), and no
 * compressed answers when the cluster has disable-compression. `withToken` is false when another
 * authenticator (an exec plugin) supplies the credential.
 */
export function kubeconfigHeaders(
  user: KubeconfigUser,
  cluster: KubeconfigCluster | null,
  withToken: boolean,
): HeaderValues {
  const headers: HeaderValues = {};
  const token = withToken ? bearerToken(user) : undefined;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (user.impersonateUid) headers['Impersonate-Uid'] = user.impersonateUid;
  if (user.impersonateGroups?.length) headers['Impersonate-Group'] = [...user.impersonateGroups];
  for (const [key, values] of Object.entries(user.impersonateUserExtra ?? {}))
    headers[`Impersonate-Extra-${escapeHeaderKey(key)}`] = [...values];
  if (cluster?.disableCompression) headers['Accept-Encoding'] = 'identity';
  return headers;
}

/**
 * client-node's API clients keep one value per header name (they join a list with commas, which
 * the API server would read as one group). IsomorphicFetchHttpLibrary hands the headers to
 * node-fetch, which also takes [name, value] pairs: this sends each value of `repeated()` as its
 * own header line.
 */
export function sendRepeatedHeaders(inner: HttpLibrary, repeated: () => HeaderValues): HttpLibrary {
  return wrapHttpLibrary({
    send: (request: RequestContext): Promise<ResponseContext> => {
      const lists = Object.entries(repeated()).filter((entry): entry is [string, string[]] =>
        Array.isArray(entry[1]),
      );
      if (lists.length === 0) return inner.send(request).toPromise();
      const names = new Set(lists.map(([name]) => name.toLowerCase()));
      const pairs = [
        ...Object.entries(request.getHeaders()).filter(([name]) => !names.has(name.toLowerCase())),
        ...lists.flatMap(([name, values]) => values.map((value) => [name, value])),
      ];
      const withPairs = Object.create(request, {
        getHeaders: { value: () => pairs },
      }) as RequestContext;
      return inner.send(withPairs).toPromise();
    },
  });
}
