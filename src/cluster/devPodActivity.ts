import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { toKubeMlError } from './errors';
import type { ClusterSession } from './session';
import { LAST_ACTIVITY_ANNOTATION } from './devPodContract';

/** One patch per dev pod per minute is plenty for a policy measured in tens of minutes. */
export const ACTIVITY_THROTTLE_MS = 60_000;

/**
 * Last report per session and dev pod. Keyed by the session object, so it is dropped with it; the
 * signature is a shared contract (terminals, port-forwards and attach call it), which is why this
 * state lives here rather than in a service passed in.
 */
const lastReportBySession = new WeakMap<ClusterSession, Map<string, number>>();

/**
 * Records that someone is using the dev pod (an open terminal, port-forward or attached session)
 * by setting its kube-ml.dev/last-activity annotation; the idle checker and the in-cluster reaper
 * read it. Throttled to one patch per dev pod per minute. Resolves without a patch when the dev pod
 * is stopped (no pod); rejects with a KubeMlError for any other failure, so callers should catch
 * and log it.
 */
export async function reportDevPodActivity(
  session: ClusterSession,
  namespace: string,
  devPodName: string,
  now = Date.now(),
): Promise<void> {
  let lastReports = lastReportBySession.get(session);
  if (!lastReports) {
    lastReports = new Map();
    lastReportBySession.set(session, lastReports);
  }
  const key = `${namespace}/${devPodName}`;
  const last = lastReports.get(key);
  if (last !== undefined && now - last < ACTIVITY_THROTTLE_MS) {
    return;
  }
  lastReports.set(key, now);
  try {
    await patchLastActivity(
      session.kubeConfig.makeApiClient(CoreV1Api),
      namespace,
      devPodName,
      new Date(now),
    );
  } catch (error) {
    if ((error as { code?: number }).code === 404) {
      return;
    }
    // Let the next call retry instead of waiting out the throttle after a failure.
    lastReports.delete(key);
    throw toKubeMlError(error, `record activity on dev pod ${namespace}/${devPodName}`);
  }
}

/** A merge patch of one annotation: it never touches fields other managers own. */
export async function patchLastActivity(
  core: CoreV1Api,
  namespace: string,
  devPodName: string,
  at: Date,
): Promise<void> {
  await core.patchNamespacedPod(
    {
      name: devPodName,
      namespace,
      body: { metadata: { annotations: { [LAST_ACTIVITY_ANNOTATION]: at.toISOString() } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}
