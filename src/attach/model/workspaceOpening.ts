/**
 * How Attach Workspace brings a kubeml:// folder into VS Code, from what the window holds now.
 *
 * Adding a folder to a single-folder window is not a small edit: VS Code turns the window into an
 * untitled multi-root workspace and restarts the extension host, and a reload under load has been
 * seen to come back with that workspace empty. Opening the folder (vscode.openFolder) loads the
 * window straight onto it, so that is what happens when the window holds nothing to lose; with
 * folders open, the user chooses, and adding stays one of the choices.
 */
export type WorkspaceOpening =
  /** The folder is already in the window: only show it. */
  | { readonly kind: 'reveal' }
  /** An empty window (no folder, or a workspace without folders): open the folder in it. */
  | { readonly kind: 'openInPlace' }
  /** Folders are open: ask whether to open in place, in a new window, or add to the workspace. */
  | { readonly kind: 'ask'; readonly addingConvertsWindow: boolean };

export interface WindowFolders {
  /** URIs (as strings) of the window's workspace folders. */
  readonly folders: readonly string[];
  /** True when the window has a .code-workspace (saved or untitled), not a single folder. */
  readonly hasWorkspaceFile: boolean;
}

export function workspaceOpening(window: WindowFolders, target: string): WorkspaceOpening {
  if (window.folders.includes(target)) return { kind: 'reveal' };
  if (window.folders.length === 0) return { kind: 'openInPlace' };
  // A saved or untitled .code-workspace takes another folder in place; a single-folder window is converted.
  return { kind: 'ask', addingConvertsWindow: !window.hasWorkspaceFile };
}
