import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { setTimeout as wait } from 'node:timers/promises';
import { basename, join, relative, sep } from 'node:path';
import {
  CoreV1Api,
  type KubeConfig,
  type V1PersistentVolumeClaim,
  type V1Pod,
} from '@kubernetes/client-node';
import { backoffDelay } from '../cluster/backoff';
import { KubeMlError, toKubeMlError } from '../cluster/errors';
import type { LeftOutFile } from '../common/model/fileListing';
import { packRules } from '../common/model/packRules';
import { runTextCommand, type ExecTarget } from '../cluster/exec';
import { tarSize, tarStream } from '../cluster/tarArchive';
import type { Disposable } from '../cluster/session';
import { waitsForVolume } from '../cluster/schedulerMessages';
import { KubeWatchCache } from '../cluster/watchCache';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../cluster/workloadRef';
import { MODEL_VOLUME_LABEL } from './model/labels';
import {
  chunkFiles,
  DEFAULT_CHUNK_BYTES,
  filesToSend,
  formatBytes,
  LIST_CHECKSUMS_SCRIPT,
  parseChecksums,
  PUBLISH_SCRIPT,
  RECEIVE_CHUNK_SCRIPT,
  safeRelativePath,
  stagingPath,
  type LocalFile,
} from './model/uploadPlan';
import { selectedPodSource } from './watchSources';
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from '../cluster/podSecurity';
import type { Log } from '../cluster/log';

/** Labels the short-lived uploader pods; its value is unique per upload. */
export const UPLOADER_LABEL = 'kube-ml.dev/model-uploader';
const UPLOADER_IMAGE = 'busybox:1.36';
const UPLOADER_CONTAINER = 'uploader';

export interface ScannedModel {
  /** Folder the relative paths start from. */
  readonly root: string;
  readonly files: readonly LocalFile[];
  readonly totalBytes: number;
  /** Secret-looking files, caches and symbolic links that were not uploaded. */
  readonly leftOut: readonly LeftOutFile[];
}

async function sha256Of(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024, signal }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Lists a model folder (or one model file) with sizes and SHA-256 checksums. Inside a folder,
 * secret-looking files and caches (the pack rules) and symbolic links are left out and named.
 */
export async function scanLocalModel(
  path: string,
  signal?: AbortSignal,
  onFile?: (path: string) => void,
): Promise<ScannedModel> {
  const info = await stat(path);
  const root = info.isDirectory() ? path : join(path, '..');
  const rules = packRules('');
  const absolutePaths: string[] = [];
  const leftOut: LeftOutFile[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      const relativePath = relative(root, full).split(sep).join('/');
      const reason = entry.isSymbolicLink()
        ? 'link'
        : rules.leftOut(relativePath, entry.isDirectory());
      if (reason) leftOut.push({ path: relativePath, reason });
      else if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) absolutePaths.push(full);
    }
  };
  if (info.isDirectory()) await walk(path);
  else absolutePaths.push(path);
  const files: LocalFile[] = [];
  for (const absolute of absolutePaths.sort()) {
    const relativePath = relative(root, absolute).split(sep).join('/');
    if (!safeRelativePath(relativePath))
      throw new KubeMlError(
        'invalidInput',
        `Cannot upload "${relativePath}": the path is not a plain relative path.`,
      );
    onFile?.(relativePath);
    files.push({
      path: relativePath,
      size: (await stat(absolute)).size,
      sha256: await sha256Of(absolute, signal),
    });
  }
  if (files.length === 0)
    throw new KubeMlError(
      'invalidInput',
      `"${basename(path)}" contains no files to upload.`,
      'Pick the folder that holds config.json and the weights, or a .gguf/.onnx/.pt file.',
    );
  return { root, files, totalBytes: files.reduce((sum, file) => sum + file.size, 0), leftOut };
}

/** Creates the model volume unless it exists; never resizes an existing one. */
export async function ensureModelVolume(
  kubeConfig: KubeConfig,
  options: {
    namespace: string;
    claimName: string;
    endpointName: string;
    minBytes: number;
    storageClass?: string;
  },
): Promise<V1PersistentVolumeClaim> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const { namespace, claimName } = options;
  try {
    return await core.readNamespacedPersistentVolumeClaim({ namespace, name: claimName });
  } catch (error) {
    if ((error as { code?: number }).code !== 404)
      throw toKubeMlError(error, `read volume ${namespace}/${claimName}`);
  }
  // Staging and the published copy coexist while a new version uploads: room for both, plus slack.
  const gibibytes = Math.max(1, Math.ceil((options.minBytes * 2) / 2 ** 30) + 1);
  try {
    return await core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name: claimName,
          namespace,
          labels: {
            [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
            [MODEL_VOLUME_LABEL]: options.endpointName,
          },
        },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: `${gibibytes}Gi` } },
          ...(options.storageClass ? { storageClassName: options.storageClass } : {}),
        },
      },
    });
  } catch (error) {
    throw toKubeMlError(error, `create model volume ${namespace}/${claimName}`);
  }
}

export interface UploaderPod extends Disposable {
  readonly target: ExecTarget;
}

/** The uploader pod: restricted, no API credentials, the model volume as its working folder. */
export function uploaderPodManifest(options: {
  name: string;
  namespace: string;
  id: string;
  claimName: string;
  extraVolume?: { claimName: string; mountPath: string };
}): V1Pod {
  const { name, namespace, id, claimName, extraVolume } = options;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [UPLOADER_LABEL]: id },
    },
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: 3600,
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurityContext(),
      containers: [
        {
          name: UPLOADER_CONTAINER,
          image: UPLOADER_IMAGE,
          command: ['sh', '-c', 'sleep 3600'],
          workingDir: '/data',
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } },
          securityContext: restrictedContainerSecurityContext(),
          volumeMounts: [
            { name: 'model', mountPath: '/data' },
            ...(extraVolume
              ? [{ name: 'source', mountPath: extraVolume.mountPath, readOnly: true }]
              : []),
          ],
        },
      ],
      volumes: [
        { name: 'model', persistentVolumeClaim: { claimName } },
        ...(extraVolume
          ? [
              {
                name: 'source',
                persistentVolumeClaim: { claimName: extraVolume.claimName, readOnly: true },
              },
            ]
          : []),
      ],
    },
  };
}

/** How long an uploader pod may wait on a volume the scheduler has not seen before it is created anew. */
const VOLUME_WAIT_BEFORE_RECREATE_MS = 45_000;
const START_TIMEOUT_MS = 180_000;

/** The scheduler left the pod waiting on a volume it had not seen yet; a new pod is scheduled afresh. */
class StalledOnVolume extends Error {}

/**
 * Starts a restricted busybox pod that mounts `claimName` (read-write) as its working folder,
 * waits until it runs, and deletes it on dispose. It exits by itself after an hour, so a crash of
 * VS Code cannot leave it running for long.
 *
 * A pod rejected while its volume was not yet in the scheduler's cache ("bound to non-existent
 * pv(s)", right after binding or an API-server restart) should be retried when the volume arrives,
 * but kube-scheduler can miss that event and park the pod for up to 5 minutes
 * (podMaxInUnschedulablePodsDuration). The pod is disposable, so it is created once more instead.
 */
export async function startUploaderPod(
  kubeConfig: KubeConfig,
  namespace: string,
  claimName: string,
  signal?: AbortSignal,
  extraVolume?: { claimName: string; mountPath: string },
): Promise<UploaderPod> {
  try {
    return await startUploaderPodOnce(
      kubeConfig,
      namespace,
      claimName,
      VOLUME_WAIT_BEFORE_RECREATE_MS,
      signal,
      extraVolume,
    );
  } catch (error) {
    if (!(error instanceof StalledOnVolume)) throw error;
    return startUploaderPodOnce(kubeConfig, namespace, claimName, undefined, signal, extraVolume);
  }
}

async function startUploaderPodOnce(
  kubeConfig: KubeConfig,
  namespace: string,
  claimName: string,
  volumeWaitMs: number | undefined,
  signal?: AbortSignal,
  extraVolume?: { claimName: string; mountPath: string },
): Promise<UploaderPod> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 46656).toString(36)}`;
  const name = `kube-ml-upload-${claimName}`.slice(0, 50).replace(/-+$/, '') + `-${id}`;
  const pod = uploaderPodManifest({ name, namespace, id, claimName, extraVolume });
  try {
    await core.createNamespacedPod({ namespace, body: pod });
  } catch (error) {
    throw toKubeMlError(error, `create uploader pod in ${namespace}`);
  }
  const remove = () => {
    core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }).catch(() => undefined);
  };
  const pods = new KubeWatchCache<V1Pod>(
    selectedPodSource(kubeConfig, namespace, `${UPLOADER_LABEL}=${id}`),
    { batchMs: 10 },
  );
  // Kept for the timeout message: the scheduler retries unbound volumes, so this is not fatal by itself.
  let lastScheduling: string | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        const current = pods.get(namespace, name);
        const phase = current?.status?.phase;
        if (phase === 'Running') finish(resolve);
        else if (phase === 'Failed' || phase === 'Succeeded')
          finish(() =>
            reject(
              new KubeMlError(
                'streamEnded',
                `The uploader pod ${name} stopped (${phase}) before the upload started.`,
                'Check that the volume can be mounted (another node may hold a ReadWriteOnce volume).',
              ),
            ),
          );
        lastScheduling =
          current?.status?.conditions?.find(
            (condition) => condition.type === 'PodScheduled' && condition.status === 'False',
          )?.message ?? lastScheduling;
      };
      const subscription = pods.onDidChange(check);
      const onAbort = () =>
        finish(() => reject(new KubeMlError('cancelled', 'Cancelled the upload.')));
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new KubeMlError(
                'timeout',
                `The uploader pod ${name} did not start within 3 minutes${lastScheduling ? ` (scheduler: ${lastScheduling})` : ''}.`,
                'Check the namespace events: image pulls of busybox or volume binding may be stuck; a ReadWriteOnce volume held by a pod on another node cannot be mounted.',
              ),
            ),
          ),
        START_TIMEOUT_MS,
      );
      const volumeTimer =
        volumeWaitMs === undefined
          ? undefined
          : setTimeout(() => {
              if (
                lastScheduling &&
                waitsForVolume(lastScheduling) &&
                pods.get(namespace, name)?.status?.phase === 'Pending'
              )
                finish(() => reject(new StalledOnVolume()));
            }, volumeWaitMs);
      function finish(action: () => void) {
        clearTimeout(timer);
        clearTimeout(volumeTimer);
        subscription.dispose();
        signal?.removeEventListener('abort', onAbort);
        action();
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      void pods.ready.then(check, (error) => finish(() => reject(error)));
    });
  } catch (error) {
    pods.dispose();
    remove();
    throw error;
  }
  pods.dispose();
  return { target: { namespace, pod: name, container: UPLOADER_CONTAINER }, dispose: remove };
}

export interface UploadProgress {
  readonly phase: 'checking' | 'sending' | 'publishing' | 'done';
  readonly sentBytes: number;
  /** Bytes that had to be sent this time (excludes files verified earlier). */
  readonly bytesToSend: number;
  readonly skippedFiles: number;
  readonly currentFile?: string;
}

export interface UploadResult {
  readonly sentFiles: number;
  readonly sentBytes: number;
  readonly skippedFiles: number;
  readonly skippedBytes: number;
  /** Path inside the volume the model now lives at. */
  readonly targetPath: string;
}

/**
 * Uploads `model` into `targetPath` of the volume behind `uploader`: lists what the staging folder
 * already holds (a resumed upload skips verified files), streams the rest as tar in chunks, checks
 * every file's SHA-256 after its chunk, and only then renames staging into place, so a server
 * never reads a half-written model.
 */
export interface UploadOptions {
  readonly signal?: AbortSignal;
  readonly chunkBytes?: number;
  readonly onProgress?: (progress: UploadProgress) => void;
  /** Automatic resumes after a failed chunk (each starts by skipping verified files). */
  readonly retries?: number;
  /** Wait before the first resume; it doubles for each next one, up to MAX_RESUME_DELAY_MS. */
  readonly resumeDelayMs?: number;
  readonly log?: Log;
}

/** Resumes are spread over ~30 s: an API server or a node that restarts is back within that. */
const DEFAULT_RETRIES = 5;
const MAX_RESUME_DELAY_MS = 15_000;

export async function uploadModel(
  kubeConfig: KubeConfig,
  uploader: ExecTarget,
  model: ScannedModel,
  targetPath: string,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const retries = options.retries ?? DEFAULT_RETRIES;
  let sentBefore = 0;
  for (let attempt = 0; ; attempt += 1) {
    let sentThisAttempt = 0;
    try {
      const result = await uploadAttempt(kubeConfig, uploader, model, targetPath, {
        ...options,
        onProgress: (progress) => {
          sentThisAttempt = progress.sentBytes;
          options.onProgress?.({
            ...progress,
            sentBytes: sentBefore + progress.sentBytes,
            bytesToSend: sentBefore + progress.bytesToSend,
          });
        },
      });
      return { ...result, sentBytes: sentBefore + result.sentBytes };
    } catch (error) {
      const kind = (error as KubeMlError).kind;
      if (
        attempt >= retries ||
        kind === 'cancelled' ||
        kind === 'invalidInput' ||
        kind === 'forbidden'
      )
        throw error;
      const delayMs = backoffDelay(
        { initialMs: options.resumeDelayMs ?? 1000, maxMs: MAX_RESUME_DELAY_MS },
        attempt,
      );
      options.log?.warn(
        `Upload to ${targetPath} failed (${(error as Error).message}); resuming in ${Math.ceil(delayMs / 1000)} s, attempt ${attempt + 2} of ${retries + 1}.`,
      );
      sentBefore += sentThisAttempt;
      await wait(delayMs, undefined, { signal: options.signal }).catch(() => {
        throw new KubeMlError('cancelled', 'Cancelled: upload the model.');
      });
    }
  }
}

async function uploadAttempt(
  kubeConfig: KubeConfig,
  uploader: ExecTarget,
  model: ScannedModel,
  targetPath: string,
  options: UploadOptions,
): Promise<UploadResult> {
  const { signal, onProgress } = options;
  const staging = stagingPath(targetPath);
  const sh = (script: string, ...args: string[]) => ['sh', '-c', script, 'sh', ...args];
  onProgress?.({ phase: 'checking', sentBytes: 0, bytesToSend: 0, skippedFiles: 0 });
  const listed = await runTextCommand(kubeConfig, uploader, sh(LIST_CHECKSUMS_SCRIPT, staging), {
    signal,
    operation: `list uploaded files in ${staging}`,
  });
  const toSend = filesToSend(model.files, parseChecksums(listed.stdout));
  const bytesToSend = toSend.reduce((sum, file) => sum + file.size, 0);
  const skippedFiles = model.files.length - toSend.length;
  let sentBytes = 0;
  for (const chunk of chunkFiles(toSend, options.chunkBytes ?? DEFAULT_CHUNK_BYTES)) {
    const size = await tarSize(chunk);
    const result = await runTextCommand(
      kubeConfig,
      uploader,
      sh(RECEIVE_CHUNK_SCRIPT, staging, String(size), ...chunk.map((file) => file.path)),
      {
        signal,
        operation: `upload ${chunk.length} file(s) into ${staging}`,
        feed: async (send) => {
          const archive = tarStream(chunk, async function* (file) {
            for await (const piece of createReadStream(join(model.root, file.path), {
              highWaterMark: 1024 * 1024,
              signal,
            })) {
              const buffer = piece as Buffer;
              yield buffer;
              // Counted once the archive took the piece: at most one piece ahead of the wire.
              sentBytes += buffer.length;
              onProgress?.({
                phase: 'sending',
                sentBytes,
                bytesToSend,
                skippedFiles,
                currentFile: file.path,
              });
            }
          });
          for await (const piece of archive) await send(piece);
        },
      },
    );
    if (result.exitCode !== 0)
      throw new KubeMlError(
        'unknown',
        `Writing the model into the volume failed (exit ${result.exitCode}): ${result.stderr.trim().split('\n').pop() || result.message || 'no error output'}`,
        'Check the volume has free space; retrying resumes after the verified files.',
        `stdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 2000)}`,
      );
    const received = parseChecksums(result.stdout);
    const corrupt = chunk.filter((file) => received.get(file.path) !== file.sha256);
    if (corrupt.length > 0)
      throw new KubeMlError(
        'streamEnded',
        `Checksum mismatch after upload for ${corrupt.map((file) => file.path).join(', ')}.`,
        'Retry: only files that failed verification are sent again.',
      );
  }
  onProgress?.({ phase: 'publishing', sentBytes, bytesToSend, skippedFiles });
  const published = await runTextCommand(
    kubeConfig,
    uploader,
    sh(PUBLISH_SCRIPT, staging, targetPath),
    { signal, operation: `publish the model at ${targetPath}` },
  );
  if (published.exitCode !== 0)
    throw new KubeMlError(
      'unknown',
      `Could not move the uploaded model into place at ${targetPath}: ${published.stderr.trim()}`,
    );
  onProgress?.({ phase: 'done', sentBytes, bytesToSend, skippedFiles });
  return {
    sentFiles: toSend.length,
    sentBytes,
    skippedFiles,
    skippedBytes: model.totalBytes - bytesToSend,
    targetPath,
  };
}

export function describeUpload(result: UploadResult): string {
  return `Uploaded ${result.sentFiles} file(s), ${formatBytes(result.sentBytes)}${result.skippedFiles > 0 ? `; ${result.skippedFiles} already verified file(s) (${formatBytes(result.skippedBytes)}) skipped` : ''}.`;
}
