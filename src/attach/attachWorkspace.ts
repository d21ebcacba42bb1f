import * as vscode from 'vscode';
import { PodFiles } from '../cluster/podFiles';
import type { Services } from '../common/services';
import { execTargetFromArgument } from '../remoteAccess/workloadTarget';
import { authorityOfWorkload, formatAuthority, KUBEML_SCHEME, workspaceFolderName } from './model/kubemlUri';
import { devContainersAuthority } from './model/sshd';
import { attachWithRemoteSsh } from './sshAttach';

const REMOTE_SSH = 'ms-vscode-remote.remote-ssh';
const DEV_CONTAINERS = 'ms-vscode-remote.remote-containers';

type AttachMethod = 'remoteSsh' | 'devContainers' | 'builtIn';

/** Methods in the order the issue asks: Remote-SSH, Dev Containers, then the always-available built-in one. */
function availableMethods(): { method: AttachMethod; label: string; detail: string }[] {
  const methods: { method: AttachMethod; label: string; detail: string }[] = [];
  if (vscode.extensions.getExtension(REMOTE_SSH)) {
    methods.push({ method: 'remoteSsh', label: '$(remote) Remote-SSH', detail: 'Full remote window (extensions run in the pod); starts sshd in the pod and tunnels through the API server.' });
  }
  if (vscode.extensions.getExtension(DEV_CONTAINERS)) {
    methods.push({ method: 'devContainers', label: '$(vm) Dev Containers', detail: 'Attach to the Kubernetes container (needs kubectl on this machine).' });
  }
  methods.push({ method: 'builtIn', label: '$(folder) Kube ML workspace (built in)', detail: 'Opens the pod folder in this window over exec: explorer and editing work in any VS Code; search with "Kube ML: Search in Dev Pod Workspace".' });
  return methods;
}

/** The kubeml:// folder of the workload, added to this window's workspace. */
export function openBuiltInWorkspace(uri: vscode.Uri, workloadName: string): void {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.some((folder) => folder.uri.toString() === uri.toString())) {
    void vscode.commands.executeCommand('workbench.view.explorer');
    return;
  }
  const added = vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri, name: workspaceFolderName(workloadName) });
  if (!added) {
    void vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: false });
    return;
  }
  void vscode.commands.executeCommand('workbench.view.explorer');
}

/** Kube ML: Attach Workspace: opens the pod's working folder as a workspace folder. */
export async function attachWorkspace(services: Services, argument: unknown): Promise<vscode.Uri | undefined> {
  const resolved = await execTargetFromArgument(services, argument, 'attach a workspace');
  if (!resolved) return undefined;
  const { workload, session, target } = resolved;
  const folder = await new PodFiles(session.kubeConfig, target).workingDirectory();

  const methods = availableMethods();
  const choice = methods.length === 1 ? methods[0] : await vscode.window.showQuickPick(methods, { title: `Kube ML: Attach Workspace to ${workload.name}`, placeHolder: `Open ${folder} with...` });
  if (!choice) return undefined;
  if (choice.method === 'remoteSsh') {
    if (await attachWithRemoteSsh(services, workload, target, folder)) return vscode.Uri.parse(`vscode-remote://ssh-remote/${folder}`);
    void vscode.window.showInformationMessage('Kube ML: without the Include line Remote-SSH cannot see the dev pod host; opening the built-in Kube ML workspace instead.');
  } else if (choice.method === 'devContainers') {
    const uri = vscode.Uri.parse(`vscode-remote://${devContainersAuthority({ contextName: session.contextName, ...target })}${folder}`);
    await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
    return uri;
  }
  const uri = vscode.Uri.from({ scheme: KUBEML_SCHEME, authority: formatAuthority(authorityOfWorkload(workload, target.container)), path: folder });
  openBuiltInWorkspace(uri, workload.name);
  return uri;
}
