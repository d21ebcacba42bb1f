import * as vscode from 'vscode';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { KubeMlError } from '../cluster/errors';
import { DEV_POD_LABEL } from '../cluster/devPodContract';
import type { ClusterSession } from '../cluster/session';
import type { Services } from '../common/services';
import {
  applyEndpoint,
  deployAccessQueries,
  detectKServe,
  type EndpointBackend,
} from './endpointApi';
import type { EndpointInfo, EndpointStore } from './endpointStore';
import type { EndpointFile, ModelSource } from './model/endpointFile';
import { deployableGpus } from './model/freeGpus';
import type { RolloutStatus } from './model/rollout';
import type { EndpointSpec, ModelVolume } from './model/spec';
import { COPY_SCRIPT, formatBytes, stagingPath } from './model/uploadPlan';
import { devPodModelVolume, listDevPods } from './modelSources';
import { ensureApiKeySecret } from './apiKey';
import {
  describeUpload,
  ensureModelVolume,
  scanLocalModel,
  startUploaderPod,
  uploadModel,
  type ScannedModel,
} from './modelUpload';
import { waitForRollout } from './rolloutTracker';
import { runTextCommand } from '../cluster/exec';

/** What to deploy: the spec (namespace defaults to the session's) and where the model comes from. */
export interface DeployRequest {
  readonly spec: EndpointFile['spec'];
  readonly source: ModelSource;
  /** Folder local source paths are relative to (the workspace folder holding .kubeml/). */
  readonly baseFolder?: string;
  /** Shown the files a local model would upload; nothing is uploaded unless it resolves true. */
  readonly confirmUpload?: (folder: string, model: ScannedModel) => Promise<boolean>;
}

export interface DeployResult {
  readonly spec: EndpointSpec;
  readonly backend: EndpointBackend;
  readonly rollout?: RolloutStatus;
}

type Progress = vscode.Progress<{ message?: string; increment?: number }>;

export function modelClaimName(endpointName: string): string {
  return `${endpointName}-model`;
}

/** Makes the model available on a volume the server can mount, uploading or copying it if needed. */
async function resolveModelVolume(
  services: Services,
  session: ClusterSession,
  request: DeployRequest,
  namespace: string,
  progress: Progress,
  token: vscode.CancellationToken,
): Promise<ModelVolume> {
  const { source, spec } = request;
  const signal = abortSignalOf(token);
  if (source.kind === 'volume')
    return { claimName: source.claimName, path: source.path, readOnly: source.readOnly };
  const claimName = modelClaimName(spec.name);
  const targetPath = `models/${spec.name}`;
  await session.requireAccess({ verb: 'create', resource: 'persistentvolumeclaims', namespace });
  await session.requireAccess({ verb: 'create', resource: 'pods', namespace });
  await session.requireAccess({ verb: 'create', resource: 'pods', subresource: 'exec', namespace });

  if (source.kind === 'devPod') {
    const pod = (await listDevPods(session.kubeConfig, namespace)).find(
      (candidate) => candidate.metadata?.labels?.[DEV_POD_LABEL] === source.devPod,
    );
    if (!pod)
      throw new KubeMlError(
        'notFound',
        `Dev pod ${source.devPod} is not running in ${namespace}.`,
        'Resume it from the Dev Pods view, or pick another source.',
      );
    const volume = devPodModelVolume(pod, source.path);
    if (!source.copy) return volume;
    progress.report({
      message: `Copying ${source.path} from dev pod ${source.devPod} into volume ${claimName}...`,
    });
    await ensureModelVolume(session.kubeConfig, {
      namespace,
      claimName,
      endpointName: spec.name,
      minBytes: 0,
      storageClass: services.settings.defaultStorageClass(),
    });
    const uploader = await startUploaderPod(session.kubeConfig, namespace, claimName, signal, {
      claimName: volume.claimName,
      mountPath: '/source',
    });
    try {
      const sourcePath = volume.path ? `/source/${volume.path}` : '/source';
      const result = await runTextCommand(
        session.kubeConfig,
        uploader.target,
        ['sh', '-c', COPY_SCRIPT, 'sh', sourcePath, stagingPath(targetPath), targetPath],
        { signal, operation: `copy the model from dev pod ${source.devPod}` },
      );
      if (result.exitCode !== 0)
        throw new KubeMlError(
          'unknown',
          `Copying the model failed: ${result.stderr.trim() || result.message}`,
          'Check the path exists in the dev pod and the model volume has room.',
        );
    } finally {
      uploader.dispose();
    }
    return { claimName, path: targetPath, readOnly: true };
  }

  const localPath =
    request.baseFolder && !source.path.startsWith('/')
      ? vscode.Uri.joinPath(vscode.Uri.file(request.baseFolder), source.path).fsPath
      : source.path;
  const isFile = (await stat(localPath)).isFile();
  progress.report({ message: `Checksumming ${basename(localPath)}...` });
  const model = await scanLocalModel(localPath, signal, (file) =>
    progress.report({ message: `Checksumming ${file}...` }),
  );
  if (model.leftOut.length > 0)
    services.output.warn(
      `Not uploaded from ${localPath}: ${model.leftOut.map((file) => `${file.path} (${file.reason})`).join(', ')}`,
    );
  if (request.confirmUpload && !(await request.confirmUpload(localPath, model)))
    throw new KubeMlError('cancelled', `Not deployed: ${spec.name}.`);
  await ensureModelVolume(session.kubeConfig, {
    namespace,
    claimName,
    endpointName: spec.name,
    minBytes: model.totalBytes,
    storageClass: services.settings.defaultStorageClass(),
  });
  progress.report({ message: `Starting the uploader pod for volume ${claimName}...` });
  const uploader = await startUploaderPod(session.kubeConfig, namespace, claimName, signal);
  const started = Date.now();
  let reported = 0;
  try {
    const result = await uploadModel(session.kubeConfig, uploader.target, model, targetPath, {
      signal,
      log: services.output,
      onProgress: (next) => {
        if (next.phase !== 'sending') {
          progress.report({
            message:
              next.phase === 'checking'
                ? 'Checking what is already uploaded...'
                : next.phase === 'publishing'
                  ? 'Publishing the verified model...'
                  : 'Uploaded.',
          });
          return;
        }
        const percent = next.bytesToSend > 0 ? (next.sentBytes / next.bytesToSend) * 100 : 100;
        const speed = next.sentBytes / Math.max(0.001, (Date.now() - started) / 1000);
        progress.report({
          increment: Math.max(0, percent - reported),
          message: `Uploading ${next.currentFile ?? ''}: ${formatBytes(next.sentBytes)} of ${formatBytes(next.bytesToSend)} (${formatBytes(speed)}/s)${next.skippedFiles > 0 ? `, ${next.skippedFiles} verified file(s) skipped` : ''}`,
        });
        reported = percent;
      },
    });
    services.output.info(describeUpload(result));
  } finally {
    uploader.dispose();
  }
  return {
    claimName,
    path: isFile ? `${targetPath}/${basename(localPath)}` : targetPath,
    readOnly: true,
  };
}

function abortSignalOf(token: vscode.CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

/**
 * Deploys: checks permissions, gets the model onto a volume, applies the objects with server-side
 * apply, then follows the rollout in the same notification until it is Available or fails with
 * an explanation. Resolves once the Endpoints view lists the endpoint.
 */
export async function deployEndpoint(
  services: Services,
  store: EndpointStore,
  request: DeployRequest,
): Promise<DeployResult> {
  const session = services.connection.requireSession();
  const namespace = request.spec.namespace ?? session.namespace;
  let backend: EndpointBackend = 'deployment';
  if (request.spec.preferKServe) {
    if (await detectKServe(session.kubeConfig)) backend = 'kserve';
    else
      services.output.warn(
        'KServe was requested but the cluster serves no serving.kserve.io/v1beta1 API; deploying a Deployment instead.',
      );
  }
  const draft = {
    ...request.spec,
    namespace,
    model: { claimName: modelClaimName(request.spec.name), path: '', readOnly: true },
  } as EndpointSpec;
  for (const query of deployAccessQueries(draft, backend)) await session.requireAccess(query);

  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Deploying ${request.spec.name}`,
      cancellable: true,
    },
    async (progress, token) => {
      const model = await resolveModelVolume(
        services,
        session,
        request,
        namespace,
        progress,
        token,
      );
      const spec: EndpointSpec = { ...draft, model };
      if (spec.apiKeySecret)
        await ensureApiKeySecret(session.kubeConfig, namespace, spec.apiKeySecret, spec.name);
      progress.report({ message: 'Applying the endpoint (server-side apply)...' });
      const applied = await applyEndpoint(session.kubeConfig, spec, backend);
      services.output.info(`Applied ${applied.objects.join(', ')} in ${namespace}.`);
      if (backend === 'kserve') {
        store.refresh();
        return { spec, backend };
      }
      const rollout = await waitForRollout(session.kubeConfig, namespace, spec.name, {
        timeoutMs: 30 * 60 * 1000,
        signal: abortSignalOf(token),
        freeGpus: () => deployableGpus(session.nodes.list(), session.pods.list()),
        onStatus: (status) => progress.report({ message: status.summary }),
        log: services.output,
      });
      await waitForListing(store, `${namespace}/${spec.name}`);
      if (rollout.phase === 'failed') {
        const problem = rollout.problems[0];
        throw new KubeMlError(
          problem?.kind === 'insufficientGpu' ? 'noGpuCapacity' : 'unknown',
          `Endpoint ${spec.name} did not become available: ${problem?.message ?? rollout.summary}`,
          problem?.hint,
          rollout.problems.map((each) => `${each.kind}: ${each.message}`).join('\n'),
        );
      }
      void vscode.window
        .showInformationMessage(
          `Endpoint ${spec.name} is available (${rollout.available}/${rollout.desired} replicas).`,
          'Open Playground',
        )
        .then((choice) => {
          if (choice)
            void vscode.commands.executeCommand(
              'kubeMl.openPlayground',
              store.get(`${namespace}/${spec.name}`),
            );
        });
      return { spec, backend, rollout };
    },
  );
}

/** Waits (briefly) until the store's watch has delivered the endpoint. */
function waitForListing(store: EndpointStore, id: string): Promise<EndpointInfo | undefined> {
  if (store.get(id)) return Promise.resolve(store.get(id));
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(undefined), 10_000);
    const subscription = store.onDidChange(() => {
      if (store.get(id)) finish(store.get(id));
    });
    function finish(value: EndpointInfo | undefined) {
      clearTimeout(timer);
      subscription.dispose();
      resolve(value);
    }
  });
}
