// Terminals, port forwards and the kubeml:// workspace inside the real extension host, against a
// pod of the sandbox cluster; and the chosen context/namespace surviving a reload.
import * as assert from 'assert';
import * as vscode from 'vscode';
import * as k8s from '@kubernetes/client-node';
import type { Services } from '../../src/common/services';
import { VIEW_ROWS_COMMAND } from '../../src/common/viewRows';
import type { WorkloadRef } from '../../src/cluster/workloadRef';
import { PodFiles } from '../../src/cluster/podFiles';
import { attachWorkspace } from '../../src/attach/attachWorkspace';
import { formatAuthority } from '../../src/attach/model/kubemlUri';
import { KubeClusterConnection } from '../../src/common/clusterConnection';
import { PodTerminal } from '../../src/terminals/podTerminal';
import { adminKubeConfig, createTestNamespace, getApi, waitFor } from './helpers';
import { httpGet } from '../httpGet';
import { ExecCredentialCache } from '../../src/cluster/execCredentials/credentialCache';

const ADMIN_CONTEXT = 'kube-ml-sandbox';
const DEVELOPER_CONTEXT = 'kube-ml-sandbox-developer';

interface ForwardItemView {
  id: string;
  label: string;
  description: string;
  contextValue: string;
  reconnects: number;
}

describe('remote access', () => {
  const namespace = `ra-vscode-${Date.now().toString(36)}`;
  const workload: WorkloadRef = {
    kind: 'DevPod',
    namespace,
    name: 'vs',
    podSelector: 'kube-ml.dev/devpod=vs',
  };
  let services: Services;
  let core: k8s.CoreV1Api;
  let folder: vscode.Uri;
  let files: PodFiles;

  before(async function () {
    this.timeout(60_000);
    services = (await getApi()).services;
    await waitFor(() => services.connection.session, 10_000, 'a session');
    core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
    await createTestNamespace(core, namespace);
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'vs', labels: { 'kube-ml.dev/devpod': 'vs' } },
        spec: { containers: [{ name: 'main', image: 'python:3.11' }] },
      },
    });
    await waitFor(
      async () =>
        (await core.readNamespacedPod({ namespace, name: 'vs' })).status?.phase === 'Running',
      30_000,
      'the pod to run',
    );
    files = new PodFiles(adminKubeConfig(), { namespace, pod: 'vs', container: 'main' });
    const workingDirectory = await files.workingDirectory();
    folder = vscode.Uri.from({
      scheme: 'kubeml',
      authority: `devpod~${namespace}~vs`,
      path: workingDirectory,
    });
  });

  after(async function () {
    this.timeout(30_000);
    for (const terminal of vscode.window.terminals.filter((candidate) =>
      candidate.name.startsWith('vs/'),
    ))
      terminal.dispose();
    await core.deleteNamespace({ name: namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
  });

  it('kubeml:// reads, writes, lists, renames and deletes files in the pod', async function () {
    this.timeout(60_000);
    const file = vscode.Uri.joinPath(folder, 'notes.txt');
    const binary = new Uint8Array([0, 1, 2, 253, 254, 255, 10, 13]);
    await vscode.workspace.fs.writeFile(file, Buffer.from('hello from VS Code\n'));
    assert.strictEqual(
      Buffer.from(await vscode.workspace.fs.readFile(file)).toString(),
      'hello from VS Code\n',
    );
    assert.strictEqual(
      (await files.readFile(`${folder.path}/notes.txt`)).content.toString(),
      'hello from VS Code\n',
      'the bytes are in the pod',
    );
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'data.bin'), binary);
    assert.deepStrictEqual(
      [...(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, 'data.bin')))],
      [...binary],
    );
    const stat = await vscode.workspace.fs.stat(file);
    assert.strictEqual(stat.type, vscode.FileType.File);
    assert.strictEqual(stat.size, 19);
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(folder, 'sub'));
    const entries = new Map(await vscode.workspace.fs.readDirectory(folder));
    assert.strictEqual(entries.get('notes.txt'), vscode.FileType.File);
    assert.strictEqual(entries.get('sub'), vscode.FileType.Directory);
    await vscode.workspace.fs.rename(file, vscode.Uri.joinPath(folder, 'sub', 'moved.txt'));
    assert.strictEqual(
      Buffer.from(
        await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, 'sub', 'moved.txt')),
      ).toString(),
      'hello from VS Code\n',
    );
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder, 'sub'), { recursive: true });
    await assert.rejects(
      Promise.resolve(vscode.workspace.fs.stat(vscode.Uri.joinPath(folder, 'sub'))),
      (error: vscode.FileSystemError) => error.code === 'FileNotFound',
    );
  });

  it('kubeml:// opens a document and refuses to overwrite a file changed behind its back', async function () {
    this.timeout(60_000);
    const file = vscode.Uri.joinPath(folder, 'train.py');
    await vscode.workspace.fs.writeFile(file, Buffer.from('print("v1")\n'));
    const document = await vscode.workspace.openTextDocument(file);
    assert.strictEqual(document.getText(), 'print("v1")\n');
    await vscode.workspace.fs.readFile(file);
    await files.writeFile(`${folder.path}/train.py`, Buffer.from('print("changed in the pod")\n'), {
      create: false,
      overwrite: true,
    });
    await assert.rejects(
      Promise.resolve(vscode.workspace.fs.writeFile(file, Buffer.from('print("mine")\n'))),
      /changed in the pod since you opened it/,
    );
    assert.strictEqual(
      (await files.readFile(`${folder.path}/train.py`)).content.toString(),
      'print("changed in the pod")\n',
    );
  });

  it('Open Terminal creates a terminal named <pod>/<container> that takes keys at once', async function () {
    this.timeout(30_000);
    const opened = await vscode.commands.executeCommand<vscode.Terminal | undefined>(
      'kubeMl.openTerminal',
      { workload },
    );
    assert.ok(opened, 'the command returned the terminal');
    // Sent straight away through the UI; the next test pins the typed-while-connecting case down.
    opened.sendText(`printf typed-at-once > ${folder.path}/typed-at-once.txt`);
    const terminal = await waitFor(
      () => vscode.window.terminals.find((candidate) => candidate.name === 'vs/main'),
      15_000,
      'the vs/main terminal',
    );
    assert.strictEqual(terminal.exitStatus, undefined, 'the terminal is running');
    const written = await waitFor(
      async () => (await files.readFile(`${folder.path}/typed-at-once.txt`)).content.toString(),
      15_000,
      'the command typed at once to run in the pod',
    );
    assert.strictEqual(written, 'typed-at-once');
  });

  it('a pod terminal sends keys typed while it connects once the shell is up', async function () {
    this.timeout(30_000);
    const target = { namespace, pod: 'vs', container: 'main' };
    const terminal = new PodTerminal({
      kubeConfig: adminKubeConfig,
      resolveTarget: async () => target,
      initialTarget: target,
      onActivity: () => undefined,
      log: services.output,
    });
    let output = '';
    const writes = terminal.onDidWrite((data) => (output += data));
    try {
      terminal.open({ columns: 120, rows: 30 });
      // open() has only started connecting: without the buffer these keys were dropped.
      terminal.handleInput('echo "typed-early=$((6*7))"\r');
      await waitFor(
        () => output.includes('typed-early=42'),
        20_000,
        'the shell to run the command typed while connecting',
      );
      assert.match(output, /Connecting to vs\/main/);
    } finally {
      writes.dispose();
      terminal.close();
    }
  });

  it('Forward Port forwards 8888 and the Port Forwards view lists it until it is stopped', async function () {
    this.timeout(60_000);
    const result = await vscode.commands.executeCommand<{
      key: string;
      localPort: number;
      url: string;
    }>('kubeMl.forwardPort', { workload, remotePort: 8888, open: false });
    assert.ok(result, 'the command returned the forward');
    assert.match(result.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const response = await httpGet(result.url);
    assert.strictEqual(response.status, 200);
    assert.match(response.body, /JupyterLab/);
    const items = await vscode.commands.executeCommand<ForwardItemView[]>(
      VIEW_ROWS_COMMAND,
      'kubeMl.forwards',
    );
    const item = items.find((candidate) => candidate.id === result.key);
    assert.ok(item, `the view lists ${result.key}: ${JSON.stringify(items)}`);
    assert.strictEqual(item.contextValue, 'forward');
    assert.strictEqual(item.label, `localhost:${result.localPort} → vs:8888`);
    assert.match(item.description, /^active · ↓/);
    await vscode.commands.executeCommand('kubeMl.stopForward', { key: result.key });
    const after = await vscode.commands.executeCommand<ForwardItemView[]>(
      VIEW_ROWS_COMMAND,
      'kubeMl.forwards',
    );
    assert.ok(
      !after.some((candidate) => candidate.id === result.key),
      'stopped forwards leave the view',
    );
  });

  it('Attach Workspace asks before leaving the open folder and, when dismissed, leaves the window a single-folder one', async function () {
    this.timeout(60_000);
    const foldersBefore = (vscode.workspace.workspaceFolders ?? []).map((workspaceFolder) =>
      workspaceFolder.uri.toString(),
    );
    assert.strictEqual(foldersBefore.length, 1, 'the rig opens one local folder');
    assert.strictEqual(vscode.workspace.workspaceFile, undefined);
    // Called directly rather than through the command so that a failure rejects instead of becoming a toast.
    let settled = false;
    const attached = attachWorkspace(services, { workload })
      .then(
        (uri) => ({ uri, error: undefined }),
        (error: unknown) => ({ uri: undefined, error }),
      )
      .finally(() => (settled = true));
    // code-server has neither Remote-SSH nor Dev Containers and the pod has one container, so the
    // only question is how to open the folder: dismiss it (the old code asked nothing and turned
    // the window into an untitled workspace, restarting this extension host).
    await waitFor(
      async () => {
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        return settled;
      },
      30_000,
      'Attach Workspace to end once its question is dismissed',
    );
    const outcome = await attached;
    assert.strictEqual(
      outcome.error,
      undefined,
      `Attach Workspace failed: ${String(outcome.error)}`,
    );
    assert.strictEqual(outcome.uri, undefined, 'nothing was opened');
    assert.deepStrictEqual(
      (vscode.workspace.workspaceFolders ?? []).map((workspaceFolder) =>
        workspaceFolder.uri.toString(),
      ),
      foldersBefore,
    );
    assert.strictEqual(
      vscode.workspace.workspaceFile,
      undefined,
      'still a single-folder window, not an untitled multi-root workspace',
    );
  });
  it("kubeml:// follows the context its URI names, not the window's", async function () {
    this.timeout(60_000);
    assert.strictEqual(
      services.connection.session?.contextName,
      ADMIN_CONTEXT,
      'the window is on the admin context',
    );
    // The developer may exec only in ml-team, so a pod there (unique name: the namespace is shared).
    const podName = `ra-ctx-${Date.now().toString(36)}`;
    await core.createNamespacedPod({
      namespace: 'ml-team',
      body: {
        metadata: { name: podName },
        spec: { containers: [{ name: 'main', image: 'python:3.11' }] },
      },
    });
    try {
      await waitFor(
        async () =>
          (await core.readNamespacedPod({ namespace: 'ml-team', name: podName })).status?.phase ===
          'Running',
        30_000,
        `${podName} to run`,
      );
      const adminFiles = new PodFiles(adminKubeConfig(), {
        namespace: 'ml-team',
        pod: podName,
        container: 'main',
      });
      const directory = await adminFiles.workingDirectory();
      await adminFiles.writeFile(
        `${directory}/context.txt`,
        Buffer.from('read as the developer\n'),
        { create: true, overwrite: true },
      );

      const asDeveloper = vscode.Uri.from({
        scheme: 'kubeml',
        authority: formatAuthority({
          contextName: DEVELOPER_CONTEXT,
          kind: 'pod',
          namespace: 'ml-team',
          name: podName,
        }),
        path: `${directory}/context.txt`,
      });
      assert.match(
        asDeveloper.toString(),
        /^kubeml:\/\/ctx\.kube-ml-sandbox-developer~pod~ml-team~/,
      );
      // Through the URI's string form, as a reopened window gets it (VS Code lowercases authorities).
      assert.strictEqual(
        Buffer.from(
          await vscode.workspace.fs.readFile(vscode.Uri.parse(asDeveloper.toString())),
        ).toString(),
        'read as the developer\n',
      );
      assert.strictEqual(
        services.connection.session?.contextName,
        ADMIN_CONTEXT,
        'reading did not move the window to the developer context',
      );

      // Proof that the developer identity was used: it may not list pods in the suite's namespace,
      // which the admin window reads without trouble (first test) and through its own context here.
      await files.writeFile(`${folder.path}/context.txt`, Buffer.from('read as the admin\n'), {
        create: true,
        overwrite: true,
      });
      const suitePodAs = (contextName: string) =>
        vscode.Uri.from({
          scheme: 'kubeml',
          authority: formatAuthority({ contextName, kind: 'devpod', namespace, name: 'vs' }),
          path: `${folder.path}/context.txt`,
        });
      assert.strictEqual(
        Buffer.from(await vscode.workspace.fs.readFile(suitePodAs(ADMIN_CONTEXT))).toString(),
        'read as the admin\n',
      );
      await assert.rejects(
        Promise.resolve(vscode.workspace.fs.readFile(suitePodAs(DEVELOPER_CONTEXT))),
        (error: vscode.FileSystemError) =>
          error.code === 'Unavailable' && /forbidden by RBAC/.test(error.message),
      );
      await assert.rejects(
        Promise.resolve(
          vscode.workspace.fs.stat(
            vscode.Uri.from({
              scheme: 'kubeml',
              authority: formatAuthority({
                contextName: 'no-such-context',
                kind: 'devpod',
                namespace,
                name: 'vs',
              }),
              path: '/',
            }),
          ),
        ),
        (error: vscode.FileSystemError) =>
          error.code === 'Unavailable' && /no context named "no-such-context"/.test(error.message),
      );
    } finally {
      await core
        .deleteNamespacedPod({ namespace: 'ml-team', name: podName, gracePeriodSeconds: 0 })
        .catch(() => undefined);
    }
  });

  it('the chosen context and its namespace come back in a reloaded window (same global state)', async function () {
    this.timeout(60_000);
    const connection = services.connection;
    const originalNamespace = connection.requireSession().namespace;
    let reloaded: KubeClusterConnection | undefined;
    try {
      await connection.switchNamespace(namespace);
      await connection.switchContext(DEVELOPER_CONTEXT);
      await connection.switchNamespace('ml-restricted');
      assert.strictEqual(connection.session?.namespace, 'ml-restricted');
      // The extension host cannot reload itself (this test runs in it), so a second connection is
      // built exactly as activation builds one, over the extension's real globalState.
      reloaded = new KubeClusterConnection({
        settings: services.settings,
        output: services.output,
        errors: services.errors,
        state: services.extensionContext.globalState,
        credentials: new ExecCredentialCache(),
      });
      assert.strictEqual(
        reloaded.session?.contextName,
        DEVELOPER_CONTEXT,
        "the chosen context, not the kubeconfig's current-context",
      );
      assert.strictEqual(
        reloaded.session?.namespace,
        'ml-restricted',
        'the namespace chosen in that context',
      );
      await reloaded.switchContext(ADMIN_CONTEXT);
      assert.strictEqual(
        reloaded.session?.namespace,
        namespace,
        'each context keeps its own namespace',
      );
    } finally {
      reloaded?.dispose();
      // Leave both contexts' namespaces as later suites expect them (the developer's kubeconfig one).
      if (connection.session?.contextName === DEVELOPER_CONTEXT)
        await connection.switchNamespace('ml-team');
      await connection.switchContext(ADMIN_CONTEXT);
      await connection.switchNamespace(originalNamespace);
    }
    assert.strictEqual(connection.session?.contextName, ADMIN_CONTEXT);
    assert.strictEqual(connection.session?.namespace, originalNamespace);
  });
});
