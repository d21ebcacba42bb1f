import * as assert from 'node:assert/strict';
import { freeGpusByProduct } from '../../../src/cluster/gpu/freeGpus';
import { podSpecGpus } from '../../../src/cluster/gpu/requests';
import {
  defaultGpuChoice,
  describeFreeGpus,
  explainNoGpuCapacity,
  fitsSomewhere,
  gpuCountChoices,
  selectableProduct,
} from '../../../src/devPods/model/gpuCapacity';
import { cpuNode, gpuNode, podOn } from './fixtures';

const H100 = 'NVIDIA-H100-80GB-HBM3';
const A100 = 'NVIDIA-A100-SXM4-40GB';
const nodes = [
  gpuNode('h100-a', H100, 8),
  gpuNode('h100-b', H100, 8),
  gpuNode('a100-a', A100, 4),
  gpuNode('a100-b', A100, 4),
  cpuNode('cpu-1'),
];

describe('devPods/model/gpuCapacity', () => {
  it('subtracts GPUs of pods that hold them, ignoring finished and unscheduled pods', () => {
    const pods = [
      podOn('h100-a', 3),
      podOn('h100-a', 2),
      podOn('h100-b', 8, 'Succeeded'),
      podOn(undefined, 4, 'Pending'),
      podOn('a100-a', 4),
    ];
    const byNode = freeGpusByProduct(nodes, pods).flatMap((product) => product.nodes);
    assert.deepEqual(byNode.map((node) => [node.node, node.free]).sort(), [
      ['a100-a', 0],
      ['a100-b', 4],
      ['h100-a', 3],
      ['h100-b', 8],
    ]);
  });

  it('aggregates per product, most room on one node first', () => {
    const products = freeGpusByProduct(nodes, [
      podOn('h100-a', 6),
      podOn('h100-b', 5),
      podOn('a100-a', 1),
    ]);
    assert.deepEqual(
      products.map((product) => [
        product.product,
        product.free,
        product.total,
        product.maxFreeOnOneNode,
      ]),
      [
        [A100, 7, 8, 4],
        [H100, 5, 16, 3],
      ],
    );
    assert.deepEqual(gpuCountChoices(products[1]), [1, 2, 3]);
  });

  it('cordoned and NotReady nodes offer nothing', () => {
    const products = freeGpusByProduct(
      [gpuNode('h1', H100, 8, { unschedulable: true }), gpuNode('h2', H100, 8, { ready: false })],
      [],
    );
    assert.equal(products[0].free, 0);
    assert.equal(products[0].total, 16);
    assert.equal(defaultGpuChoice(products), undefined);
  });

  it('default choice is one GPU of the product with the most room on a node', () => {
    assert.deepEqual(defaultGpuChoice(freeGpusByProduct(nodes, [])), { product: H100, count: 1 });
  });

  it('counts init containers at their maximum, not summed', () => {
    const pod = podOn('h100-a', 2);
    pod.spec!.initContainers = [{ name: 'i', resources: { limits: { 'nvidia.com/gpu': '4' } } }];
    assert.equal(podSpecGpus(pod.spec), 4);
  });

  it('a pod cannot span nodes: 9 H100s fit nowhere although 16 are free', () => {
    const products = freeGpusByProduct(nodes, []);
    assert.equal(fitsSomewhere(products, 9, H100), false);
    assert.equal(fitsSomewhere(products, 8, H100), true);
    assert.equal(fitsSomewhere(products, 5, undefined), true);
  });

  it('explains where GPUs are free', () => {
    const products = freeGpusByProduct(nodes, [podOn('h100-a', 8), podOn('a100-b', 1)]);
    assert.equal(
      explainNoGpuCapacity(9, H100, products),
      `no node with 9 free ${H100} GPUs; free GPUs are: ${H100}: 8 of 16 free (8 on h100-b); ${A100}: 7 of 8 free (4 on a100-a, 3 on a100-b)`,
    );
    assert.match(
      explainNoGpuCapacity(2, undefined, undefined),
      /no node with 2 free GPUs; free GPUs are: unknown/,
    );
    assert.equal(describeFreeGpus([]), 'the cluster has no GPU nodes');
    assert.equal(
      describeFreeGpus(freeGpusByProduct([gpuNode('x', H100, 1)], [podOn('x', 1)])),
      'none (every GPU is in use)',
    );
  });

  it('GPUs on a node without product labels form their own product that selects no product label', () => {
    const unlabelled = gpuNode('bare-gpu', '', 2);
    delete unlabelled.metadata!.labels!['nvidia.com/gpu.product'];
    const products = freeGpusByProduct([unlabelled, ...nodes], []);
    const bare = products.find((product) => product.nodes.some((node) => node.node === 'bare-gpu'));
    assert.ok(bare, 'the unlabelled GPUs are counted');
    assert.equal(selectableProduct(bare.product), undefined);
    assert.equal(selectableProduct(H100), H100);
  });
});
