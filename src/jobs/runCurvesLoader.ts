import { CoreV1Api } from '@kubernetes/client-node';
import { toKubeMlError } from '../cluster/errors';
import { curvesFromLog } from './model/runCurves';
import { runPodSelector } from './model/manifests';
import type { RunCurves } from '../webviews/runCompare/protocol';
import { rankZeroPod, readPodLog, type RunRef } from './runActions';
import type { SubmitSession } from './submit';

/** Curves of each run from its rank-0 pod's log; a run without pods or logs gets a note instead. */
export async function loadRunCurves(
  session: SubmitSession,
  runs: readonly RunRef[],
): Promise<RunCurves[]> {
  const core = session.kubeConfig.makeApiClient(CoreV1Api);
  return Promise.all(
    runs.map(async (run): Promise<RunCurves> => {
      let pods;
      try {
        pods = (
          await core.listNamespacedPod({
            namespace: run.namespace,
            labelSelector: runPodSelector(run.runtime, run.name),
          })
        ).items;
      } catch (error) {
        throw toKubeMlError(error, `list pods of run ${run.namespace}/${run.name}`);
      }
      const pod = rankZeroPod(pods);
      if (!pod) {
        return {
          run: run.name,
          source: '',
          metrics: {},
          note: 'no pods left (they were deleted, or the run never started)',
        };
      }
      if (pod.status?.phase === 'Pending') {
        return {
          run: run.name,
          source: pod.metadata?.name ?? '',
          metrics: {},
          note: 'the run has not started yet',
        };
      }
      const text = await readPodLog(session, pod);
      return curvesFromLog(run.name, pod.metadata?.name ?? '', text);
    }),
  );
}
