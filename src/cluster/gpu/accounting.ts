import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { CacheChange } from '../session';
import {
  acceptsNewGpuPods,
  isNodeReady,
  nodeGpuCapacity,
  repels,
  type GpuResourceCapacity,
} from './capacity';
import { podGpuRequests } from './requests';
import { UNKNOWN_GPU } from './resources';

/**
 * GPU accounting, pure: where the GPUs are, how many are requested and how many are free, per
 * node and per GPU product. "Requested" follows the scheduler: a pod counts from the moment it is
 * bound to a node until it terminates (podGpuRequests). The GpuAccounting class updates
 * incrementally so a view can refresh only the nodes and products that changed.
 */
export interface GpuFigures {
  readonly total: number;
  readonly allocatable: number;
  readonly requested: number;
  readonly free: number;
}

/** One GPU resource of one node (a node with MIG in "mixed" mode has several). */
export interface GpuDevice extends GpuFigures {
  readonly resource: string;
  readonly product: string;
  /** Whether a new pod asking for this resource can land on the node (acceptsNewGpuPods). */
  readonly acceptsNewPods: boolean;
}

export interface GpuNodeSummary extends GpuFigures {
  readonly name: string;
  readonly ready: boolean;
  readonly cordoned: boolean;
  /** True when a NoSchedule/NoExecute taint other than the ones cordon and NotReady add is set. */
  readonly tainted: boolean;
  /** "key=value:Effect" of every taint. */
  readonly taints: readonly string[];
  /** From nvidia.com/gpu.memory (MiB), when labelled. */
  readonly memoryMiB?: number;
  readonly devices: readonly GpuDevice[];
}

export interface GpuProductSummary extends GpuFigures {
  readonly product: string;
  readonly memoryMiB?: number;
  /** Free GPUs on nodes that accept new GPU pods: what a new pod can actually get. */
  readonly schedulableFree: number;
  readonly nodeNames: readonly string[];
}

export interface GpuTotals extends GpuFigures {
  readonly schedulableFree: number;
}

export interface GpuAccountingChange {
  /** Nodes whose summary changed (or which appeared/disappeared). */
  readonly nodes: readonly string[];
  /** Products whose figures or node list changed. */
  readonly products: readonly string[];
  /** A product appeared or disappeared: the list of products itself changed. */
  readonly productsAddedOrRemoved: boolean;
}

const EMPTY_CHANGE: GpuAccountingChange = {
  nodes: [],
  products: [],
  productsAddedOrRemoved: false,
};

interface NodeRecord extends Pick<
  GpuNodeSummary,
  'name' | 'ready' | 'cordoned' | 'tainted' | 'taints' | 'memoryMiB'
> {
  readonly capacity: ReadonlyMap<string, GpuResourceCapacity>;
  /** The GPU resources a new pod can be given here. */
  readonly accepting: ReadonlySet<string>;
}

// Taints the node lifecycle controller adds for cordon / NotReady: already shown as such.
const LIFECYCLE_TAINT_PREFIX = 'node.kubernetes.io/';

function nodeRecord(node: V1Node): NodeRecord {
  const labels = node.metadata?.labels ?? {};
  const taints = node.spec?.taints ?? [];
  const memory = Number(labels['nvidia.com/gpu.memory']);
  const capacity = nodeGpuCapacity(node);
  return {
    name: node.metadata?.name ?? '',
    ready: isNodeReady(node),
    cordoned: node.spec?.unschedulable === true,
    tainted: taints.some(
      (taint) => repels(taint, []) && !taint.key.startsWith(LIFECYCLE_TAINT_PREFIX),
    ),
    taints: taints.map(
      (taint) => `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`,
    ),
    memoryMiB: Number.isFinite(memory) && memory > 0 ? memory : undefined,
    capacity,
    accepting: new Set(
      [...capacity.keys()].filter((resource) => acceptsNewGpuPods(node, resource)),
    ),
  };
}

function summarize(
  record: NodeRecord,
  requested: ReadonlyMap<string, number> | undefined,
): GpuNodeSummary {
  const devices: GpuDevice[] = [];
  for (const [resource, { total, allocatable, product }] of record.capacity) {
    const used = requested?.get(resource) ?? 0;
    devices.push({
      resource,
      product,
      total,
      allocatable,
      requested: used,
      free: Math.max(0, allocatable - used),
      acceptsNewPods: record.accepting.has(resource),
    });
  }
  // GPUs requested on a node that no longer advertises them (device plugin gone) still show.
  for (const [resource, used] of requested ?? []) {
    if (!record.capacity.has(resource) && used > 0) {
      devices.push({
        resource,
        product: UNKNOWN_GPU,
        total: 0,
        allocatable: 0,
        requested: used,
        free: 0,
        acceptsNewPods: false,
      });
    }
  }
  devices.sort((a, b) => a.resource.localeCompare(b.resource));
  const sum = (pick: (device: GpuDevice) => number): number =>
    devices.reduce((total, device) => total + pick(device), 0);
  return {
    name: record.name,
    ready: record.ready,
    cordoned: record.cordoned,
    tainted: record.tainted,
    taints: record.taints,
    memoryMiB: record.memoryMiB,
    devices,
    total: sum((d) => d.total),
    allocatable: sum((d) => d.allocatable),
    requested: sum((d) => d.requested),
    free: sum((d) => d.free),
  };
}

function sameSummary(a: GpuNodeSummary | undefined, b: GpuNodeSummary | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.ready === b.ready &&
    a.cordoned === b.cordoned &&
    a.tainted === b.tainted &&
    a.memoryMiB === b.memoryMiB &&
    a.taints.join() === b.taints.join() &&
    JSON.stringify(a.devices) === JSON.stringify(b.devices)
  );
}

interface ProductAccumulator {
  total: number;
  allocatable: number;
  requested: number;
  free: number;
  schedulableFree: number;
  memoryMiB?: number;
  readonly nodes: Map<string, number>;
}

function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

function sameRequests(
  a: ReadonlyMap<string, number> | undefined,
  b: ReadonlyMap<string, number> | undefined,
): boolean {
  if (!a || !b) return a === b;
  if (a.size !== b.size) return false;
  for (const [resource, amount] of a) if (b.get(resource) !== amount) return false;
  return true;
}

interface PodRecord {
  readonly nodeName: string;
  readonly requests: ReadonlyMap<string, number>;
}

/** Incrementally maintained GPU accounting for one cluster. */
export class GpuAccounting {
  private readonly nodeRecords = new Map<string, NodeRecord>();
  private readonly podRecords = new Map<string, PodRecord>();
  private readonly requestedByNode = new Map<string, Map<string, number>>();
  private readonly summaries = new Map<string, GpuNodeSummary>();
  private readonly productAccumulators = new Map<string, ProductAccumulator>();

  /** Full recompute from lists. */
  static from(nodes: Iterable<V1Node>, pods: Iterable<V1Pod>): GpuAccounting {
    const accounting = new GpuAccounting();
    for (const pod of pods) accounting.recordPod(pod);
    for (const node of nodes) accounting.recordNode(node);
    return accounting;
  }

  node(name: string): GpuNodeSummary | undefined {
    return this.summaries.get(name);
  }

  /** GPU nodes, sorted by name. */
  nodes(): GpuNodeSummary[] {
    return [...this.summaries.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  product(product: string): GpuProductSummary | undefined {
    const accumulator = this.productAccumulators.get(product);
    return accumulator && this.productSummary(product, accumulator);
  }

  /** Products sorted by name. */
  products(): GpuProductSummary[] {
    return [...this.productAccumulators.entries()]
      .map(([product, accumulator]) => this.productSummary(product, accumulator))
      .sort((a, b) => a.product.localeCompare(b.product));
  }

  /** Nodes that have devices of `product`, with their figures for that product only. */
  nodesOfProduct(product: string): GpuNodeSummary[] {
    const accumulator = this.productAccumulators.get(product);
    if (!accumulator) return [];
    return [...accumulator.nodes.keys()].sort().flatMap((name) => {
      const summary = this.summaries.get(name);
      return summary ? [restrictToProduct(summary, product)] : [];
    });
  }

  totals(): GpuTotals {
    let total = 0;
    let allocatable = 0;
    let requested = 0;
    let free = 0;
    let schedulableFree = 0;
    for (const accumulator of this.productAccumulators.values()) {
      total += accumulator.total;
      allocatable += accumulator.allocatable;
      requested += accumulator.requested;
      free += accumulator.free;
      schedulableFree += accumulator.schedulableFree;
    }
    return { total, allocatable, requested, free, schedulableFree };
  }

  updateNode(node: V1Node): GpuAccountingChange {
    return this.collect(this.recordNode(node));
  }

  deleteNode(name: string): GpuAccountingChange {
    this.nodeRecords.delete(name);
    return this.collect(this.refreshNode(name));
  }

  updatePod(pod: V1Pod): GpuAccountingChange {
    return this.collect(...this.recordPod(pod).map((name) => this.refreshNode(name)));
  }

  deletePod(pod: V1Pod): GpuAccountingChange {
    return this.collect(...this.removePod(podKey(pod)).map((name) => this.refreshNode(name)));
  }

  applyNodeChange(change: CacheChange<V1Node>): GpuAccountingChange {
    const parts: NodeDelta[] = [];
    for (const node of [...change.added, ...change.updated]) parts.push(this.recordNode(node));
    for (const node of change.deleted) {
      const name = node.metadata?.name ?? '';
      this.nodeRecords.delete(name);
      parts.push(this.refreshNode(name));
    }
    return this.collect(...parts);
  }

  applyPodChange(change: CacheChange<V1Pod>): GpuAccountingChange {
    const touched = new Set<string>();
    for (const pod of [...change.added, ...change.updated])
      for (const name of this.recordPod(pod)) touched.add(name);
    for (const pod of change.deleted)
      for (const name of this.removePod(podKey(pod))) touched.add(name);
    return this.collect(...[...touched].map((name) => this.refreshNode(name)));
  }

  private productSummary(product: string, accumulator: ProductAccumulator): GpuProductSummary {
    return {
      product,
      memoryMiB: accumulator.memoryMiB,
      total: accumulator.total,
      allocatable: accumulator.allocatable,
      requested: accumulator.requested,
      free: accumulator.free,
      schedulableFree: accumulator.schedulableFree,
      nodeNames: [...accumulator.nodes.keys()].sort(),
    };
  }

  private recordNode(node: V1Node): NodeDelta {
    const record = nodeRecord(node);
    this.nodeRecords.set(record.name, record);
    return this.refreshNode(record.name);
  }

  /** Returns the names of the nodes whose requested GPUs changed. */
  private recordPod(pod: V1Pod): string[] {
    const key = podKey(pod);
    const nodeName = pod.spec?.nodeName;
    const requests = nodeName ? podGpuRequests(pod) : undefined;
    const previous = this.podRecords.get(key);
    if (!requests || requests.size === 0) {
      return previous ? this.removePod(key) : [];
    }
    if (previous && previous.nodeName === nodeName && sameRequests(previous.requests, requests)) {
      return [];
    }
    const touched = previous ? this.removePod(key) : [];
    this.podRecords.set(key, { nodeName: nodeName!, requests });
    this.adjustRequested(nodeName!, requests, 1);
    return touched.includes(nodeName!) ? touched : [...touched, nodeName!];
  }

  private removePod(key: string): string[] {
    const previous = this.podRecords.get(key);
    if (!previous) return [];
    this.podRecords.delete(key);
    this.adjustRequested(previous.nodeName, previous.requests, -1);
    return [previous.nodeName];
  }

  private adjustRequested(
    nodeName: string,
    requests: ReadonlyMap<string, number>,
    sign: 1 | -1,
  ): void {
    let perResource = this.requestedByNode.get(nodeName);
    if (!perResource) {
      perResource = new Map();
      this.requestedByNode.set(nodeName, perResource);
    }
    for (const [resource, amount] of requests) {
      const next = (perResource.get(resource) ?? 0) + sign * amount;
      if (next > 0) perResource.set(resource, next);
      else perResource.delete(resource);
    }
    if (perResource.size === 0) this.requestedByNode.delete(nodeName);
  }

  /** Recomputes one node's summary and moves its contribution between product totals. */
  private refreshNode(name: string): NodeDelta {
    const before = this.summaries.get(name);
    const record = this.nodeRecords.get(name);
    const candidate = record ? summarize(record, this.requestedByNode.get(name)) : undefined;
    const after = candidate && candidate.devices.length > 0 ? candidate : undefined;
    if (sameSummary(before, after)) {
      return { node: undefined, products: [], productsAddedOrRemoved: false };
    }
    const products = new Set<string>();
    let productsAddedOrRemoved = false;
    if (before) {
      for (const device of before.devices) {
        products.add(device.product);
        const accumulator = this.productAccumulators.get(device.product)!;
        applyDevice(accumulator, device, -1);
        const remaining = (accumulator.nodes.get(name) ?? 0) - 1;
        if (remaining > 0) accumulator.nodes.set(name, remaining);
        else accumulator.nodes.delete(name);
        if (accumulator.nodes.size === 0) {
          this.productAccumulators.delete(device.product);
          productsAddedOrRemoved = true;
        }
      }
      this.summaries.delete(name);
    }
    if (after) {
      this.summaries.set(name, after);
      for (const device of after.devices) {
        products.add(device.product);
        let accumulator = this.productAccumulators.get(device.product);
        if (!accumulator) {
          accumulator = {
            total: 0,
            allocatable: 0,
            requested: 0,
            free: 0,
            schedulableFree: 0,
            nodes: new Map(),
          };
          this.productAccumulators.set(device.product, accumulator);
          productsAddedOrRemoved = true;
        }
        applyDevice(accumulator, device, 1);
        accumulator.nodes.set(name, (accumulator.nodes.get(name) ?? 0) + 1);
        if (after.memoryMiB !== undefined) accumulator.memoryMiB = after.memoryMiB;
      }
    }
    return { node: name, products: [...products], productsAddedOrRemoved };
  }

  private collect(...deltas: NodeDelta[]): GpuAccountingChange {
    const nodes = new Set<string>();
    const products = new Set<string>();
    let productsAddedOrRemoved = false;
    for (const delta of deltas) {
      if (delta.node !== undefined) nodes.add(delta.node);
      for (const product of delta.products) products.add(product);
      productsAddedOrRemoved ||= delta.productsAddedOrRemoved;
    }
    if (nodes.size === 0 && products.size === 0) return EMPTY_CHANGE;
    return { nodes: [...nodes], products: [...products], productsAddedOrRemoved };
  }
}

interface NodeDelta {
  readonly node: string | undefined;
  readonly products: readonly string[];
  readonly productsAddedOrRemoved: boolean;
}

function applyDevice(accumulator: ProductAccumulator, device: GpuDevice, sign: 1 | -1): void {
  accumulator.total += sign * device.total;
  accumulator.allocatable += sign * device.allocatable;
  accumulator.requested += sign * device.requested;
  accumulator.free += sign * device.free;
  if (device.acceptsNewPods) accumulator.schedulableFree += sign * device.free;
}

/** A node's summary with only the devices of one product (for the node rows under a product). */
export function restrictToProduct(summary: GpuNodeSummary, product: string): GpuNodeSummary {
  const devices = summary.devices.filter((device) => device.product === product);
  if (devices.length === summary.devices.length) return summary;
  const sum = (pick: (device: GpuDevice) => number): number =>
    devices.reduce((total, device) => total + pick(device), 0);
  return {
    ...summary,
    devices,
    total: sum((d) => d.total),
    allocatable: sum((d) => d.allocatable),
    requested: sum((d) => d.requested),
    free: sum((d) => d.free),
  };
}
