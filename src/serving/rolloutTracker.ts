import type { CoreV1Event, KubeConfig, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { KubeMlError } from '../cluster/errors';
import type { Disposable } from '../cluster/session';
import { DisposableStore } from '../cluster/disposableStore';
import { KubeWatchCache } from '../cluster/watchCache';
import { podSelectorOf } from './model/labels';
import { interpretRollout, type FreeGpus, type RolloutStatus } from './model/rollout';
import { deploymentSource, eventSource, selectedPodSource } from './watchSources';
import type { Log } from '../cluster/log';

export interface RolloutTrackerOptions {
  /** Free GPUs right now, so "insufficient GPUs" can say where GPUs are free. */
  readonly freeGpus?: () => FreeGpus;
  readonly log?: Log;
}

/**
 * Follows one endpoint's rollout from watches on its Deployment, its pods and Warning events,
 * calling `onStatus` with the interpreted status whenever any of them changes.
 */
export function trackRollout(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  onStatus: (status: RolloutStatus) => void,
  options: RolloutTrackerOptions = {},
): Disposable {
  const selector = podSelectorOf(name);
  const cacheOptions = { log: options.log, batchMs: 50 };
  const owned = new DisposableStore();
  const deployments = owned.add(
    new KubeWatchCache<V1Deployment>(
      deploymentSource(kubeConfig, namespace, selector),
      cacheOptions,
    ),
  );
  const pods = owned.add(
    new KubeWatchCache<V1Pod>(selectedPodSource(kubeConfig, namespace, selector), cacheOptions),
  );
  const events = owned.add(
    new KubeWatchCache<CoreV1Event>(eventSource(kubeConfig, namespace), cacheOptions),
  );
  const emit = () => {
    if (owned.isDisposed) return;
    const deployment = deployments.get(namespace, name);
    if (!deployment) return;
    onStatus(
      interpretRollout({
        deployment,
        pods: pods.list(),
        events: events.list(),
        freeGpus: options.freeGpus?.(),
      }),
    );
  };
  for (const cache of [deployments, pods, events]) owned.add(cache.onDidChange(emit));
  void Promise.all([deployments.ready, pods.ready, events.ready]).then(emit, () => undefined);
  return owned;
}

/**
 * Resolves with the first status whose phase is in `until` (default: available or failed); rejects
 * on timeout or abort. `onStatus` sees every intermediate status (for progress reporting).
 */
export function waitForRollout(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  options: RolloutTrackerOptions & {
    timeoutMs: number;
    signal?: AbortSignal;
    until?: readonly RolloutStatus['phase'][];
    onStatus?: (status: RolloutStatus) => void;
  },
): Promise<RolloutStatus> {
  const until = options.until ?? ['available', 'failed'];
  return new Promise<RolloutStatus>((resolve, reject) => {
    let last: RolloutStatus | undefined;
    const finish = (action: () => void) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      tracker.dispose();
      action();
    };
    const onAbort = () =>
      finish(() =>
        reject(
          new KubeMlError(
            'cancelled',
            `Stopped following the rollout of ${name}.`,
            'The rollout continues on the cluster; the Endpoints view shows its state.',
          ),
        ),
      );
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new KubeMlError(
              'timeout',
              `The rollout of ${name} did not finish within ${Math.round(options.timeoutMs / 1000)} s: ${last?.summary ?? 'no status yet'}.`,
              'It may still be loading the model; the Endpoints view keeps showing its state.',
            ),
          ),
        ),
      options.timeoutMs,
    );
    const tracker = trackRollout(
      kubeConfig,
      namespace,
      name,
      (status) => {
        last = status;
        options.onStatus?.(status);
        if (until.includes(status.phase)) finish(() => resolve(status));
      },
      options,
    );
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
