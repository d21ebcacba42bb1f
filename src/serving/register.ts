import * as vscode from 'vscode';
import { KubeMlError } from '../cluster/errors';
import { fileListText, formatSize } from '../common/model/fileListing';
import { pathInsideFolder } from '../common/model/workspacePath';
import type { Services } from '../common/services';
import { confirmPodSecurity, requireTrustedWorkspace } from '../common/workspaceFiles';
import { deleteCommand, endpointArgument, rollBackCommand, scaleCommand } from './endpointCommands';
import { EndpointStore } from './endpointStore';
import { EndpointsTreeProvider } from './endpointsTree';
import { deployEndpoint, type DeployRequest, type DeployResult } from './deployService';
import { guidedDeploy, saveEndpointFile } from './deployFlow';
import { ENDPOINT_FILE_PATH, parseEndpointFile, type EndpointFile } from './model/endpointFile';
import { publicExposureWarning } from './model/exposureWarning';
import type { ScannedModel } from './modelUpload';
import { PlaygroundPanel } from './playgroundPanel';
import { registerCommands } from '../common/commandTable';
import { followSession } from '../common/sessionScoped';

function isDeployRequest(value: unknown): value is DeployRequest {
  const candidate = value as Partial<DeployRequest> | undefined;
  return typeof candidate?.spec?.name === 'string' && typeof candidate.source?.kind === 'string';
}

/** Model serving: the Endpoints view, Deploy Model (guided or from .kubeml/endpoint.yaml), endpoint actions and the Playground. */
/** A modal listing what a local model upload sends (a file named the folder, not the user). */
async function confirmModelUpload(folder: string, model: ScannedModel): Promise<boolean> {
  const detail = fileListText(
    `${model.files.length} files, ${formatSize(model.totalBytes)}, into a model volume in the namespace:`,
    model.files.map((file) => ({ path: file.path, bytes: file.size })),
    model.leftOut,
  );
  return (
    (await vscode.window.showWarningMessage(
      `Upload ${folder} to the cluster?`,
      { modal: true, detail },
      'Upload',
    )) === 'Upload'
  );
}

/** A modal before an endpoint is reachable from outside the cluster; true when it may go ahead. */
async function confirmPublicExposure(spec: EndpointFile['spec']): Promise<boolean> {
  const warning = publicExposureWarning(spec);
  if (!warning) return true;
  return (
    (await vscode.window.showWarningMessage(
      warning.message,
      { modal: true, detail: warning.detail },
      'Expose',
    )) === 'Expose'
  );
}

export function registerServing(services: Services): void {
  const subscriptions = services.extensionContext.subscriptions;
  const store = new EndpointStore(services.output);
  const tree = new EndpointsTreeProvider(store);
  subscriptions.push(
    store,
    tree,
    vscode.window.createTreeView('kubeMl.endpoints', {
      treeDataProvider: tree,
      showCollapseAll: false,
    }),
    followSession(services.connection, (session) => store.setSession(session)),
    { dispose: () => PlaygroundPanel.current?.dispose() },
  );

  const deploy = async (request: DeployRequest): Promise<DeployResult & { listed: boolean }> => {
    const result = await deployEndpoint(services, store, request);
    const id = `${result.spec.namespace}/${result.spec.name}`;
    return { ...result, listed: tree.itemFor(id) !== undefined || store.get(id) !== undefined };
  };

  subscriptions.push(
    registerCommands(services.errors, {
      // Argument: an explorer Uri (folder/file), a DeployRequest (tests, other features), or nothing (guided flow).
      'kubeMl.deployModel': {
        operation: 'deploy a model',
        run: async (argument?: unknown) => {
          if (isDeployRequest(argument)) return deploy(argument);
          const guided = await guidedDeploy(
            services,
            argument instanceof vscode.Uri ? argument : undefined,
          );
          if (!guided) return undefined;
          if (guided.action !== 'save' && !(await confirmPublicExposure(guided.request.spec)))
            return undefined;
          if (guided.action !== 'deploy') {
            const saved = await saveEndpointFile(guided.request);
            if (saved) void vscode.window.showInformationMessage(`Saved ${ENDPOINT_FILE_PATH}.`);
          }
          return guided.action === 'save' ? undefined : deploy(guided.request);
        },
      },
      'kubeMl.deployModelFromFile': {
        operation: `deploy from ${ENDPOINT_FILE_PATH}`,
        run: async (argument?: unknown) => {
          requireTrustedWorkspace(ENDPOINT_FILE_PATH);
          const folder =
            argument instanceof vscode.Uri ? argument : vscode.workspace.workspaceFolders?.[0]?.uri;
          if (!folder)
            throw new KubeMlError('notFound', `Open a folder that contains ${ENDPOINT_FILE_PATH}.`);
          const uri = folder.path.endsWith('.yaml')
            ? folder
            : vscode.Uri.joinPath(folder, ENDPOINT_FILE_PATH);
          let text: string;
          try {
            text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
          } catch {
            throw new KubeMlError(
              'notFound',
              `${uri.fsPath} does not exist.`,
              'Run Deploy Model and choose "Deploy and save", or write the file by hand.',
            );
          }
          const { file, problems } = parseEndpointFile(text);
          if (!file)
            throw new KubeMlError(
              'invalidInput',
              `${ENDPOINT_FILE_PATH} has ${problems.length} problem(s): ${problems.join(' ')}`,
              'Fix the named fields and run the command again.',
            );
          if (
            !(await confirmPodSecurity(
              ENDPOINT_FILE_PATH,
              file.spec.restrictedPodSecurity,
              services.settings.restrictedPodSecurity(),
            ))
          )
            return undefined;
          const baseFolder = vscode.Uri.joinPath(uri, '..', '..').fsPath;
          if (!(await confirmPublicExposure(file.spec))) return undefined;
          const source =
            file.source.kind === 'local'
              ? {
                  kind: 'local' as const,
                  path: await pathInsideFolder(baseFolder, file.source.path, 'model.local'),
                }
              : file.source;
          return deploy({ spec: file.spec, source, baseFolder, confirmUpload: confirmModelUpload });
        },
      },
      'kubeMl.openPlayground': {
        operation: 'open the playground',
        run: async (argument?: unknown) => {
          const endpoint =
            store.list().length > 0 ? await endpointArgument(store, argument) : undefined;
          return PlaygroundPanel.show(services, store, endpoint?.id) !== undefined;
        },
      },
      'kubeMl.scaleEndpoint': {
        operation: 'scale the endpoint',
        run: (argument?: unknown, replicas?: string) =>
          scaleCommand(
            services,
            store,
            argument,
            typeof replicas === 'string' ? replicas : undefined,
          ),
      },
      'kubeMl.rollBackEndpoint': {
        operation: 'roll back the endpoint',
        run: (argument?: unknown, confirmed?: boolean) =>
          rollBackCommand(services, store, argument, confirmed === true),
      },
      'kubeMl.deleteEndpoint': {
        operation: 'delete the endpoint',
        run: (argument?: unknown, answer?: 'Delete' | 'Delete with Model Volume') =>
          deleteCommand(services, store, argument, answer),
      },
    }),
  );
}
