// Workspace files (.kubeml/*.yaml) describe pods and the commands they run. A repository is not
// the user: it may ask for nothing unless the workspace is trusted, and it may not lower the pod
// security the user chose without the user saying so.
import * as vscode from 'vscode';
import { KubeMlError } from '../cluster/errors';

export function requireTrustedWorkspace(file: string): void {
  if (vscode.workspace.isTrusted) return;
  throw new KubeMlError(
    'untrustedWorkspace',
    `This workspace is not trusted, so Kube ML does not create anything from its ${file}.`,
    'Read the file, then trust the workspace (Manage Workspace Trust) and run the command again.',
  );
}

/**
 * True when the pods may be created as `requested` says: always when it keeps them restricted,
 * and after a modal confirmation when a file turns restriction off against the user's setting.
 */
export async function confirmPodSecurity(
  file: string,
  requestedRestricted: boolean,
  userRestricted: boolean,
): Promise<boolean> {
  if (requestedRestricted || !userRestricted) return true;
  const answer = await vscode.window.showWarningMessage(
    `${file} turns off restricted pod security: its pods may run as root. Your setting (kubeMl.devPods.restrictedPodSecurity) keeps pods restricted.`,
    {
      modal: true,
      detail: 'Continue only if you wrote or checked this file and the image needs root.',
    },
    'Create Unrestricted Pods',
  );
  return answer === 'Create Unrestricted Pods';
}
