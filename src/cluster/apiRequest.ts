// Raw requests to the API server outside client-node's typed clients (log and proxy streams, the
// port-forward upgrade): the URL from the current context, its credentials, its error bodies.
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeMlError } from './errors';

/** `apiPath` on the current context's API server. */
export function apiServerUrl(kubeConfig: KubeConfig, apiPath: string, operation: string): URL {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster)
    throw new KubeMlError(
      'noCluster',
      `Could not ${operation}: the kubeconfig has no current cluster.`,
      'Pick another context.',
    );
  return new URL(cluster.server.replace(/\/+$/, '') + apiPath);
}

/** A request to `apiPath` carrying the kubeconfig's credentials (certificate, token or exec plugin); not yet ended. */
export async function apiRequest(
  kubeConfig: KubeConfig,
  apiPath: string,
  operation: string,
  options: https.RequestOptions,
): Promise<http.ClientRequest> {
  const url = apiServerUrl(kubeConfig, apiPath, operation);
  const withCredentials: https.RequestOptions = { headers: {}, ...options };
  await kubeConfig.applyToHTTPSOptions(withCredentials);
  if (url.protocol === 'http:') {
    delete withCredentials.agent;
    return http.request(url, withCredentials);
  }
  return https.request(url, withCredentials);
}

/** The start of an error response's body (the API server's Status), for the error message. */
export function readErrorBody(
  response: http.IncomingMessage,
  maxChars: number,
  done: (body: string) => void,
): void {
  let body = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => (body = (body + chunk).slice(0, maxChars)));
  response.on('end', () => done(body));
  response.on('error', () => done(body));
}
