import { execFile, spawnSync } from 'node:child_process';
import { CoreV1Api } from '@kubernetes/client-node';
import { KubeMlError } from '../../src/cluster/errors';
import { ExecCredentialCache } from '../../src/cluster/execCredentials/credentialCache';
import { resolveKubeconfig } from '../../src/cluster/kubeconfigResolver';
import { sessionKubeConfig } from '../../src/cluster/sessionKubeConfig';
import type { RecordingServers, Seen } from './recordingServers';

/** How one client handled a case: the requests the servers saw, and its error if it failed. */
export interface Outcome {
  readonly seen: readonly Seen[];
  readonly error?: string;
}

/** How a case runs a client: --kubeconfig, KUBECONFIG (undefined: unset), --context, and the case's folder as HOME and working directory. */
export interface Invocation {
  readonly explicit?: string;
  readonly kubeconfigEnv?: string;
  readonly context?: string;
  readonly dir: string;
  readonly home: string;
}

/** The request both clients make: a namespaced list, as the product's views do. */
const NAMESPACE = 'conformance';
export const REQUEST_PATH = `/api/v1/namespaces/${NAMESPACE}/pods`;

export function kubectlAvailable(): string | undefined {
  const result = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  return result.status === 0
    ? undefined
    : `kubectl is not on PATH (${result.error?.message ?? result.stderr.trim()}); the conformance suite compares against it. Install kubectl 1.32 or put it on PATH.`;
}

export function opensslAvailable(): string | undefined {
  const result = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return result.status === 0
    ? undefined
    : `openssl is not on PATH (${result.error?.message ?? result.stderr.trim()}); the conformance suite makes its test CA and certificates with it.`;
}

/** kubectl in an isolated environment: only PATH, HOME and (when the case sets it) KUBECONFIG; no proxies. Asynchronous: the servers answer from this process. */
export async function runKubectl(
  servers: RecordingServers,
  invocation: Invocation,
): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: invocation.home };
  if (invocation.kubeconfigEnv !== undefined) env.KUBECONFIG = invocation.kubeconfigEnv;
  const args = ['get', '--raw', REQUEST_PATH, '--cache-dir', `${invocation.home}/cache`];
  if (invocation.explicit !== undefined) args.push('--kubeconfig', invocation.explicit);
  if (invocation.context !== undefined) args.push('--context', invocation.context);
  servers.take();
  const error = await new Promise<string | undefined>((resolve) => {
    const child = execFile(
      'kubectl',
      args,
      { cwd: invocation.dir, env, encoding: 'utf8', timeout: 30_000 },
      (failure, _stdout, stderr) =>
        resolve(failure ? (stderr || failure.message).trim() : undefined),
    );
    // Nothing to read: kubectl asks for a username and password on a terminal when a context has no user.
    child.stdin?.end();
  });
  // kubectl also asks for /version (its version-skew warning): not a kubeconfig question.
  const seen = servers.take().filter((request) => request.path.endsWith(REQUEST_PATH));
  return error === undefined ? { seen } : { seen, error };
}

function messageOf(error: unknown): string {
  if (error instanceof KubeMlError) return error.summary;
  const cause = (error as { cause?: unknown }).cause;
  return `${(error as Error).message}${cause instanceof Error ? ` (${cause.message})` : ''}`;
}

/** Our side, built exactly as a session is: resolveKubeconfig, then sessionKubeConfig, then an API client. */
export async function runOurs(servers: RecordingServers, invocation: Invocation): Promise<Outcome> {
  servers.take();
  try {
    const resolved = resolveKubeconfig({
      settingPath: invocation.explicit,
      env: invocation.kubeconfigEnv === undefined ? {} : { KUBECONFIG: invocation.kubeconfigEnv },
      homeDir: invocation.home,
      cwd: invocation.dir,
    });
    const contextName = invocation.context ?? resolved.kubeConfig.getCurrentContext();
    const config = sessionKubeConfig(resolved, contextName, new ExecCredentialCache(), {});
    await config.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: NAMESPACE });
    return { seen: servers.take() };
  } catch (error) {
    return { seen: servers.take(), error: messageOf(error) };
  }
}
