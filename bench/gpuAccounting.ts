// GPU accounting at the scale of the largest published Kubernetes ML clusters (7,500 nodes), and
// the time to a first full GPU Capacity view from the sandbox against kubectl doing the same lists.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { V1Container, V1Node, V1Pod } from '@kubernetes/client-node';
import { GpuAccounting } from '../src/cluster/gpu/accounting';
import { KubeSession } from '../src/cluster/kubeSession';
import { ADMIN_CONTEXT, SANDBOX_KUBECONFIG, sandboxKubeConfig } from '../test/cluster/sandbox';
import { figure, heapUsedMiB, median, medianMs, timeMs, type Figure } from './figures';

const run_ = promisify(execFile);
const NODES = 7_500;

/** A deterministic pseudo-random sequence, so every run measures the same cluster. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const PRODUCTS: {
  share: number;
  resource: string | undefined;
  count: number;
  labels: Record<string, string>;
}[] = [
  {
    share: 0.55,
    resource: 'nvidia.com/gpu',
    count: 8,
    labels: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', 'nvidia.com/gpu.memory': '81559' },
  },
  {
    share: 0.2,
    resource: 'nvidia.com/gpu',
    count: 8,
    labels: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB', 'nvidia.com/gpu.memory': '81920' },
  },
  {
    share: 0.1,
    resource: 'amd.com/gpu',
    count: 8,
    labels: { 'amd.com/gpu.product-name': 'AMD_Instinct_MI300X' },
  },
  {
    share: 0.1,
    resource: 'nvidia.com/mig-1g.10gb',
    count: 7,
    labels: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' },
  },
  { share: 0.05, resource: undefined, count: 0, labels: {} },
];

export function syntheticCluster(
  nodeCount: number,
  podCount: number,
): { nodes: V1Node[]; pods: V1Pod[] } {
  const next = random(42);
  const nodes: V1Node[] = [];
  const gpuOf: { name: string; resource: string | undefined; count: number }[] = [];
  for (let i = 0; i < nodeCount; i++) {
    let pick = next();
    const product = PRODUCTS.find((candidate) => (pick -= candidate.share) < 0) ?? PRODUCTS[0];
    const name = `node-${i.toString().padStart(5, '0')}`;
    const resources: Record<string, string> = { cpu: '96', memory: '1536Gi', pods: '110' };
    if (product.resource) resources[product.resource] = String(product.count);
    nodes.push({
      metadata: {
        name,
        resourceVersion: '1',
        labels: { 'kubernetes.io/hostname': name, ...product.labels },
      },
      spec: {
        unschedulable: next() < 0.01,
        taints: product.resource
          ? [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }]
          : undefined,
      },
      status: {
        capacity: resources,
        allocatable: resources,
        conditions: [{ type: 'Ready', status: next() < 0.98 ? 'True' : 'False' }],
      },
    });
    gpuOf.push({ name, resource: product.resource, count: product.count });
  }
  const pods: V1Pod[] = [];
  for (let i = 0; i < podCount; i++) {
    const node = gpuOf[Math.floor(next() * gpuOf.length)];
    const gpus = node.resource && next() < 0.4 ? 1 + Math.floor(next() * 2) : 0;
    const main: V1Container = {
      name: 'main',
      image: 'trainer',
      resources: {
        requests: { cpu: '4', memory: '16Gi' },
        limits: gpus && node.resource ? { [node.resource]: String(gpus) } : {},
      },
    };
    const initContainers: V1Container[] | undefined =
      next() < 0.1
        ? [{ name: 'fetch', image: 'fetcher', resources: { requests: { cpu: '1' } } }]
        : undefined;
    pods.push({
      metadata: { name: `pod-${i}`, namespace: `team-${i % 50}`, resourceVersion: '1' },
      spec: {
        nodeName: node.name,
        containers: [main, { name: 'sidecar', image: 'logger' }],
        initContainers,
      },
      status: { phase: next() < 0.1 ? 'Succeeded' : 'Running' },
    });
  }
  return { nodes, pods };
}

function assertChanged(changedNodes: number, what: string): void {
  if (changedNodes !== 1)
    throw new Error(`a ${what} update changed ${changedNodes} nodes instead of 1`);
}

async function scaleFigures(podCount: number): Promise<Figure[]> {
  const { nodes, pods } = syntheticCluster(NODES, podCount);
  const json = JSON.stringify({ nodes, pods });
  const label = `${NODES.toLocaleString('en')} nodes / ${podCount.toLocaleString('en')} pods`;
  const decode = await medianMs(() => JSON.parse(json), 5);
  const full = await medianMs(() => GpuAccounting.from(nodes, pods), 5);

  const accounting = GpuAccounting.from(nodes, pods);
  const samples = { node: [] as number[], pod: [] as number[] };
  const gpuNodes = nodes.filter((node) => accounting.node(node.metadata!.name!));
  // Each measured update really changes something; putting the object back is not measured.
  for (let i = 0; i < 200; i++) {
    const node = gpuNodes[(i * 37) % gpuNodes.length];
    const cordoned: V1Node = {
      ...node,
      spec: { ...node.spec, unschedulable: !node.spec?.unschedulable },
    };
    samples.node.push(
      await timeMs(() => assertChanged(accounting.updateNode(cordoned).nodes.length, 'node')),
    );
    accounting.updateNode(node);
    const pod = pods.find(
      (candidate, index) =>
        index >= (i * 101) % pods.length &&
        candidate.status?.phase === 'Running' &&
        candidate.spec?.containers[0].resources?.limits &&
        Object.keys(candidate.spec.containers[0].resources.limits).length > 0,
    )!;
    const finished: V1Pod = { ...pod, status: { phase: 'Succeeded' } };
    samples.pod.push(
      await timeMs(() => assertChanged(accounting.updatePod(finished).nodes.length, 'pod')),
    );
    accounting.updatePod(pod);
  }

  const heapBefore = heapUsedMiB();
  const held = GpuAccounting.from(nodes, pods);
  const heapAccounting = heapUsedMiB() - heapBefore;
  const jsonMiB = Buffer.byteLength(json) / 2 ** 20;
  if (held.totals().total === 0) throw new Error('synthetic cluster has no GPUs');

  return [
    figure(
      `full GPU recompute, ${label} (ref: JSON.parse of the lists)`,
      full,
      decode,
      'ms',
      'lower',
      'JSON.parse floor',
    ),
    figure(
      `incremental update of one node, ${label} (ref: full recompute)`,
      median(samples.node),
      full,
      'ms',
      'lower',
      'full recompute',
    ),
    figure(
      `incremental update of one pod, ${label} (ref: full recompute)`,
      median(samples.pod),
      full,
      'ms',
      'lower',
      'full recompute',
    ),
    figure(
      `heap held by the accounting, ${label} (ref: size of the lists as JSON)`,
      heapAccounting,
      jsonMiB,
      'MiB',
      'lower',
      'JSON size',
    ),
  ];
}

async function kubectlJson(args: string[]): Promise<{ items: unknown[] }> {
  const { stdout } = await run_(
    'kubectl',
    ['--kubeconfig', SANDBOX_KUBECONFIG, '--context', ADMIN_CONTEXT, ...args, '-o', 'json'],
    { maxBuffer: 1 << 30 },
  );
  return JSON.parse(stdout) as { items: unknown[] };
}

/** Session start to a complete GPU Capacity view (nodes and pods listed, accounting built). */
async function firstViewFigures(): Promise<Figure[]> {
  const ours: number[] = [];
  const reference: number[] = [];
  let products = 0;
  for (let i = 0; i < 6; i++) {
    const oursMs = await timeMs(async () => {
      const session = new KubeSession({
        contextName: ADMIN_CONTEXT,
        namespace: 'ml-team',
        kubeConfig: sandboxKubeConfig('admin'),
      });
      try {
        await Promise.all([session.nodes.ready, session.pods.ready]);
        products = GpuAccounting.from(session.nodes.list(), session.pods.list()).products().length;
      } finally {
        session.dispose();
      }
    });
    const kubectlMs = await timeMs(async () => {
      const [nodes, pods] = await Promise.all([
        kubectlJson(['get', 'nodes']),
        kubectlJson(['get', 'pods', '--all-namespaces']),
      ]);
      GpuAccounting.from(nodes.items as V1Node[], pods.items as V1Pod[]);
    });
    // The first round warms both up (TLS, caches); it is not counted.
    if (i > 0) {
      ours.push(oursMs);
      reference.push(kubectlMs);
    }
  }
  if (products === 0)
    throw new Error('the sandbox shows no GPU products: is it up? (npm run sandbox -- up)');
  return [
    figure(
      'time to first full GPU Capacity view from the sandbox (ref: kubectl get nodes,pods -o json + counting)',
      median(ours),
      median(reference),
      'ms',
      'lower',
      'kubectl',
    ),
  ];
}

export async function run(): Promise<Figure[]> {
  return [
    ...(await scaleFigures(60_000)),
    ...(await scaleFigures(100_000)),
    ...(await firstViewFigures()),
  ];
}
