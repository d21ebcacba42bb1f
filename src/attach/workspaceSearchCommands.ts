import * as vscode from 'vscode';
import { KubeMlError } from '../cluster/errors';
import type { Services } from '../common/services';
import { KUBEML_SCHEME } from './model/kubemlUri';
import {
  DEFAULT_FILE_LIMIT,
  DEFAULT_SEARCH_LIMITS,
  linePreview,
  markMatches,
  matchRanges,
  type SearchMatch,
  type SearchQuery,
} from './model/workspaceSearch';
import type { PodFileSystemProvider } from './podFileSystem';
import { listPodFiles, searchPodFiles } from './podSearch';
import { DisposableStore } from '../cluster/disposableStore';
import { registerCommands } from '../common/commandTable';

/** Set while a kubeml:// folder is in the workspace: shows Search / Go to File in the palette. */
export const KUBEML_WORKSPACE_OPEN_KEY = 'kubeMl.kubemlWorkspaceOpen';
/** Typing pauses this long before a search runs in the pod. */
const SEARCH_DEBOUNCE_MS = 300;

function kubemlFolders(): readonly vscode.WorkspaceFolder[] {
  return (vscode.workspace.workspaceFolders ?? []).filter(
    (folder) => folder.uri.scheme === KUBEML_SCHEME,
  );
}

function updateContextKey(): void {
  void vscode.commands.executeCommand(
    'setContext',
    KUBEML_WORKSPACE_OPEN_KEY,
    kubemlFolders().length > 0,
  );
}

/** The folder to search: the clicked kubeml:// folder, the only kubeml:// workspace folder, or one the user picks. */
async function searchRoot(argument: unknown, purpose: string): Promise<vscode.Uri | undefined> {
  if (argument instanceof vscode.Uri && argument.scheme === KUBEML_SCHEME) {
    const stat = await vscode.workspace.fs.stat(argument);
    return stat.type & vscode.FileType.Directory ? argument : vscode.Uri.joinPath(argument, '..');
  }
  const folders = kubemlFolders();
  if (folders.length === 0) {
    throw new KubeMlError(
      'notFound',
      `Cannot ${purpose}: no Kube ML workspace folder is open.`,
      'Open one with "Kube ML: Attach Workspace" (built-in option) on a running dev pod.',
    );
  }
  if (folders.length === 1) return folders[0].uri;
  const active = vscode.window.activeTextEditor?.document.uri;
  const preferred = active && folders.find((folder) => folder.uri.authority === active.authority);
  const picked = await vscode.window.showQuickPick(
    folders.map((folder) => ({
      label: folder.name,
      description: folder.uri.path,
      folder,
      picked: folder === preferred,
    })),
    { title: `Kube ML: ${purpose}`, placeHolder: 'Which dev pod workspace?' },
  );
  return picked?.folder.uri;
}

async function openAt(uri: vscode.Uri, line?: number, range?: [number, number]): Promise<void> {
  const document = await vscode.workspace.openTextDocument(uri);
  const position = line !== undefined ? Math.max(0, line - 1) : 0;
  const selection = range
    ? new vscode.Range(position, range[0], position, range[1])
    : new vscode.Range(position, 0, position, 0);
  await vscode.window.showTextDocument(document, { selection, preview: true });
}

interface MatchItem extends vscode.QuickPickItem {
  readonly match: SearchMatch;
  readonly firstRange?: [number, number];
}

function matchItem(match: SearchMatch, query: SearchQuery): MatchItem {
  const ranges = matchRanges(match.text, query);
  return {
    label: markMatches(linePreview(match.text, ranges)),
    description: `${match.relativePath}:${match.line}`,
    // Keeps every result visible whatever the input says: grep already filtered them.
    alwaysShow: true,
    match,
    firstRange: ranges[0],
  };
}

const REGEX_ON: vscode.QuickInputButton = {
  iconPath: new vscode.ThemeIcon('regex', new vscode.ThemeColor('inputOption.activeForeground')),
  tooltip: 'Use Regular Expression (on)',
};
const REGEX_OFF: vscode.QuickInputButton = {
  iconPath: new vscode.ThemeIcon('regex'),
  tooltip: 'Use Regular Expression (off)',
};
const CASE_ON: vscode.QuickInputButton = {
  iconPath: new vscode.ThemeIcon(
    'case-sensitive',
    new vscode.ThemeColor('inputOption.activeForeground'),
  ),
  tooltip: 'Match Case (on)',
};
const CASE_OFF: vscode.QuickInputButton = {
  iconPath: new vscode.ThemeIcon('case-sensitive'),
  tooltip: 'Match Case (off)',
};

/** Kube ML: Search in Dev Pod Workspace: grep in the container as you type, open the picked line. */
async function searchWorkspace(
  services: Services,
  fileSystem: PodFileSystemProvider,
  argument: unknown,
): Promise<void> {
  const root = await searchRoot(argument, 'Search in Dev Pod Workspace');
  if (!root) return;
  const { kubeConfig, target } = await fileSystem.execTargetOf(root);
  const picker = vscode.window.createQuickPick<MatchItem>();
  const disposables = new DisposableStore();
  disposables.add(picker);
  let isRegex = false;
  let caseSensitive = false;
  let running: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  const title = () =>
    `Search in ${root.path} (${target.pod})${isRegex ? ' · regex' : ''}${caseSensitive ? ' · match case' : ''}`;
  const updateButtons = () => {
    picker.buttons = [isRegex ? REGEX_ON : REGEX_OFF, caseSensitive ? CASE_ON : CASE_OFF];
    picker.title = title();
  };
  const search = async () => {
    running?.abort();
    const query: SearchQuery = { pattern: picker.value, isRegex, caseSensitive };
    if (query.pattern.length === 0) {
      picker.items = [];
      picker.placeholder = 'Type text (or a regex, with the .* button) to search the pod files';
      return;
    }
    const controller = new AbortController();
    running = controller;
    picker.busy = true;
    try {
      const result = await searchPodFiles(
        kubeConfig,
        target,
        root.path,
        query,
        DEFAULT_SEARCH_LIMITS,
        controller.signal,
      );
      if (controller.signal.aborted) return;
      picker.items = result.matches.map((match) => matchItem(match, query));
      picker.placeholder = `${result.matches.length}${result.truncated ? '+' : ''} matches${result.truncated ? ` (first ${DEFAULT_SEARCH_LIMITS.total} shown; refine the search)` : ''}`;
    } catch (error) {
      if (controller.signal.aborted) return;
      picker.items = [];
      services.errors.show(error, 'search the dev pod workspace');
    } finally {
      if (running === controller) picker.busy = false;
    }
  };
  const scheduleSearch = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void search(), SEARCH_DEBOUNCE_MS);
  };
  updateButtons();
  picker.placeholder = 'Type text (or a regex, with the .* button) to search the pod files';
  picker.matchOnDescription = false;
  disposables.add(picker.onDidChangeValue(scheduleSearch));
  disposables.add(
    picker.onDidTriggerButton((button) => {
      if (button === REGEX_ON || button === REGEX_OFF) isRegex = !isRegex;
      else caseSensitive = !caseSensitive;
      updateButtons();
      scheduleSearch();
    }),
  );
  disposables.add(
    picker.onDidAccept(() => {
      const chosen = picker.selectedItems[0];
      if (!chosen) return;
      picker.hide();
      void openAt(
        root.with({ path: chosen.match.path }),
        chosen.match.line,
        chosen.firstRange,
      ).catch((error: unknown) => services.errors.show(error, `open ${chosen.match.relativePath}`));
    }),
  );
  disposables.add(
    picker.onDidHide(() => {
      running?.abort();
      if (timer) clearTimeout(timer);
      disposables.dispose();
    }),
  );
  picker.show();
}

/** Kube ML: Go to File in Dev Pod: lists the workspace's files with find, opens the picked one. */
async function openFileInWorkspace(
  services: Services,
  fileSystem: PodFileSystemProvider,
  argument: unknown,
): Promise<void> {
  const root = await searchRoot(argument, 'Go to File in Dev Pod');
  if (!root) return;
  const { kubeConfig, target } = await fileSystem.execTargetOf(root);
  const picker = vscode.window.createQuickPick<vscode.QuickPickItem & { path: string }>();
  const controller = new AbortController();
  picker.title = `Go to File in ${root.path} (${target.pod})`;
  picker.placeholder = 'Listing files in the pod…';
  picker.matchOnDescription = true;
  picker.busy = true;
  const disposables = new DisposableStore();
  disposables.add(picker);
  disposables.add(
    picker.onDidAccept(() => {
      const chosen = picker.selectedItems[0];
      if (!chosen) return;
      picker.hide();
      void openAt(vscode.Uri.joinPath(root, chosen.path)).catch((error: unknown) =>
        services.errors.show(error, `open ${chosen.path}`),
      );
    }),
  );
  disposables.add(
    picker.onDidHide(() => {
      controller.abort();
      disposables.dispose();
    }),
  );
  picker.show();
  try {
    const { paths, truncated } = await listPodFiles(
      kubeConfig,
      target,
      root.path,
      DEFAULT_FILE_LIMIT,
      controller.signal,
    );
    picker.items = paths.map((path) => {
      const slash = path.lastIndexOf('/');
      return {
        label: `$(file) ${path.slice(slash + 1)}`,
        description: slash >= 0 ? path.slice(0, slash) : '',
        path,
      };
    });
    picker.placeholder = truncated
      ? `First ${DEFAULT_FILE_LIMIT} files (.git, node_modules and caches skipped); type to filter`
      : `${paths.length} files; type to filter`;
  } catch (error) {
    if (controller.signal.aborted) return;
    picker.hide();
    throw error;
  } finally {
    picker.busy = false;
  }
}

/** Registers both commands and keeps their context key in step with the workspace folders. */
export function registerWorkspaceSearch(
  services: Services,
  fileSystem: PodFileSystemProvider,
): vscode.Disposable {
  updateContextKey();
  const commands = registerCommands(services.errors, {
    'kubeMl.searchWorkspace': {
      operation: 'search the dev pod workspace',
      run: (argument?: unknown) => searchWorkspace(services, fileSystem, argument),
    },
    'kubeMl.openFileInWorkspace': {
      operation: 'go to a file in the dev pod',
      run: (argument?: unknown) => openFileInWorkspace(services, fileSystem, argument),
    },
  });
  return vscode.Disposable.from(
    commands,
    vscode.workspace.onDidChangeWorkspaceFolders(updateContextKey),
  );
}
