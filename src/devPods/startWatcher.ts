import {
  CoreV1Api,
  Watch,
  type CoreV1Event,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { KubeMlError, toKubeMlError } from '../cluster/errors';
import {
  applyPodEvent,
  applyPodStatus,
  autoscalerSilent,
  INITIAL_START_PROGRESS,
  isFinished,
  type StartContext,
  type StartProgress,
} from './model/startProgress';

export interface StartWatchOptions {
  readonly onProgress?: (progress: StartProgress) => void;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Whether a node autoscaler may add a node for the pod (detectNodeAutoscaler); default: none. */
  readonly context?: StartContext;
  /** How long a pod no node fits waits for an autoscaler that may not exist ('unknown'). */
  readonly autoscalerGraceMs?: number;
}

export const DEFAULT_START_TIMEOUT_MS = 10 * 60_000;
/** Cluster Autoscaler answers a pending pod within its scan interval (10 s) plus its own work. */
export const DEFAULT_AUTOSCALER_GRACE_MS = 60_000;

/**
 * Watches the pod and its Events until the start progress is finished (running or failed).
 * Resolves with the final progress; rejects with 'cancelled' when aborted and 'timeout' (naming
 * the last step seen) when the pod is neither running nor failed in time.
 */
export function watchDevPodStart(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  podUid: string,
  options: StartWatchOptions = {},
): Promise<StartProgress> {
  const watch = new Watch(kubeConfig);
  const controllers: AbortController[] = [];
  let progress = INITIAL_START_PROGRESS;
  let timer: NodeJS.Timeout | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let abortListener: (() => void) | undefined;
  const context = options.context ?? { autoscaler: 'none' };

  return new Promise<StartProgress>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: { progress: StartProgress } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      if (abortListener) options.signal?.removeEventListener('abort', abortListener);
      controllers.forEach((controller) => controller.abort());
      if ('progress' in outcome) resolve(outcome.progress);
      else reject(outcome.error);
    };
    const update = (next: StartProgress) => {
      if (next === progress) return;
      progress = next;
      options.onProgress?.(progress);
      if (isFinished(progress)) finish({ progress });
      else if (
        context.autoscaler === 'unknown' &&
        progress.awaitingAutoscaler !== undefined &&
        graceTimer === undefined
      ) {
        graceTimer = setTimeout(
          () => update(autoscalerSilent(progress)),
          options.autoscalerGraceMs ?? DEFAULT_AUTOSCALER_GRACE_MS,
        );
      }
    };
    const ended = (what: string) => (error: unknown) => {
      // A watch the server closes early (timeouts, restarts) is not the end of the start.
      if (!settled && error && (error as { name?: string }).name !== 'AbortError') {
        finish({ error: toKubeMlError(error, `watch ${what} of dev pod ${namespace}/${name}`) });
      } else if (!settled && !error) {
        startWatches([what]);
      }
    };
    const startWatches = (which: readonly string[]) => {
      if (which.includes('pod')) {
        watch
          .watch(
            `/api/v1/namespaces/${namespace}/pods`,
            { fieldSelector: `metadata.name=${name}` },
            (type: string, pod: V1Pod) => {
              if (pod.metadata?.uid !== podUid) return;
              if (type === 'DELETED') {
                update(
                  applyPodStatus(
                    progress,
                    {
                      ...pod,
                      metadata: {
                        ...pod.metadata,
                        deletionTimestamp: pod.metadata?.deletionTimestamp ?? new Date(),
                      },
                    },
                    context,
                  ),
                );
              } else {
                update(applyPodStatus(progress, pod, context));
              }
            },
            ended('pod'),
          )
          .then((controller) => controllers.push(controller), ended('pod'));
      }
      if (which.includes('events')) {
        watch
          .watch(
            `/api/v1/namespaces/${namespace}/events`,
            { fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${name}` },
            (type: string, event: CoreV1Event) => {
              // Events of the pod that had this name before Stop/Resume must not leak in.
              if (type !== 'DELETED' && event.involvedObject?.uid === podUid)
                update(applyPodEvent(progress, event, context));
            },
            ended('events'),
          )
          .then((controller) => controllers.push(controller), ended('events'));
      }
    };

    if (options.signal?.aborted) {
      finish({
        error: new KubeMlError(
          'cancelled',
          `Stopped waiting for dev pod ${namespace}/${name} to start.`,
        ),
      });
      return;
    }
    abortListener = () =>
      finish({
        error: new KubeMlError(
          'cancelled',
          `Stopped waiting for dev pod ${namespace}/${name} to start.`,
        ),
      });
    options.signal?.addEventListener('abort', abortListener);
    const timeoutMs = options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    timer = setTimeout(
      () =>
        finish({
          error: new KubeMlError(
            'timeout',
            `Dev pod ${namespace}/${name} did not start within ${Math.round(timeoutMs / 1000)} s; last step: ${progress.message}.`,
            'It may still be pulling a large image: watch it in the Dev Pods view, or stop it.',
          ),
        }),
      timeoutMs,
    );
    startWatches(['pod', 'events']);
  });
}

/** Resolves when the pod `name` (any incarnation) is gone, so a Resume can reuse the name. */
export function waitForPodGone(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const watch = new Watch(kubeConfig);
  return new Promise<void>((resolve, reject) => {
    let controller: AbortController | undefined;
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      controller?.abort();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(
      () =>
        finish(
          new KubeMlError(
            'timeout',
            `Pod ${namespace}/${name} was still terminating after ${Math.round(timeoutMs / 1000)} s.`,
            'Try again in a moment.',
          ),
        ),
      timeoutMs,
    );
    const start = () => {
      watch
        .watch(
          `/api/v1/namespaces/${namespace}/pods`,
          { fieldSelector: `metadata.name=${name}` },
          (type: string) => {
            if (type === 'DELETED') finish();
          },
          (error: unknown) => {
            if (settled) return;
            if (error && (error as { name?: string }).name !== 'AbortError')
              finish(toKubeMlError(error, `watch pod ${namespace}/${name}`));
            else if (!error) start();
          },
        )
        .then(
          (started) => {
            controller = started;
            if (settled) {
              started.abort();
              return;
            }
            // The pod may have gone before the watch began: then no DELETED event will come.
            kubeConfig
              .makeApiClient(CoreV1Api)
              .readNamespacedPod({ name, namespace })
              .catch((error: unknown) => {
                if ((error as { code?: number }).code === 404) finish();
              });
          },
          (error: unknown) => finish(toKubeMlError(error, `watch pod ${namespace}/${name}`)),
        );
    };
    start();
  });
}
