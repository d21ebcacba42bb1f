import * as vscode from 'vscode';
import { KubeMlError } from '../cluster/errors';
import type { ClusterSession } from '../cluster/session';
import { hasWorkload } from '../cluster/workloadRef';
import type { Services } from '../common/services';
import { requireTrustedWorkspace } from '../common/workspaceFiles';
import { askDevPodSpec, createPermissionProblem, forbiddenToCreate } from './createFlow';
import { assertWithinGpuQuota } from '../cluster/gpu/quota';
import { gpuOffer } from './gpuOffer';
import type { DevPodFileDiagnostics } from './devPodFileCommand';
import { findDevPodFile, specFromFile } from './devPodFileCommand';
import type { DevPodsTreeProvider } from './devPodsTree';
import { ensureIdleReaper } from './idleReaperInstall';
import { deleteDevPod, stopDevPod, type StartResult } from './lifecycle';
import { workspaceClaimName } from '../cluster/devPodContract';
import { DEV_POD_FILE } from './model/devPodFile';
import type { DevPodState } from './model/devPodRow';
import type { DevPodSpec } from './model/spec';
import type { FlowPrompter } from './prompter';
import { createWithProgress, resumeWithProgress } from './startWithProgress';
import { registerCommands } from '../common/commandTable';

/** The dev pod commands; each body runs under services.errors.guard (never an unhandled rejection). */
export class DevPodCommands {
  /** Namespaces whose idle reaper was ensured in this window: one check per session and namespace. */
  private readonly reaperChecked = new Set<string>();

  constructor(
    private readonly services: Services,
    private readonly tree: DevPodsTreeProvider,
    private readonly diagnostics: DevPodFileDiagnostics,
    private readonly prompter: FlowPrompter,
  ) {}

  register(): vscode.Disposable {
    return registerCommands(this.services.errors, {
      'kubeMl.createDevPod': {
        operation: 'create a dev pod',
        run: (argument?: unknown) => this.createInteractive(argument),
      },
      'kubeMl.createDevPodFromFile': {
        operation: 'create a dev pod from .kubeml/devpod.yaml',
        run: (argument?: unknown) => this.createFromFile(argument),
      },
      'kubeMl.stopDevPod': {
        operation: 'stop a dev pod',
        run: (argument?: unknown) => this.stop(argument),
      },
      'kubeMl.resumeDevPod': {
        operation: 'resume a dev pod',
        run: (argument?: unknown) => this.resume(argument),
      },
      'kubeMl.deleteDevPod': {
        operation: 'delete a dev pod',
        run: (argument?: unknown) => this.delete(argument),
      },
    });
  }

  /** The guided flow; `prompter` overrides the window's for extension-host tests. Resolves with the result, or undefined when cancelled. */
  async createInteractive(
    argument?: unknown,
    prompter: FlowPrompter = this.prompter,
  ): Promise<StartResult | undefined> {
    const session = this.services.connection.requireSession();
    const problem = await createPermissionProblem(session);
    if (problem) throw forbiddenToCreate(problem);
    const preferredProduct =
      typeof (argument as { product?: unknown })?.product === 'string'
        ? (argument as { product: string }).product
        : undefined;
    const spec = await askDevPodSpec(this.services, prompter, {
      session,
      existingNames: this.tree.names(),
      preferredProduct,
    });
    if (!spec) return undefined;
    return this.create(session, spec, this.tree.names());
  }

  async createFromFile(argument?: unknown): Promise<StartResult> {
    const session = this.services.connection.requireSession();
    const problem = await createPermissionProblem(session);
    if (problem) throw forbiddenToCreate(problem);
    const uri = await findDevPodFile(argument);
    requireTrustedWorkspace(DEV_POD_FILE);
    const offer = await gpuOffer(session, this.services.settings.gpuProducts());
    const spec = await specFromFile(
      this.services,
      this.diagnostics,
      uri,
      offer.kind === 'capacity' ? offer.products : [],
    );
    assertWithinGpuQuota(offer.quota, spec.gpu?.count ?? 0, session.namespace);
    // Re-creating from the same file is an idempotent apply, so the file's own name is not a clash.
    return this.create(session, spec, []);
  }

  private async create(
    session: ClusterSession,
    spec: DevPodSpec,
    existingNames: readonly string[],
  ): Promise<StartResult> {
    const result = await createWithProgress(this.services, session, spec, existingNames);
    void this.ensureReaper(session, spec);
    void this.offerTerminal(
      `Dev pod ${spec.name} is running on ${result.node ?? 'its node'} (${(result.runningMs / 1000).toFixed(1)} s).`,
      spec.name,
    );
    return result;
  }

  private async offerTerminal(message: string, name: string): Promise<void> {
    const open = 'Open Terminal';
    if ((await vscode.window.showInformationMessage(message, open)) === open) {
      await vscode.commands.executeCommand('kubeMl.openTerminal', this.tree.node(name));
    }
  }

  /** Installs the namespace's idle reaper once; says so when the user may not (idle stop then needs VS Code open). */
  private async ensureReaper(session: ClusterSession, spec: DevPodSpec): Promise<void> {
    const key = `${session.contextName}/${session.namespace}`;
    if (spec.idleMinutes === 0 || this.reaperChecked.has(key)) return;
    this.reaperChecked.add(key);
    await this.services.errors.guard('install the idle-shutdown CronJob', async () => {
      const result = await ensureIdleReaper(session.kubeConfig, session.namespace, (query) =>
        session.can(query),
      );
      if (result.installed) {
        this.services.output.info(
          `Idle shutdown CronJob is in place in namespace ${session.namespace}.`,
        );
        return;
      }
      const message = `Idle shutdown of dev pods in ${session.namespace} works only while VS Code is open: you may not create ${result.missing.join(', ')} for the in-cluster idle reaper. Ask an admin to create it (Kube ML installs it automatically for users who may).`;
      this.services.output.warn(message);
      void vscode.window.showWarningMessage(message);
    });
  }

  /** The dev pod a command applies to: a view item, a workload, a name, or asked for. */
  private async target(
    argument: unknown,
    states: readonly DevPodState[],
    verb: string,
  ): Promise<string | undefined> {
    if (typeof argument === 'string') return argument;
    if (hasWorkload(argument) && argument.workload.kind === 'DevPod') return argument.workload.name;
    const rows = this.tree.rows().filter((row) => states.includes(row.state));
    if (rows.length === 0) {
      throw new KubeMlError(
        'notFound',
        `No dev pod to ${verb} in this namespace.`,
        'The Dev Pods view lists them with their state.',
      );
    }
    const picked = await vscode.window.showQuickPick(
      rows.map((row) => ({ label: row.name, description: row.phaseText })),
      {
        title: `${verb[0].toUpperCase()}${verb.slice(1)} Dev Pod`,
        placeHolder: `Dev pod to ${verb}`,
      },
    );
    return picked?.label;
  }

  private async requireAllowed(
    session: ClusterSession,
    verb: string,
    resource: string,
    why: string,
  ): Promise<void> {
    if (!(await session.can({ verb, resource, namespace: session.namespace }))) {
      throw new KubeMlError(
        'forbidden',
        `You may not ${why} in namespace ${session.namespace}: RBAC does not allow ${verb} ${resource}.`,
        'Ask a cluster admin for the "edit" role in this namespace.',
      );
    }
  }

  async stop(argument?: unknown): Promise<void> {
    const session = this.services.connection.requireSession();
    const name = await this.target(argument, ['running', 'pending', 'failed'], 'stop');
    if (!name) return;
    await this.requireAllowed(session, 'delete', 'pods', 'stop dev pods');
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Stopping dev pod ${name}` },
      () => stopDevPod(session.kubeConfig, session.namespace, name, 'stopped by user'),
    );
    void vscode.window.showInformationMessage(
      `Dev pod ${name} is stopped: its GPUs are released and ${workspaceClaimName(name)} keeps the workspace. Resume brings it back.`,
    );
  }

  async resume(argument?: unknown): Promise<StartResult | undefined> {
    const session = this.services.connection.requireSession();
    const name = await this.target(argument, ['stopped'], 'resume');
    if (!name) return undefined;
    await this.requireAllowed(session, 'create', 'pods', 'resume dev pods');
    const result = await resumeWithProgress(this.services, session, name);
    void this.offerTerminal(
      `Dev pod ${name} is running again on ${result.node ?? 'its node'} with the same workspace.`,
      name,
    );
    return result;
  }

  async delete(argument?: unknown): Promise<void> {
    const session = this.services.connection.requireSession();
    const name = await this.target(argument, ['running', 'pending', 'failed', 'stopped'], 'delete');
    if (!name) return;
    await this.requireAllowed(session, 'delete', 'pods', 'delete dev pods');
    const keep = 'Delete, Keep Volume';
    const everything = 'Delete Pod and Volume';
    const answer = await vscode.window.showWarningMessage(
      `Delete dev pod ${name}?`,
      {
        modal: true,
        detail: `"${keep}" keeps ${workspaceClaimName(name)} with your files (a new dev pod named ${name} reuses it). "${everything}" erases the files for good.`,
      },
      keep,
      everything,
    );
    if (!answer) return;
    const keepVolume = answer === keep;
    await this.requireAllowed(
      session,
      keepVolume ? 'patch' : 'delete',
      'persistentvolumeclaims',
      keepVolume ? 'keep the workspace volume' : 'delete the workspace volume',
    );
    await deleteDevPod(session.kubeConfig, session.namespace, name, { keepVolume });
    void vscode.window.showInformationMessage(
      keepVolume
        ? `Deleted dev pod ${name}; ${workspaceClaimName(name)} is kept.`
        : `Deleted dev pod ${name} and its workspace volume.`,
    );
  }
}
