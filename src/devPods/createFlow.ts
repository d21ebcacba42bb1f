import * as os from 'node:os';
import * as vscode from 'vscode';
import { StorageV1Api } from '@kubernetes/client-node';
import { KubeMlError } from '../cluster/errors';
import { toDnsLabel } from '../cluster/names';
import type { ClusterSession } from '../cluster/session';
import type { Services } from '../common/services';
import { assertWithinGpuQuota, describeGpuQuota, type GpuQuota } from '../cluster/gpu/quota';
import { gpuOffer, type GpuOffer } from './gpuOffer';
import { defaultGpuChoice, gpuCountChoices, selectableProduct } from './model/gpuCapacity';
import type { ProductFreeGpus } from '../cluster/gpu/freeGpus';
import { DEFAULT_IMAGE_PRESET, IMAGE_PRESETS, type ImagePreset } from './model/presets';
import {
  DEFAULT_WORKSPACE_SIZE,
  defaultResourcesFor,
  validateCpu,
  validateDevPodName,
  validateIdleMinutes,
  validateImage,
  validateMemory,
  type DevPodSpec,
} from './model/spec';
import { shortProduct } from './model/devPodRow';
import type { FlowPrompter } from './prompter';

/**
 * The guided Create Dev Pod flow: name, GPUs (from what is free now), image. CPU, memory, volume
 * and idle shutdown start at defaults sized to the GPU count and are changed from the image
 * step's "Adjust" button, so the defaults take three Enter presses.
 */
interface GpuItem extends vscode.QuickPickItem {
  readonly gpu?: { readonly product: string; readonly count: number };
}

interface ImageItem extends vscode.QuickPickItem {
  readonly preset: ImagePreset;
}

interface Sizing {
  cpu: string;
  memory: string;
  workspaceSize: string;
  storageClass?: string;
  idleMinutes: number;
}

export interface FlowContext {
  readonly session: ClusterSession;
  readonly existingNames: readonly string[];
  /** Product preselected when started from a GPU Capacity row. */
  readonly preferredProduct?: string;
}

const TITLE = 'Create Dev Pod';

function suggestName(existing: readonly string[]): string {
  const base = toDnsLabel(`${os.userInfo().username}-dev`, 50) || 'dev';
  for (let index = 1; ; index++) {
    const candidate = index === 1 ? base : `${base}-${index}`;
    if (!existing.includes(candidate)) return candidate;
  }
}

function gpuItems(
  products: readonly ProductFreeGpus[],
  partial: boolean,
  quota: GpuQuota | undefined,
): GpuItem[] {
  const items: GpuItem[] = [];
  for (const product of products) {
    items.push({ label: product.product, kind: vscode.QuickPickItemKind.Separator });
    const note = `${product.free} of ${product.total} free · up to ${product.maxFreeOnOneNode} on one node${partial ? ' (only pods you can see)' : ''}`;
    const selectable = selectableProduct(product.product);
    // Unlabelled GPUs are named by their nodes; choosing them selects no product.
    const name = selectable
      ? shortProduct(selectable)
      : `GPU without a product label (${product.nodes.map((node) => node.node).join(', ')})`;
    for (const count of gpuCountChoices(product).filter((candidate) =>
      withinQuota(candidate, quota),
    )) {
      items.push({
        label: `${count} × ${name}`,
        description: note,
        gpu: { product: selectable ?? '', count },
      });
    }
    if (product.maxFreeOnOneNode === 0) {
      items.push({
        label: `$(circle-slash) ${name}: none free`,
        description: note,
        detail:
          'Every GPU of this product is in use; choosing it queues nothing and fails with where GPUs are free.',
        gpu: { product: selectable ?? '', count: 1 },
      });
    }
  }
  return [...items, ...cpuOnlyItems()];
}

function withinQuota(count: number, quota: GpuQuota | undefined): boolean {
  return quota === undefined || count <= quota.room;
}

const HIDDEN_COUNTS = [1, 2, 4, 8];
const OTHER_PRODUCT = 'Other GPU product…';

/** Choices for a user who may not read nodes: named products and "any product", counts within the quota. */
function hiddenGpuItems(products: readonly string[], quota: GpuQuota | undefined): GpuItem[] {
  const counts = HIDDEN_COUNTS.filter((count) => withinQuota(count, quota));
  const note = 'capacity hidden';
  const items: GpuItem[] = [];
  for (const product of products) {
    items.push({ label: product, kind: vscode.QuickPickItemKind.Separator });
    for (const count of counts)
      items.push({
        label: `${count} × ${shortProduct(product)}`,
        description: note,
        gpu: { product, count },
      });
  }
  items.push({ label: 'Any GPU product', kind: vscode.QuickPickItemKind.Separator });
  for (const count of counts)
    items.push({ label: `${count} × any GPU`, description: note, gpu: { product: '', count } });
  if (counts.length > 0)
    items.push({
      label: OTHER_PRODUCT,
      description: 'type the nvidia.com/gpu.product label value',
    });
  return [...items, ...cpuOnlyItems()];
}

function cpuOnlyItems(): GpuItem[] {
  return [
    { label: 'No GPU', kind: vscode.QuickPickItemKind.Separator },
    { label: 'CPU only', description: 'no GPU; 2 CPU, 8Gi by default' },
  ];
}

function gpuPlaceholder(offer: GpuOffer): string {
  const quota = offer.quota
    ? ` ${describeGpuQuota(offer.quota)}${offer.quota.room === 0 ? ': no GPU fits' : ''}.`
    : '';
  if (offer.kind === 'hidden') {
    return `Cluster-wide GPU capacity is hidden from you (you may not list nodes); products come from your namespace and kubeMl.devPods.gpuProducts.${quota}`;
  }
  return `${offer.products.length ? 'GPU product and count (free right now)' : 'This cluster has no GPU nodes'}.${quota}`;
}

/** A product typed by the user, then its count: for products nothing in the namespace names yet. */
async function askOtherProduct(
  prompter: FlowPrompter,
  quota: GpuQuota | undefined,
): Promise<{ product: string; count: number } | undefined> {
  const product = await prompter.input({
    title: `${TITLE}: GPU product`,
    prompt:
      'The node label nvidia.com/gpu.product of the GPUs you want (e.g. NVIDIA-H100-80GB-HBM3)',
    value: '',
    validate: (value) =>
      /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(value.trim())
        ? undefined
        : 'A label value: up to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit.',
  });
  if (product === undefined) return undefined;
  const count = await prompter.input({
    title: `${TITLE}: GPU count`,
    prompt: `How many ${product.trim()} GPUs${quota ? ` (${describeGpuQuota(quota)})` : ''}`,
    value: '1',
    validate: (value) =>
      /^[1-9]\d{0,2}$/.test(value.trim()) && withinQuota(Number(value), quota)
        ? undefined
        : `A whole number from 1${quota ? ` to ${quota.room}` : ''}.`,
  });
  return count === undefined ? undefined : { product: product.trim(), count: Number(count.trim()) };
}

function sizingText(sizing: Sizing): string {
  return `${sizing.cpu} CPU · ${sizing.memory} memory · ${sizing.workspaceSize} workspace${sizing.storageClass ? ` (${sizing.storageClass})` : ''} · idle stop ${sizing.idleMinutes > 0 ? `${sizing.idleMinutes} min` : 'off'}`;
}

async function storageClassNames(session: ClusterSession): Promise<string[]> {
  try {
    const list = await session.kubeConfig.makeApiClient(StorageV1Api).listStorageClass();
    return list.items.map((item) => item.metadata?.name ?? '').filter(Boolean);
  } catch {
    // Listing storage classes is cluster-scoped and often not allowed: the cluster default still works.
    return [];
  }
}

async function adjustSizing(
  prompter: FlowPrompter,
  session: ClusterSession,
  sizing: Sizing,
): Promise<Sizing | undefined> {
  const cpu = await prompter.input({
    title: `${TITLE}: CPU`,
    prompt: 'CPU cores to request ("8", "500m")',
    value: sizing.cpu,
    validate: validateCpu,
  });
  if (cpu === undefined) return undefined;
  const memory = await prompter.input({
    title: `${TITLE}: memory`,
    prompt: 'Memory (also the limit; /dev/shm gets a quarter)',
    value: sizing.memory,
    validate: (value) => validateMemory(value),
  });
  if (memory === undefined) return undefined;
  const workspaceSize = await prompter.input({
    title: `${TITLE}: workspace volume`,
    prompt: 'Size of the persistent /workspace volume',
    value: sizing.workspaceSize,
    validate: (value) => validateMemory(value, 'Workspace size'),
  });
  if (workspaceSize === undefined) return undefined;
  const classes = await storageClassNames(session);
  let storageClass = sizing.storageClass;
  if (classes.length > 0) {
    const defaultItem = {
      label: 'Cluster default',
      description: 'the storage class marked default',
    };
    const items = [defaultItem, ...classes.map((name) => ({ label: name }))];
    const picked = await prompter.pick({
      title: `${TITLE}: storage class`,
      placeholder: 'Storage class of the workspace volume',
      items,
      active: items.find((item) => item.label === sizing.storageClass) ?? defaultItem,
    });
    if (!picked || 'button' in picked) return undefined;
    storageClass = picked === defaultItem ? undefined : picked.label;
  }
  const idle = await prompter.input({
    title: `${TITLE}: idle shutdown`,
    prompt:
      'Stop the dev pod (keeping its volume) after this many minutes without a terminal, port-forward or attached session; 0 = never',
    value: String(sizing.idleMinutes),
    validate: (value) =>
      /^\d+$/.test(value.trim())
        ? validateIdleMinutes(Number(value))
        : `"${value}" is not a whole number of minutes.`,
  });
  if (idle === undefined) return undefined;
  return {
    cpu: cpu.trim(),
    memory: memory.trim(),
    workspaceSize: workspaceSize.trim(),
    storageClass,
    idleMinutes: Number(idle.trim()),
  };
}

/** Asks the questions; undefined when the user cancels. Throws 'forbidden' before asking when the user may not create dev pods. */
export async function askDevPodSpec(
  services: Services,
  prompter: FlowPrompter,
  context: FlowContext,
): Promise<DevPodSpec | undefined> {
  const { session } = context;
  const name = await prompter.input({
    title: `${TITLE} (1/3): name`,
    prompt: `Name of the dev pod in namespace ${session.namespace}`,
    value: suggestName(context.existingNames),
    validate: (value) => validateDevPodName(value.trim(), context.existingNames),
  });
  if (name === undefined) return undefined;

  const offer = await gpuOffer(session, services.settings.gpuProducts());
  const products = offer.kind === 'capacity' ? offer.products : [];
  const items =
    offer.kind === 'capacity'
      ? gpuItems(products, offer.partial, offer.quota)
      : hiddenGpuItems(offer.products, offer.quota);
  const preferred = context.preferredProduct
    ? items.find((item) => item.gpu?.product === context.preferredProduct && item.gpu?.count === 1)
    : undefined;
  const fallback = defaultGpuChoice(products);
  const active =
    preferred ??
    items.find(
      (item) =>
        item.gpu &&
        fallback &&
        item.gpu.product === fallback.product &&
        item.gpu.count === fallback.count,
    ) ??
    items.find((item) => item.label === 'CPU only');
  const gpuAnswer = await prompter.pick({
    title: `${TITLE} (2/3): GPUs`,
    placeholder: gpuPlaceholder(offer),
    items,
    active,
  });
  if (!gpuAnswer || 'button' in gpuAnswer) return undefined;
  const chosen =
    gpuAnswer.label === OTHER_PRODUCT
      ? await askOtherProduct(prompter, offer.quota)
      : gpuAnswer.gpu;
  if (gpuAnswer.label === OTHER_PRODUCT && !chosen) return undefined;
  // "Any GPU product" carries an empty product: no product selector.
  const gpu = chosen && (chosen.product ? chosen : { count: chosen.count });
  assertWithinGpuQuota(offer.quota, gpu?.count ?? 0, session.namespace);

  const defaults = defaultResourcesFor(gpu?.count ?? 0);
  let sizing: Sizing = {
    ...defaults,
    workspaceSize: DEFAULT_WORKSPACE_SIZE,
    storageClass: services.settings.defaultStorageClass(),
    idleMinutes: services.settings.devPodIdleMinutes(),
  };
  const imageItems: ImageItem[] = IMAGE_PRESETS.map((preset) => ({
    label: preset.label,
    description: preset.image || undefined,
    detail: preset.description,
    preset,
  }));
  let image: ImagePreset | undefined;
  while (!image) {
    const answer = await prompter.pick({
      title: `${TITLE} (3/3): image`,
      placeholder: `Image; creates with ${sizingText(sizing)} (gear button to adjust)`,
      items: imageItems,
      active: imageItems.find((item) => item.preset.id === DEFAULT_IMAGE_PRESET),
      buttons: [
        {
          id: 'adjust',
          icon: 'settings-gear',
          tooltip: 'Adjust CPU, memory, workspace volume and idle shutdown',
        },
      ],
    });
    if (!answer) return undefined;
    if ('button' in answer) {
      sizing = (await adjustSizing(prompter, session, sizing)) ?? sizing;
      continue;
    }
    image = answer.preset;
  }
  let imageReference = image.image;
  if (image.id === 'custom') {
    const custom = await prompter.input({
      title: `${TITLE}: custom image`,
      prompt: 'Image reference (registry/repository:tag)',
      value: '',
      validate: validateImage,
    });
    if (custom === undefined) return undefined;
    imageReference = custom.trim();
  }
  return {
    name: name.trim(),
    namespace: session.namespace,
    ...(gpu ? { gpu } : {}),
    image: imageReference,
    imagePreset: image.id,
    cpu: sizing.cpu,
    memory: sizing.memory,
    workspace: {
      size: sizing.workspaceSize,
      ...(sizing.storageClass ? { storageClass: sizing.storageClass } : {}),
    },
    idleMinutes: sizing.idleMinutes,
    restrictedPodSecurity: services.settings.restrictedPodSecurity(),
  };
}

/** The RBAC checks behind "may this user create dev pods here?"; the reason names verb and resource. */
export async function createPermissionProblem(
  session: ClusterSession,
): Promise<string | undefined> {
  const needed = [
    { verb: 'create', resource: 'pods' },
    { verb: 'patch', resource: 'pods' },
    { verb: 'create', resource: 'persistentvolumeclaims' },
    { verb: 'patch', resource: 'persistentvolumeclaims' },
  ];
  const allowed = await Promise.all(
    needed.map((query) => session.can({ ...query, namespace: session.namespace })),
  );
  const missing = needed
    .filter((_, index) => !allowed[index])
    .map((query) => `${query.verb} ${query.resource}`);
  return missing.length > 0
    ? `You may not create dev pods in namespace ${session.namespace}: RBAC does not allow ${missing.join(', ')}.`
    : undefined;
}

export function forbiddenToCreate(problem: string): KubeMlError {
  return new KubeMlError(
    'forbidden',
    problem,
    'Switch to a namespace where you have the "edit" role, or ask a cluster admin for it.',
  );
}
