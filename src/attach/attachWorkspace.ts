import * as vscode from 'vscode';
import { KubeMlError } from '../cluster/errors';
import { PodFiles } from '../cluster/podFiles';
import type { Services } from '../common/services';
import { execTargetFromArgument } from '../common/workloadTarget';
import {
  authorityOfWorkload,
  formatAuthority,
  KUBEML_SCHEME,
  workspaceFolderName,
} from './model/kubemlUri';
import { devContainersAuthority } from './model/sshd';
import { workspaceOpening } from './model/workspaceOpening';
import { attachWithRemoteSsh } from './sshAttach';

const REMOTE_SSH = 'ms-vscode-remote.remote-ssh';
const DEV_CONTAINERS = 'ms-vscode-remote.remote-containers';

type AttachMethod = 'remoteSsh' | 'devContainers' | 'builtIn';

/** Methods in the order the issue asks: Remote-SSH, Dev Containers, then the always-available built-in one. */
function availableMethods(): { method: AttachMethod; label: string; detail: string }[] {
  const methods: { method: AttachMethod; label: string; detail: string }[] = [];
  if (vscode.extensions.getExtension(REMOTE_SSH)) {
    methods.push({
      method: 'remoteSsh',
      label: '$(remote) Remote-SSH',
      detail:
        'Full remote window (extensions run in the pod); starts sshd in the pod and tunnels through the API server.',
    });
  }
  if (vscode.extensions.getExtension(DEV_CONTAINERS)) {
    methods.push({
      method: 'devContainers',
      label: '$(vm) Dev Containers',
      detail: 'Attach to the Kubernetes container (needs kubectl on this machine).',
    });
  }
  methods.push({
    method: 'builtIn',
    label: '$(folder) Kube ML workspace (built in)',
    detail:
      'Opens the pod folder in this window over exec: explorer and editing work in any VS Code; search with "Kube ML: Search in Dev Pod Workspace".',
  });
  return methods;
}

type OpeningChoice = 'openInPlace' | 'openInNewWindow' | 'addToWorkspace';

async function askHowToOpen(
  folder: vscode.Uri,
  workloadName: string,
  addingConvertsWindow: boolean,
): Promise<OpeningChoice | undefined> {
  const current = (vscode.workspace.workspaceFolders ?? [])
    .map((workspaceFolder) => workspaceFolder.name)
    .join(', ');
  const choices: (vscode.QuickPickItem & { choice: OpeningChoice })[] = [
    {
      choice: 'openInPlace',
      label: '$(window) Open in This Window',
      detail: `The window reloads on the pod folder; ${current} stays in File > Open Recent.`,
    },
    {
      choice: 'openInNewWindow',
      label: '$(empty-window) Open in New Window',
      detail: 'This window stays as it is.',
    },
    {
      choice: 'addToWorkspace',
      label: '$(root-folder-opened) Add to Workspace',
      detail: addingConvertsWindow
        ? `Next to ${current}: VS Code turns this window into an untitled multi-root workspace and restarts its extensions.`
        : 'Adds the pod folder to this workspace.',
    },
  ];
  const picked = await vscode.window.showQuickPick(choices, {
    title: `Kube ML: Attach Workspace to ${workloadName}`,
    placeHolder: `Open ${folder.path} from the pod...`,
  });
  return picked?.choice;
}

/**
 * Brings the kubeml:// folder of the workload into VS Code (see model/workspaceOpening.ts for why
 * opening is preferred to adding). False when the user cancels.
 */
export async function openBuiltInWorkspace(
  folder: vscode.Uri,
  workloadName: string,
): Promise<boolean> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const opening = workspaceOpening(
    {
      folders: folders.map((workspaceFolder) => workspaceFolder.uri.toString()),
      hasWorkspaceFile: vscode.workspace.workspaceFile !== undefined,
    },
    folder.toString(),
  );
  if (opening.kind === 'reveal') {
    await vscode.commands.executeCommand('workbench.view.explorer');
    return true;
  }
  const choice =
    opening.kind === 'openInPlace'
      ? 'openInPlace'
      : await askHowToOpen(folder, workloadName, opening.addingConvertsWindow);
  if (!choice) return false;
  if (choice === 'addToWorkspace') {
    if (
      !vscode.workspace.updateWorkspaceFolders(folders.length, 0, {
        uri: folder,
        name: workspaceFolderName(workloadName),
      })
    ) {
      throw new KubeMlError(
        'conflict',
        `VS Code did not add ${workspaceFolderName(workloadName)} to the workspace.`,
        'Another workspace folder change may still be in progress: try again, or choose "Open in This Window".',
      );
    }
    await vscode.commands.executeCommand('workbench.view.explorer');
    return true;
  }
  // The kubeml scheme's provider comes back with the extension (activation event onFileSystem:kubeml).
  await vscode.commands.executeCommand('vscode.openFolder', folder, {
    forceNewWindow: choice === 'openInNewWindow',
  });
  return true;
}

/** Kube ML: Attach Workspace: opens the pod's working folder as the workspace. */
export async function attachWorkspace(
  services: Services,
  argument: unknown,
): Promise<vscode.Uri | undefined> {
  const resolved = await execTargetFromArgument(services, argument, 'attach a workspace');
  if (!resolved) return undefined;
  const { workload, session, target } = resolved;
  const folder = await new PodFiles(session.kubeConfig, target).workingDirectory();

  const methods = availableMethods();
  const choice =
    methods.length === 1
      ? methods[0]
      : await vscode.window.showQuickPick(methods, {
          title: `Kube ML: Attach Workspace to ${workload.name}`,
          placeHolder: `Open ${folder} with...`,
        });
  if (!choice) return undefined;
  if (choice.method === 'remoteSsh') {
    if (await attachWithRemoteSsh(services, workload, target, folder))
      return vscode.Uri.parse(`vscode-remote://ssh-remote/${folder}`);
    void vscode.window.showInformationMessage(
      'Kube ML: without the Include line Remote-SSH cannot see the dev pod host; opening the built-in Kube ML workspace instead.',
    );
  } else if (choice.method === 'devContainers') {
    const uri = vscode.Uri.parse(
      `vscode-remote://${devContainersAuthority({ contextName: session.contextName, ...target })}${folder}`,
    );
    await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
    return uri;
  }
  const uri = vscode.Uri.from({
    scheme: KUBEML_SCHEME,
    authority: formatAuthority(
      authorityOfWorkload(workload, target.container, session.contextName),
    ),
    path: folder,
  });
  return (await openBuiltInWorkspace(uri, workload.name)) ? uri : undefined;
}
