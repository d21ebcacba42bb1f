// The explorer inside the real extension host, against the sandbox cluster: activation, every
// contributed command registered, the caches behind the views filled from the cluster, context
// and namespace switching, and the messages for broken kubeconfigs.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ClusterConnection, Services } from '../../src/common/services';
import type { ClusterSession } from '../../src/cluster/session';
import * as k8s from '@kubernetes/client-node';
import { EXTENSION_ID, getApi, sandboxKubeconfigPath, waitFor } from './helpers';
import { ClustersTreeProvider, type ClusterTreeNode } from '../../src/explorer/clustersTree';
import { GpuCapacityTreeProvider, type GpuTreeNode } from '../../src/explorer/gpuCapacityTree';
import { GpuCapacityFeed } from '../../src/explorer/model/gpuCapacityFeed';

const ADMIN_CONTEXT = 'kube-ml-sandbox';
const DEVELOPER_CONTEXT = 'kube-ml-sandbox-developer';
/** Every context of the sandbox kubeconfig (scripts/sandbox/paths.ts SANDBOX_CONTEXTS), sorted. */
const SANDBOX_CONTEXTS = [
  ADMIN_CONTEXT,
  DEVELOPER_CONTEXT,
  'kube-ml-sandbox-ns-only',
  'kube-ml-sandbox-sso',
];

/** A KubeMlError seen across bundles (the test bundle has its own copy of the class). */
interface UserError {
  name: string;
  kind: string;
  summary: string;
  message: string;
}

function userErrorOf(task: () => unknown): UserError {
  try {
    task();
  } catch (error) {
    return error as UserError;
  }
  throw new Error('expected an error, got none');
}

function gpuCount(quantity: Record<string, string> | undefined): number {
  return Number(quantity?.['nvidia.com/gpu'] ?? 0);
}

async function sessionFor(
  connection: ClusterConnection,
  contextName: string,
  namespace?: string,
): Promise<ClusterSession> {
  return waitFor(
    () =>
      connection.session?.contextName === contextName &&
      (!namespace || connection.session.namespace === namespace) &&
      connection.session,
    10_000,
    `a session for ${contextName}${namespace ? `/${namespace}` : ''}`,
  );
}

describe('explorer', () => {
  let services: Services;
  let scratch: string;

  before(async () => {
    services = (await getApi()).services;
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-foundation-'));
  });

  after(async () => {
    await vscode.workspace
      .getConfiguration('kubeMl')
      .update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('activates and hands out its services', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension?.isActive, 'extension is active');
    assert.ok(services.connection && services.errors && services.settings && services.output);
    assert.strictEqual(
      process.env.KUBECONFIG,
      sandboxKubeconfigPath(),
      'the extension host sees the sandbox kubeconfig',
    );
  });

  it('registers every command it contributes', async () => {
    const contributed = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON.contributes
      .commands ?? []) as { command: string }[];
    assert.ok(contributed.length > 20, `package.json contributes ${contributed.length} commands`);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepStrictEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  it('connects to the sandbox and fills the node and pod caches behind the views', async () => {
    const session = await sessionFor(services.connection, ADMIN_CONTEXT);
    await session.nodes.ready;
    await session.pods.ready;
    const nodes = session.nodes.list();
    const byProduct = new Map<string, number>();
    for (const node of nodes) {
      const product = node.metadata?.labels?.['nvidia.com/gpu.product'];
      if (product) {
        byProduct.set(product, (byProduct.get(product) ?? 0) + gpuCount(node.status?.allocatable));
      }
    }
    assert.strictEqual(
      nodes.length >= 5,
      true,
      `sandbox nodes: ${nodes.map((n) => n.metadata?.name).join(', ')}`,
    );
    assert.strictEqual(byProduct.get('NVIDIA-H100-80GB-HBM3'), 16);
    assert.strictEqual(byProduct.get('NVIDIA-A100-SXM4-40GB'), 8);
  });

  it('switches namespace and context, with the RBAC of each context', async () => {
    const { connection } = services;
    assert.deepStrictEqual([...connection.contextNames()].sort(), SANDBOX_CONTEXTS);
    await connection.switchContext(ADMIN_CONTEXT);

    const changes: (string | undefined)[] = [];
    const listener = connection.onDidChangeSession((session) =>
      changes.push(session && `${session.contextName}/${session.namespace}`),
    );
    try {
      await connection.switchNamespace('ml-team');
      const admin = await sessionFor(connection, ADMIN_CONTEXT, 'ml-team');
      await admin.pods.ready;
      assert.ok(
        changes.includes(`${ADMIN_CONTEXT}/ml-team`),
        `change events: ${changes.join(', ')}`,
      );

      // The namespace is remembered per context, and other suites may have left the developer elsewhere.
      await connection.switchContext(DEVELOPER_CONTEXT);
      await connection.switchNamespace('ml-team');
      const developer = await sessionFor(connection, DEVELOPER_CONTEXT, 'ml-team');
      await developer.nodes.ready;
      assert.strictEqual(
        await developer.can({ verb: 'create', resource: 'pods', namespace: 'ml-team' }),
        true,
        'developer may create pods in ml-team',
      );
      assert.strictEqual(
        await developer.can({ verb: 'create', resource: 'pods', namespace: 'ml-restricted' }),
        false,
        'developer may not create pods in ml-restricted',
      );
      await assert.rejects(
        developer.requireAccess({ verb: 'delete', resource: 'nodes' }),
        (error: UserError) => {
          assert.strictEqual(error.kind, 'forbidden');
          assert.match(error.message, /delete/);
          assert.match(error.message, /nodes/);
          return true;
        },
      );

      await assert.rejects(
        connection.switchNamespace('Not_A_Namespace'),
        (error: UserError) => error.kind === 'invalidInput',
      );
      await assert.rejects(connection.switchContext('no-such-context'), (error: UserError) =>
        /no-such-context/.test(error.message),
      );
    } finally {
      listener.dispose();
      await connection.switchContext(ADMIN_CONTEXT);
      await connection.switchNamespace('default');
    }
    await sessionFor(connection, ADMIN_CONTEXT, 'default');
  });

  describe('views', () => {
    // The providers are built here on the extension's own connection (the test bundle cannot reach
    // the instances registerExplorer made), so the tree content the user sees is asserted directly.
    const disposables: { dispose(): void }[] = [];
    afterEach(async () => {
      for (const disposable of disposables.splice(0)) disposable.dispose();
      await services.connection.switchContext(ADMIN_CONTEXT);
    });

    function gpuView(): {
      provider: GpuCapacityTreeProvider;
      fired: (GpuTreeNode | GpuTreeNode[] | undefined)[];
    } {
      let feed: GpuCapacityFeed | undefined =
        services.connection.session && new GpuCapacityFeed(services.connection.session);
      const feedChanges = new vscode.EventEmitter<GpuCapacityFeed | undefined>();
      disposables.push(
        feedChanges,
        services.connection.onDidChangeSession((session) => {
          feed?.dispose();
          feed = session && new GpuCapacityFeed(session);
          feedChanges.fire(feed);
        }),
        { dispose: () => feed?.dispose() },
      );
      const provider = new GpuCapacityTreeProvider(() => feed, feedChanges.event);
      const fired: (GpuTreeNode | GpuTreeNode[] | undefined)[] = [];
      disposables.push(
        provider,
        provider.onDidChangeTreeData((element) => fired.push(element)),
      );
      return { provider, fired };
    }

    it('opens the Kube ML views without errors', async () => {
      await vscode.commands.executeCommand('workbench.view.extension.kubeMl');
      await vscode.commands.executeCommand('kubeMl.clusters.focus');
      await vscode.commands.executeCommand('kubeMl.gpuCapacity.focus');
    });

    it('GPU Capacity shows each product with its nodes, from the sandbox', async () => {
      await sessionFor(services.connection, ADMIN_CONTEXT);
      const { provider } = gpuView();
      const products = await waitFor(
        () => {
          const roots = provider.getChildren().filter((node) => node.type === 'gpuProduct');
          return roots.length >= 2 && roots;
        },
        15_000,
        'GPU products in the view',
      );
      const h100 = products.find(
        (node) => node.type === 'gpuProduct' && node.product === 'NVIDIA-H100-80GB-HBM3',
      )!;
      const item = provider.getTreeItem(h100);
      assert.strictEqual(item.contextValue, 'gpuProduct');
      assert.strictEqual(item.id, 'gpuProduct:NVIDIA-H100-80GB-HBM3');
      assert.match(String(item.description), /\b16 allocatable · 16 total\b/);
      const nodes = provider
        .getChildren(h100)
        .filter((node) => node.type === 'gpuNode' && node.nodeName.startsWith('gpu-h100-'));
      assert.deepStrictEqual(
        nodes.map((node) => node.type === 'gpuNode' && node.workload),
        [
          { kind: 'Node', namespace: '', name: 'gpu-h100-0' },
          { kind: 'Node', namespace: '', name: 'gpu-h100-1' },
        ],
      );
      const nodeItem = provider.getTreeItem(nodes[0]);
      assert.strictEqual(nodeItem.contextValue, 'gpuNode');
      assert.match(String(nodeItem.description), /8 allocatable · 8 total · Ready, tainted/);
    });

    it('GPU Capacity refreshes only the node and product a new GPU pod changes', async function () {
      this.timeout(60_000);
      const session = await sessionFor(services.connection, ADMIN_CONTEXT);
      await Promise.all([session.nodes.ready, session.pods.ready]);
      const { provider, fired } = gpuView();
      await waitFor(
        () => provider.getChildren().some((node) => node.type === 'gpuProduct'),
        15_000,
        'GPU products',
      );
      // Render every product's nodes, as an expanded view would.
      for (const product of provider.getChildren()) provider.getChildren(product);
      fired.length = 0;
      const core = session.kubeConfig.makeApiClient(k8s.CoreV1Api);
      const namespace = `kmw-foundation-vscode-${Date.now().toString(36)}`;
      await core.createNamespace({ body: { metadata: { name: namespace } } });
      try {
        await core.createNamespacedPod({
          namespace,
          body: {
            metadata: { name: 'gpu-user' },
            spec: {
              containers: [
                {
                  name: 'main',
                  image: 'busybox',
                  resources: { limits: { 'nvidia.com/gpu': '1' } },
                },
              ],
              tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
              terminationGracePeriodSeconds: 0,
            },
          },
        });
        const nodeName = await waitFor(
          () => session.pods.get(namespace, 'gpu-user')?.spec?.nodeName,
          30_000,
          'the GPU pod to be scheduled',
        );
        const refresh = await waitFor(
          () =>
            fired.find(
              (element) =>
                Array.isArray(element) &&
                element.some((node) => node.type === 'gpuNode' && node.nodeName === nodeName),
            ),
          15_000,
          `a refresh of ${nodeName}`,
        );
        const elements = refresh as GpuTreeNode[];
        assert.ok(
          elements.every(
            (node) =>
              node.type === 'gpuProduct' || (node.type === 'gpuNode' && node.nodeName === nodeName),
          ),
          `refreshed: ${elements.map((node) => (node.type === 'gpuNode' ? node.nodeName : node.type === 'gpuProduct' ? node.product : node.id)).join(', ')}`,
        );
        assert.ok(!fired.includes(undefined), 'the whole tree was not refreshed');
      } finally {
        await core.deleteNamespace({ name: namespace, gracePeriodSeconds: 0 });
      }
    });

    it('Clusters lists the contexts with the active one marked, and its namespaces', async () => {
      await sessionFor(services.connection, ADMIN_CONTEXT);
      const provider = new ClustersTreeProvider(services.connection);
      disposables.push(provider);
      const contexts = provider.getChildren();
      assert.deepStrictEqual(
        contexts.map((node) => node.type === 'context' && node.name).sort(),
        SANDBOX_CONTEXTS,
      );
      const active = contexts.find(
        (node) => node.type === 'context' && node.name === ADMIN_CONTEXT,
      )!;
      const activeItem = provider.getTreeItem(active);
      assert.strictEqual(activeItem.contextValue, 'context');
      assert.strictEqual(activeItem.description, 'active');
      assert.strictEqual(activeItem.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
      const namespaces = await waitFor(
        () => {
          const children = provider
            .getChildren(active)
            .filter(
              (node): node is Extract<ClusterTreeNode, { type: 'namespace' }> =>
                node.type === 'namespace',
            );
          return children.length >= 3 && children;
        },
        10_000,
        'the namespaces of the active context',
      );
      for (const name of ['default', 'ml-team', 'ml-restricted'])
        assert.ok(
          namespaces.some((node) => node.name === name),
          `${name} listed`,
        );
      assert.strictEqual(provider.getTreeItem(namespaces[0]).contextValue, 'namespace');
    });

    it('Clusters says listing namespaces is forbidden for the developer and still shows its namespace', async () => {
      await services.connection.switchContext(DEVELOPER_CONTEXT);
      await services.connection.switchNamespace('ml-team');
      await sessionFor(services.connection, DEVELOPER_CONTEXT, 'ml-team');
      const provider = new ClustersTreeProvider(services.connection);
      disposables.push(provider);
      const active = provider
        .getChildren()
        .find((node) => node.type === 'context' && node.name === DEVELOPER_CONTEXT)!;
      const children = await waitFor(
        () => {
          const nodes = provider.getChildren(active);
          return (
            nodes.some((node) => node.type === 'note' && /forbidden/.test(node.message)) && nodes
          );
        },
        10_000,
        'the forbidden note',
      );
      assert.ok(
        children.some((node) => node.type === 'namespace' && node.name === 'ml-team'),
        'the context namespace is still shown',
      );
      const note = children.find((node) => node.type === 'note')!;
      assert.match(note.type === 'note' ? note.message : '', /"list".*"namespaces"/);
    });
  });

  describe('broken kubeconfigs', () => {
    const useKubeconfig = async (file: string | undefined) =>
      vscode.workspace
        .getConfiguration('kubeMl')
        .update('kubeconfig', file, vscode.ConfigurationTarget.Global);

    afterEach(async () => {
      await useKubeconfig(undefined);
      await sessionFor(services.connection, ADMIN_CONTEXT);
    });

    it('names a malformed file and the parse problem', async () => {
      const file = path.join(scratch, 'malformed.yaml');
      fs.writeFileSync(file, 'apiVersion: v1\nclusters: [\n  - name: broken\n');
      await useKubeconfig(file);
      const error = await waitFor(
        () =>
          !services.connection.session && userErrorOf(() => services.connection.requireSession()),
        10_000,
        'the malformed kubeconfig to be rejected',
      );
      assert.strictEqual(error.kind, 'malformedKubeconfig');
      assert.ok(error.message.includes(file), `message names the file: ${error.message}`);
      assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace in the message');
    });

    it('says when the configured file does not exist', async () => {
      const file = path.join(scratch, 'missing.yaml');
      await useKubeconfig(file);
      const error = await waitFor(
        () =>
          !services.connection.session && userErrorOf(() => services.connection.requireSession()),
        10_000,
        'the missing kubeconfig to be reported',
      );
      assert.strictEqual(error.kind, 'noKubeconfig');
      assert.ok(error.message.includes(file), `message names the file: ${error.message}`);
    });

    it('names a missing exec credential plugin instead of failing on the first request', async () => {
      const file = path.join(scratch, 'exec.yaml');
      fs.writeFileSync(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'current-context: gke',
          'clusters: [{name: gke, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
          'users: [{name: gke-user, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: gke-gcloud-auth-plugin-kmw-absent}}}]',
          'contexts: [{name: gke, context: {cluster: gke, user: gke-user}}]',
          '',
        ].join('\n'),
      );
      await useKubeconfig(file);
      const error = await waitFor(
        () =>
          !services.connection.session && userErrorOf(() => services.connection.requireSession()),
        10_000,
        'the missing plugin to be reported',
      );
      assert.strictEqual(error.kind, 'authPluginMissing');
      assert.match(error.message, /"gke-gcloud-auth-plugin-kmw-absent"/);
    });

    it('reloads when a kubeconfig file changes on disk', async () => {
      const file = path.join(scratch, 'editable.yaml');
      fs.copyFileSync(sandboxKubeconfigPath(), file);
      await useKubeconfig(file);
      await sessionFor(services.connection, ADMIN_CONTEXT);
      // Another context appears in the file, as `kubectl config set-context` would write it.
      const config = JSON.parse(fs.readFileSync(file, 'utf8')) as {
        contexts: { name: string; context: { cluster: string; user: string } }[];
      };
      config.contexts.push({ name: 'added-later', context: { ...config.contexts[0].context } });
      fs.writeFileSync(file, JSON.stringify(config));
      await waitFor(
        () => services.connection.contextNames().includes('added-later'),
        10_000,
        'the edited kubeconfig to be reloaded',
      );
    });

    it('reports an unreachable API server', async () => {
      const file = path.join(scratch, 'unreachable.yaml');
      const port = 1; // Nothing listens on 127.0.0.1:1.
      fs.writeFileSync(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'current-context: gone',
          'clusters: [{name: gone, cluster: {server: "https://127.0.0.1:' +
            port +
            '", insecure-skip-tls-verify: true}}]',
          'users: [{name: someone, user: {token: not-a-real-token}}]',
          'contexts: [{name: gone, context: {cluster: gone, user: someone}}]',
          '',
        ].join('\n'),
      );
      await useKubeconfig(file);
      const session = await sessionFor(services.connection, 'gone');
      await assert.rejects(session.nodes.ready, (error: UserError) => {
        assert.strictEqual(error.kind, 'unreachable', `kind of: ${error.message}`);
        assert.match(error.message, /cannot be reached|unreachable/i);
        assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace in the message');
        return true;
      });
    });
  });
});
