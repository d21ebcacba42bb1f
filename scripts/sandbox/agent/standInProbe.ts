// Proves kwok serves a pod's stand-ins before the pod may turn Running. kwok reads Exec and Logs
// objects through watches of its own, separate from its pod watch; after an API server restart one
// of them can lag, and an exec then fails with "no exec found for container". A real kubelet
// serves exec and logs as soon as the container runs, so the sandbox must too.
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { describeError } from './describeError';

const RETRY_MS = 250;
const DEADLINE_MS = 15_000;

class Discard extends Writable {
  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    callback();
  }
}

/** Runs `true` in the container through the API server; rejects with the server's message. */
function execTrue(
  kubeConfig: k8s.KubeConfig,
  namespace: string,
  pod: string,
  container: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error): void => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve();
    };
    new k8s.Exec(kubeConfig)
      .exec(
        namespace,
        pod,
        container,
        ['true'],
        new Discard(),
        new Discard(),
        null,
        false,
        (status) => {
          settle(
            status.status === 'Success' ? undefined : new Error(status.message ?? 'exec failed'),
          );
        },
      )
      .then((socket) =>
        socket.on('close', () => settle(new Error('the exec closed without a status'))),
      )
      .catch((error: unknown) => settle(error instanceof Error ? error : new Error(String(error))));
  });
}

async function servedOnce(
  kubeConfig: k8s.KubeConfig,
  core: k8s.CoreV1Api,
  pod: k8s.V1Pod,
): Promise<void> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  const container = pod.spec?.containers[0]?.name ?? '';
  await execTrue(kubeConfig, namespace, name, container);
  await core.readNamespacedPodLog({ name, namespace, container, limitBytes: 1 });
}

/** Waits until exec and logs of `pod` work through the API server; rejects with the last error after the deadline. */
export async function waitForStandInsServed(
  kubeConfig: k8s.KubeConfig,
  core: k8s.CoreV1Api,
  pod: k8s.V1Pod,
): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    try {
      await servedOnce(kubeConfig, core, pod);
      return;
    } catch (error) {
      if (Date.now() >= deadline)
        throw new Error(
          `kwok does not serve exec and logs of the pod yet: ${describeError(error)}`,
        );
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}
