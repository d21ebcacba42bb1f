import * as vscode from 'vscode';
import type { ClusterSession } from '../cluster/session';
import type { Services } from '../common/services';
import { createDevPod, currentUserLabel, resumeDevPod, type StartResult } from './lifecycle';
import type { DevPodSpec } from './model/spec';

/** Runs a create or resume under a cancellable progress notification fed by the start state machine. */
export async function startWithProgress(
  title: string,
  start: (options: {
    onProgress: (message: string) => void;
    signal: AbortSignal;
  }) => Promise<StartResult>,
): Promise<StartResult> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const cancellation = token.onCancellationRequested(() => abort.abort());
      try {
        return await start({
          onProgress: (message) => progress.report({ message }),
          signal: abort.signal,
        });
      } finally {
        cancellation.dispose();
      }
    },
  );
}

export async function createWithProgress(
  services: Services,
  session: ClusterSession,
  spec: DevPodSpec,
  existingNames: readonly string[],
): Promise<StartResult> {
  const owner = await currentUserLabel(session.kubeConfig);
  const result = await startWithProgress(
    `Creating dev pod ${spec.name}`,
    ({ onProgress, signal }) =>
      createDevPod(session.kubeConfig, spec, {
        owner,
        existingNames,
        signal,
        onProgress: (step) => onProgress(step.message),
      }),
  );
  services.output.info(
    `Dev pod ${spec.namespace}/${spec.name} running on ${result.node ?? '?'}: accepted after ${result.submitMs} ms, running after ${result.runningMs} ms.`,
  );
  return result;
}

export async function resumeWithProgress(
  services: Services,
  session: ClusterSession,
  name: string,
): Promise<StartResult> {
  const owner = await currentUserLabel(session.kubeConfig);
  const result = await startWithProgress(`Resuming dev pod ${name}`, ({ onProgress, signal }) =>
    resumeDevPod(session.kubeConfig, session.namespace, name, {
      owner,
      signal,
      onProgress: (step) => onProgress(step.message),
    }),
  );
  services.output.info(
    `Dev pod ${session.namespace}/${name} resumed on ${result.node ?? '?'} after ${result.runningMs} ms.`,
  );
  return result;
}
