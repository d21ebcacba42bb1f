import * as path from 'node:path';
import * as vscode from 'vscode';
import { KubeMlError } from '../cluster/errors';
import { pathInsideFolder } from '../common/model/workspacePath';
import type { Services } from '../common/services';
import { confirmPodSecurity, requireTrustedWorkspace } from '../common/workspaceFiles';
import { openComparePanel } from './comparePanel';
import { discoverCapabilities } from './discovery';
import { JOB_FILE_PATH, parseJobFile } from './model/jobFile';
import { runWorkload } from './model/manifests';
import { NO_CAPABILITIES } from './model/runtime';
import { formatDuration, runDuration, type RunState, type RunView } from './model/runState';
import { confirmPackedFolder } from './packConfirm';
import { cancelRun, deleteRun, rerun, type RunRef } from './runActions';
import { resolveCode, runJob } from './runJob';
import { RunStore } from './runStore';
import { announceSubmitted, runTrainingJobFlow } from './runTrainingJobFlow';
import type { SubmitResult } from './submit';
import { TrainingJobsTree } from './trainingJobsTree';
import { registerCommands } from '../common/commandTable';
import { SessionScoped } from '../common/sessionScoped';

/** Anything a command receives that names a run: our tree items, or { run } from tests/notifications. */
interface HasRun {
  readonly run: RunRef;
}

function hasRun(value: unknown): value is HasRun {
  const run = (value as HasRun | undefined)?.run;
  return (
    typeof run?.name === 'string' &&
    typeof run.namespace === 'string' &&
    typeof run.runtime === 'string'
  );
}

export function registerJobs(services: Services): void {
  const subscriptions = services.extensionContext.subscriptions;
  const tree = new TrainingJobsTree();
  const treeView = vscode.window.createTreeView('kubeMl.trainingJobs', {
    treeDataProvider: tree,
    canSelectMany: true,
  });
  subscriptions.push(
    tree,
    treeView,
    services.viewRows.register('kubeMl.trainingJobs', () => tree.rows()),
  );

  const notifyFinished = async (view: RunView): Promise<void> => {
    const duration = runDuration(view, new Date());
    const text = `Training run ${view.name} ${view.state}${duration !== undefined ? ` after ${formatDuration(duration)}` : ''}${view.reason ? `: ${view.reason}` : ''}.`;
    const show =
      view.state === 'failed'
        ? vscode.window.showWarningMessage
        : vscode.window.showInformationMessage;
    const action = await show(text, 'View Logs', 'Compare');
    const item = {
      run: { namespace: view.namespace, name: view.name, runtime: view.runtime },
      workload: runWorkload(view),
    };
    if (action === 'View Logs') await vscode.commands.executeCommand('kubeMl.viewLogs', item);
    if (action === 'Compare') await vscode.commands.executeCommand('kubeMl.compareRuns', item);
  };

  // The runtimes installed decide which watches a namespace's store opens.
  const stores = new SessionScoped(
    services.connection,
    async (session) => {
      let discovered = NO_CAPABILITIES;
      try {
        discovered = await discoverCapabilities(session.kubeConfig);
      } catch (error) {
        services.output.warn(
          `Training runtimes discovery failed; showing plain Jobs only: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      return new RunStore(session, discovered, (error) =>
        services.output.warn(
          `Training Jobs watch: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    },
    (error) => services.errors.show(error, 'watch training runs'),
  );
  subscriptions.push(
    stores,
    stores.onDidChange((store) => {
      tree.setStore(store);
      store?.onDidChange((change) => change.finished.forEach((view) => void notifyFinished(view)));
    }),
  );

  const pickRuns = async (
    title: string,
    states: readonly RunState[] | undefined,
    canPickMany: boolean,
    preselected: readonly string[] = [],
  ): Promise<RunRef[]> => {
    const runs = (stores.value?.list() ?? []).filter(
      (view) => !states || states.includes(view.state),
    );
    if (runs.length === 0) {
      throw new KubeMlError(
        'notFound',
        `No training runs${states ? ` that are ${states.join(' or ')}` : ''} in this namespace.`,
        'Start one with "Kube ML: Run Training Job".',
      );
    }
    const items = runs.map((view) => ({
      label: view.name,
      description: `${view.state}${view.reason ? ` · ${view.reason}` : ''}`,
      picked: preselected.includes(view.name),
      run: { namespace: view.namespace, name: view.name, runtime: view.runtime },
    }));
    if (canPickMany) {
      return (
        (await vscode.window.showQuickPick(items, {
          title,
          canPickMany: true,
          ignoreFocusOut: true,
        })) ?? []
      ).map((item) => item.run);
    }
    const picked = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
    return picked ? [picked.run] : [];
  };

  const runOf = async (
    argument: unknown,
    title: string,
    states?: readonly RunState[],
  ): Promise<RunRef | undefined> =>
    hasRun(argument) ? argument.run : (await pickRuns(title, states, false))[0];

  /** `confirmed` skips the look at what a packed folder sends (extension-host tests pass it). */
  const runFromFile = async (
    uri: vscode.Uri | undefined,
    confirmed: boolean,
  ): Promise<SubmitResult | undefined> => {
    requireTrustedWorkspace(JOB_FILE_PATH);
    const session = services.connection.requireSession();
    // The file itself, or the one at the root of the workspace folder holding `uri`.
    const folder = uri
      ? (vscode.workspace.getWorkspaceFolder(uri)?.uri ?? uri)
      : vscode.workspace.workspaceFolders?.[0]?.uri;
    const file = uri?.fsPath.endsWith(path.join('.kubeml', 'job.yaml'))
      ? uri
      : folder && vscode.Uri.joinPath(folder, JOB_FILE_PATH);
    if (!file) {
      throw new KubeMlError(
        'notFound',
        `No ${JOB_FILE_PATH} found: open a folder that has one.`,
        'Run "Kube ML: Run Training Job" and choose "Save as .kubeml/job.yaml".',
      );
    }
    let text: string;
    try {
      text = Buffer.from(await vscode.workspace.fs.readFile(file)).toString('utf8');
    } catch {
      throw new KubeMlError(
        'notFound',
        `${file.fsPath} does not exist.`,
        'Run "Kube ML: Run Training Job" and choose "Save as .kubeml/job.yaml".',
      );
    }
    const { spec, code } = parseJobFile(text);
    if (
      !(await confirmPodSecurity(
        JOB_FILE_PATH,
        spec.restrictedPodSecurity,
        services.settings.restrictedPodSecurity(),
      ))
    )
      return undefined;
    const baseFolder = path.dirname(path.dirname(file.fsPath));
    const inside =
      code.kind === 'packedFolder'
        ? { ...code, path: await pathInsideFolder(baseFolder, code.path, 'code.path') }
        : code;
    const resolved = resolveCode(session, spec, inside, baseFolder);
    const confirmPack = confirmed ? undefined : confirmPackedFolder;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Submitting ${spec.name}` },
      (progress) =>
        runJob(session, services.settings, resolved, {
          report: (message) => progress.report({ message }),
          confirmPack,
        }),
    );
    services.output.info(
      `Submitted ${spec.name} from ${file.fsPath} (${result.runtime}): ${result.applied.join(', ')}`,
    );
    void announceSubmitted(spec.name, result);
    return result;
  };

  subscriptions.push(
    registerCommands(services.errors, {
      'kubeMl.runTrainingJob': {
        operation: 'run a training job',
        run: (uri?: vscode.Uri) =>
          runTrainingJobFlow(services, uri instanceof vscode.Uri ? uri : undefined),
      },
      'kubeMl.runTrainingJobFromFile': {
        operation: `run ${JOB_FILE_PATH}`,
        run: (uri?: vscode.Uri, confirmed?: boolean) =>
          runFromFile(uri instanceof vscode.Uri ? uri : undefined, confirmed === true),
      },
      'kubeMl.cancelJob': {
        operation: 'cancel a training run',
        run: async (argument?: unknown) => {
          const run = await runOf(argument, 'Cancel which run?', ['queued', 'pending', 'running']);
          if (!run) return;
          const confirm = await vscode.window.showWarningMessage(
            `Cancel ${run.name}? Its pods stop; the run and its logs stay until you delete it.`,
            { modal: true },
            'Cancel Run',
          );
          if (confirm) await cancelRun(services.connection.requireSession(), run);
        },
      },
      'kubeMl.rerunJob': {
        operation: 're-run a training run',
        run: async (argument?: unknown) => {
          const run = await runOf(argument, 'Re-run which run?');
          if (!run) return undefined;
          const store = stores.value;
          const names = new Set((store?.list() ?? []).map((view) => view.name));
          const result = await rerun(
            services.connection.requireSession(),
            run,
            names,
            store?.capabilities ?? NO_CAPABILITIES,
          );
          void announceSubmitted(result.name, result);
          return result;
        },
      },
      'kubeMl.deleteJob': {
        operation: 'delete a training run',
        run: async (argument?: unknown, selection?: unknown[]) => {
          const runs = selection?.filter(hasRun).map((item) => item.run) ?? [];
          if (runs.length === 0) {
            const run = await runOf(argument, 'Delete which run?');
            if (run) runs.push(run);
          }
          if (runs.length === 0) return;
          const confirm = await vscode.window.showWarningMessage(
            `Delete ${runs.map((run) => run.name).join(', ')}? Pods, logs and packed code go with it.`,
            { modal: true },
            'Delete',
          );
          if (!confirm) return;
          const session = services.connection.requireSession();
          for (const run of runs) await deleteRun(session, run);
        },
      },
      'kubeMl.compareRuns': {
        operation: 'compare runs',
        run: async (argument?: unknown, selection?: unknown[]) => {
          let runs = (selection ?? []).filter(hasRun).map((item) => item.run);
          if (runs.length < 2) {
            const preselected = hasRun(argument) ? [argument.run.name] : [];
            runs = await pickRuns(
              'Compare which runs? (two or more)',
              undefined,
              true,
              preselected,
            );
          }
          if (runs.length < 2) {
            if (runs.length === 1)
              void vscode.window.showInformationMessage('Pick at least two runs to compare.');
            return undefined;
          }
          return openComparePanel(services, runs).title;
        },
      },
    }),
  );
}
