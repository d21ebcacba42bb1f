import * as assert from 'node:assert/strict';
import type { GpuNodeSummary, GpuProductSummary } from '../../../src/cluster/gpu/accounting';
import {
  describeGpuNode,
  describeProduct,
  gpuNodeTooltip,
  productTooltip,
} from '../../../src/explorer/model/format';
import type {
  UtilisationByNode,
  UtilisationSource,
} from '../../../src/cluster/gpu/poolUtilisation';
import {
  changedUtilisationRows,
  formatUtilisation,
  productUtilisation,
} from '../../../src/explorer/model/gpuUtilisation';
import { UtilisationPoller, type UtilisationChange } from '../../../src/explorer/utilisationPoller';
import { recordingLog } from '../../recordingLog';

const byNode = (entries: Record<string, [number, number]>): UtilisationByNode =>
  new Map(
    Object.entries(entries).map(([name, [utilisation, gpus]]) => [name, { utilisation, gpus }]),
  );

const product: GpuProductSummary = {
  product: 'NVIDIA-H100-80GB-HBM3',
  free: 10,
  requested: 6,
  allocatable: 16,
  total: 16,
  schedulableFree: 10,
  nodeNames: ['h1', 'h2'],
} as unknown as GpuProductSummary;
const node: GpuNodeSummary = {
  name: 'h1',
  free: 2,
  requested: 6,
  allocatable: 8,
  total: 8,
  ready: true,
  cordoned: false,
  tainted: true,
  taints: [],
  devices: [],
} as unknown as GpuNodeSummary;

/** A source that counts its calls; `exporter` says whether discovery finds one. */
function countingSource(
  exporter: boolean,
  figures: UtilisationByNode[] = [],
): UtilisationSource<string> & { discoveries: number; reads: number } {
  const source = {
    discoveries: 0,
    reads: 0,
    discover: async () => {
      source.discoveries++;
      return exporter ? 'exporter' : undefined;
    },
    read: async () => figures[Math.min(source.reads++, figures.length - 1)] ?? new Map(),
  };
  return source;
}

describe('explorer/model/gpuUtilisation', () => {
  it('weights a pool by GPUs and skips nodes without data', () => {
    const mean = productUtilisation(
      ['h1', 'h2', 'h3'],
      byNode({ h1: [90, 8], h2: [30, 4], other: [0, 8] }),
    );
    assert.deepEqual(mean, { utilisation: 70, gpus: 12 });
    assert.equal(productUtilisation(['h3'], byNode({ h1: [90, 8] })), undefined);
  });

  it('formats a rounded, clamped percentage and nothing without data', () => {
    assert.equal(formatUtilisation({ utilisation: 62.6, gpus: 8 }), '63% util');
    assert.equal(formatUtilisation({ utilisation: 100.4, gpus: 8 }), '100% util');
    assert.equal(formatUtilisation(undefined), undefined);
  });

  it('puts utilisation next to allocation on product and node rows, and nothing without an exporter', () => {
    assert.equal(
      describeProduct(product, { utilisation: 63.2, gpus: 16 }),
      '10 free · 6 requested · 16 allocatable · 16 total · 63% util · 2 nodes',
    );
    assert.equal(
      describeProduct(product),
      '10 free · 6 requested · 16 allocatable · 16 total · 2 nodes',
    );
    assert.equal(
      describeGpuNode(node, { utilisation: 4, gpus: 8 }),
      '2 free · 6 requested · 8 allocatable · 8 total · 4% util · Ready, tainted',
    );
    assert.doesNotMatch(describeGpuNode(node), /util/);
    assert.match(
      productTooltip(product, { utilisation: 63.2, gpus: 16 }),
      /GPU utilisation: 63% \(mean of 16 GPUs, DCGM exporter\)/,
    );
    assert.doesNotMatch(gpuNodeTooltip(node), /utilisation/);
  });

  it('reports only the rows whose displayed figure changed', () => {
    const products = [
      { product: 'H100', nodeNames: ['h1', 'h2'] },
      { product: 'A100', nodeNames: ['a1'] },
    ];
    const before = byNode({ h1: [50, 8], h2: [50, 8], a1: [10, 4] });
    // h1 and h2 move in opposite directions (the pool mean stays 50%); a1 moves within the same rounded figure.
    const after = byNode({ h1: [60, 8], h2: [40, 8], a1: [10.3, 4] });
    assert.deepEqual(changedUtilisationRows(before, after, products), {
      nodes: ['h1', 'h2'],
      products: [],
    });
    assert.deepEqual(changedUtilisationRows(after, new Map(), products), {
      nodes: ['h1', 'h2', 'a1'],
      products: ['H100', 'A100'],
    });
  });

  describe('UtilisationPoller', () => {
    const pollers: UtilisationPoller<string>[] = [];
    afterEach(() => pollers.splice(0).forEach((poller) => poller.dispose()));
    let clock = 0;
    const make = (source: UtilisationSource<string> | undefined) => {
      clock = 0;
      const poller = new UtilisationPoller(source, {
        refreshMs: () => 3_600_000,
        rediscoverMs: 60_000,
        now: () => clock,
        log: recordingLog([]),
      });
      pollers.push(poller);
      return poller;
    };

    it('makes no request while the view is hidden', async () => {
      const source = countingSource(true, [byNode({ h1: [50, 8] })]);
      const poller = make(source);
      await poller.poll();
      assert.deepEqual([source.discoveries, source.reads], [0, 0]);
    });

    it('never reads without an exporter and looks for one again only once a minute', async () => {
      const source = countingSource(false);
      const poller = make(source);
      const changes: UtilisationChange[] = [];
      poller.onDidChange((change) => changes.push(change));
      poller.setVisible(true);
      await poller.poll();
      clock = 30_000;
      await poller.poll();
      assert.deepEqual([source.discoveries, source.reads], [1, 0]);
      clock = 60_000;
      await poller.poll();
      assert.deepEqual([source.discoveries, source.reads], [2, 0]);
      assert.equal(poller.byNode.size, 0);
      assert.equal(changes.length, 0, 'no change event while there is nothing to show');
    });

    it('reads the exporter while visible, publishes changes and stops when hidden', async () => {
      const source = countingSource(true, [byNode({ h1: [50, 8] }), byNode({ h1: [70, 8] })]);
      const poller = make(source);
      const changes: UtilisationChange[] = [];
      poller.onDidChange((change) => changes.push(change));
      poller.setVisible(true);
      await poller.poll();
      assert.equal(poller.byNode.get('h1')?.utilisation, 50);
      clock = 10_000;
      await poller.poll();
      assert.equal(poller.byNode.get('h1')?.utilisation, 70);
      assert.deepEqual([source.discoveries, source.reads], [1, 2]);
      assert.equal(changes.length, 2);
      poller.setVisible(false);
      await poller.poll();
      assert.equal(source.reads, 2);
    });

    it('drops the figures and rediscovers after a failed read', async () => {
      const source = countingSource(true, [byNode({ h1: [50, 8] })]);
      const poller = make(source);
      poller.setVisible(true);
      await poller.poll();
      source.read = async () => {
        throw new Error('proxy refused');
      };
      await poller.poll();
      assert.equal(poller.byNode.size, 0);
      await poller.poll();
      assert.equal(source.discoveries, 2);
    });

    it('forgets the old cluster when the session changes', async () => {
      const poller = make(countingSource(true, [byNode({ h1: [50, 8] })]));
      poller.setVisible(true);
      await poller.poll();
      const changes: UtilisationChange[] = [];
      poller.onDidChange((change) => changes.push(change));
      poller.setSource(undefined);
      assert.equal(poller.byNode.size, 0);
      assert.equal(changes.length, 1);
    });
  });
});
