import * as path from 'node:path';
import * as vscode from 'vscode';
import { KubeMlError } from '../cluster/errors';
import {
  describeGpuQuota,
  namespaceGpuQuota,
  quotaProblem,
  type GpuQuota,
} from '../cluster/gpu/quota';
import { UNKNOWN_GPU } from '../cluster/gpu/resources';
import type { ClusterSession } from '../cluster/session';
import { toDnsLabel } from '../cluster/names';
import type { Services } from '../common/services';
import { discoverCapabilities } from './discovery';
import { devPodWorkspaces, type DevPodWorkspace } from './model/devPodWorkspace';
import { freeGpusByNode } from './model/gpuFit';
import {
  commandAndArgs,
  JOB_FILE_PATH,
  serializeJobFile,
  splitCommandLine,
  type CodeRequest,
} from './model/jobFile';
import {
  defaultJobSpec,
  jobSpecProblems,
  MAX_WORKERS,
  RUN_NAME_MAX,
  type JobSpec,
} from './model/jobSpec';
import {
  availableRuntimes,
  chooseRuntime,
  RUNTIME_LABELS,
  type ClusterCapabilities,
  type Runtime,
} from './model/runtime';
import { confirmPackedFolder } from './packConfirm';
import { listLocalQueues, resolveCode, runJob } from './runJob';
import type { SubmitResult } from './submit';

export const DEFAULT_IMAGE = 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime';

/** Thrown when the user closes a prompt: the flow ends quietly. */
class FlowCancelled extends Error {}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new FlowCancelled();
  return value;
}

interface Target {
  /** Folder whose contents are the code (packed, or the relative root on a dev pod volume). */
  readonly folder: string;
  /** Script path relative to `folder`, when a .py file was chosen. */
  readonly script: string | undefined;
}

function targetOf(uri: vscode.Uri | undefined): Target | undefined {
  const resource = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (resource?.scheme === 'file' || resource?.scheme === 'vscode-remote') {
    const fsPath = resource.fsPath;
    if (fsPath.endsWith('.py')) {
      const workspace =
        vscode.workspace.getWorkspaceFolder(resource)?.uri.fsPath ?? path.dirname(fsPath);
      return {
        folder: workspace,
        script: path.relative(workspace, fsPath).split(path.sep).join('/'),
      };
    }
    if (uri) return { folder: fsPath, script: undefined };
  }
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return workspace ? { folder: workspace, script: undefined } : undefined;
}

async function pickCodeSource(
  target: Target | undefined,
  devPods: readonly DevPodWorkspace[],
  maxMiB: number,
): Promise<{ code: CodeRequest; devPod?: DevPodWorkspace }> {
  type Item = vscode.QuickPickItem & { code: CodeRequest; devPod?: DevPodWorkspace };
  const items: Item[] = [
    ...devPods.map((devPod) => ({
      label: `$(database) Dev pod ${devPod.devPod}: workspace volume`,
      description: `${devPod.claimName} at ${devPod.mountPath}`,
      detail: 'Mounts the volume as is: no copy, the job runs what is on it.',
      code: { kind: 'devPodVolume', devPod: devPod.devPod } as CodeRequest,
      devPod,
    })),
    ...(target
      ? [
          {
            label: `$(package) Pack local folder ${path.basename(target.folder)}`,
            description: `at most ${maxMiB} MiB compressed`,
            detail:
              'Packed into Secrets and unpacked in the job (kubeMl.jobs.maxPackedFolderMiB; .kubemlignore applies; secret-looking files stay home).',
            code: { kind: 'packedFolder', path: target.folder } as CodeRequest,
          },
        ]
      : []),
    {
      label: '$(container) Code is in the image',
      detail: 'The command runs inside the image as built.',
      code: { kind: 'image' },
    },
  ];
  const picked = required(
    await vscode.window.showQuickPick(items, {
      title: 'Run Training Job (1/7): where does the code come from?',
      ignoreFocusOut: true,
    }),
  );
  return { code: picked.code, devPod: picked.devPod };
}

async function pickGpus(
  session: ClusterSession,
  quota: GpuQuota | undefined,
): Promise<{ gpus: number; product?: string }> {
  const capacity = freeGpusByNode(session.nodes.list(), session.pods.list());
  // Unlabelled GPUs have no product a worker could be pinned to: they serve only 'any GPU'.
  const products = [
    ...new Set(capacity.map((node) => node.product).filter((product) => product !== UNKNOWN_GPU)),
  ];
  type Item = vscode.QuickPickItem & { gpus: number; product?: string };
  const items: Item[] = [{ label: 'CPU only', gpus: 0 }];
  for (const product of products) {
    const nodes = capacity.filter((node) => node.product === product);
    const largest = Math.max(...nodes.map((node) => node.allocatable));
    const mostFree = Math.max(...nodes.map((node) => node.free));
    for (const gpus of [1, 2, 4, 8].filter(
      (count) => count <= largest && (!quota || count <= quota.room),
    )) {
      items.push({
        label: `${gpus} × ${product}`,
        description:
          mostFree >= gpus
            ? `fits now (${mostFree} free on one node)`
            : `waits: at most ${mostFree} free on one node`,
        gpus,
        product,
      });
    }
  }
  const picked = required(
    await vscode.window.showQuickPick(items, {
      title: 'Run Training Job (4/7): GPUs per worker',
      placeHolder: quota ? `${describeGpuQuota(quota)}: all workers together must fit.` : undefined,
      ignoreFocusOut: true,
    }),
  );
  return { gpus: picked.gpus, product: picked.product };
}

async function pickRuntime(
  workers: number,
  capabilities: ClusterCapabilities,
): Promise<JobSpec['runtime']> {
  const automatic = chooseRuntime({ workers, runtime: 'auto' }, capabilities);
  type Item = vscode.QuickPickItem & { runtime: Runtime | 'auto' };
  const others = availableRuntimes(workers, capabilities).filter(
    (runtime) => runtime !== automatic.runtime,
  );
  if (others.length === 0) {
    void vscode.window.setStatusBarMessage(
      `Kube ML: runtime ${RUNTIME_LABELS[automatic.runtime]}: ${automatic.reason}`,
      8000,
    );
    return 'auto';
  }
  const items: Item[] = [
    {
      label: RUNTIME_LABELS[automatic.runtime],
      description: 'recommended',
      detail: automatic.reason,
      runtime: 'auto',
    },
    ...others.map((runtime) => ({
      label: RUNTIME_LABELS[runtime],
      detail: runtime === 'rayJob' ? 'Your script must use Ray.' : 'Installed on this cluster.',
      runtime,
    })),
  ];
  return required(
    await vscode.window.showQuickPick(items, {
      title: 'Run Training Job (6/7): runtime (from the APIs this cluster serves)',
      ignoreFocusOut: true,
    }),
  ).runtime;
}

function defaultRunName(target: Target | undefined): string {
  const stem = target?.script
    ? path.basename(target.script, '.py')
    : path.basename(target?.folder ?? 'train');
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(4, 12);
  return `${toDnsLabel(stem, RUN_NAME_MAX - stamp.length - 1) || 'train'}-${stamp}`;
}

/** Shows what was submitted and offers the logs. */
export async function announceSubmitted(
  name: string,
  result: SubmitResult,
  runtimeReason?: string,
): Promise<void> {
  const choice = await vscode.window.showInformationMessage(
    `Started ${name} as ${RUNTIME_LABELS[result.runtime]}. ${runtimeReason ?? result.reason}`,
    'Show Training Jobs',
  );
  if (choice) await vscode.commands.executeCommand('kubeMl.trainingJobs.focus');
}

/** "Kube ML: Run Training Job" on a .py file, a folder, or from the palette. */
export async function runTrainingJobFlow(
  services: Services,
  uri: vscode.Uri | undefined,
): Promise<SubmitResult | undefined> {
  const session = services.connection.requireSession();
  const target = targetOf(uri);
  try {
    const capabilities = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Kube ML: discovering training runtimes' },
      () => discoverCapabilities(session.kubeConfig),
    );
    const devPods = devPodWorkspaces(session.pods.list(), session.namespace);
    const { code, devPod } = await pickCodeSource(
      target,
      devPods,
      services.settings.maxPackedFolderMiB(),
    );
    const image = required(
      await vscode.window.showInputBox({
        title: 'Run Training Job (2/7): image',
        value: devPod?.image ?? devPods[0]?.image ?? DEFAULT_IMAGE,
        prompt:
          devPod?.image || devPods[0]?.image ? 'Defaults to your dev pod\u2019s image.' : undefined,
        ignoreFocusOut: true,
        validateInput: (value) =>
          /\s/.test(value.trim()) || !value.trim()
            ? 'An image reference without spaces.'
            : undefined,
      }),
    ).trim();
    const commandLine = required(
      await vscode.window.showInputBox({
        title: 'Run Training Job (3/7): command and arguments',
        value: `python ${target?.script ?? 'train.py'}`,
        prompt: 'python becomes torchrun for multi-GPU or multi-worker runs.',
        ignoreFocusOut: true,
        validateInput: (value) => {
          try {
            return splitCommandLine(value).length ? undefined : 'Enter a command.';
          } catch (error) {
            return (error as Error).message;
          }
        },
      }),
    );
    const { command, args } = commandAndArgs(commandLine);
    const quota = await namespaceGpuQuota(session);
    const { gpus, product } = await pickGpus(session, quota);
    const workers = Number(
      required(
        await vscode.window.showInputBox({
          title: 'Run Training Job (5/7): number of workers (pods)',
          value: '1',
          ignoreFocusOut: true,
          validateInput: (value) =>
            /^[0-9]+$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_WORKERS
              ? quotaProblem(quota, gpus * Number(value), session.namespace)
              : `A whole number from 1 to ${MAX_WORKERS}.`,
        }),
      ),
    );
    const runtime = await pickRuntime(workers, capabilities);
    let queue: string | undefined;
    if (capabilities.kueue) {
      const queues = await listLocalQueues(session);
      queue = queues.length
        ? required(
            await vscode.window.showQuickPick(queues, {
              title: 'Kueue LocalQueue for this run',
              ignoreFocusOut: true,
            }),
          )
        : undefined;
    }
    const draft = defaultJobSpec({
      name: 'placeholder',
      image,
      command,
      args,
      gpusPerWorker: gpus,
      gpuProduct: product,
      workers,
      runtime,
      queue,
      restrictedPodSecurity: services.settings.restrictedPodSecurity(),
    });
    const name = required(
      await vscode.window.showInputBox({
        title: 'Run Training Job (7/7): run name',
        value: defaultRunName(target),
        ignoreFocusOut: true,
        validateInput: (value) =>
          jobSpecProblems({ ...draft, name: value }).find((problem) =>
            problem.includes('run name'),
          ),
      }),
    );
    const spec = resolveCode(session, { ...draft, name }, code, target?.folder);
    const choice = chooseRuntime(spec, capabilities);
    const action = required(
      await vscode.window.showQuickPick(
        ['Submit', `Submit and save as ${JOB_FILE_PATH}`, `Save as ${JOB_FILE_PATH} only`],
        {
          title: `${name}: ${RUNTIME_LABELS[choice.runtime]}: ${choice.reason}`,
          ignoreFocusOut: true,
        },
      ),
    );
    if (action !== 'Submit' && target) {
      const fileCode: CodeRequest =
        code.kind === 'packedFolder'
          ? { kind: 'packedFolder', path: path.relative(target.folder, code.path) || '.' }
          : code;
      const file = vscode.Uri.file(path.join(target.folder, JOB_FILE_PATH));
      await vscode.workspace.fs.writeFile(file, Buffer.from(serializeJobFile(spec, fileCode)));
      if (action.endsWith('only')) {
        await vscode.window.showTextDocument(file);
        return undefined;
      }
    }
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Submitting ${name}`,
        cancellable: true,
      },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return runJob(session, services.settings, spec, {
          capabilities,
          signal: abort.signal,
          report: (message) => progress.report({ message }),
          confirmPack: confirmPackedFolder,
        });
      },
    );
    services.output.info(`Submitted ${name} (${result.runtime}): ${result.applied.join(', ')}`);
    void announceSubmitted(name, result);
    return result;
  } catch (error) {
    if (error instanceof FlowCancelled) return undefined;
    throw error instanceof Error ? error : new KubeMlError('unknown', String(error));
  }
}
