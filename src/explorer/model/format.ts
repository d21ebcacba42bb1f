import type {
  GpuFigures,
  GpuNodeSummary,
  GpuProductSummary,
  GpuTotals,
} from '../../cluster/gpu/accounting';
import type { NodeUtilisation } from '../../cluster/gpu/poolUtilisation';
import { formatUtilisation, utilisationTooltipLine } from './gpuUtilisation';

/** Texts of the GPU Capacity view and the status bar; pure so they are unit-tested. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function formatFigures(figures: GpuFigures): string {
  return `${figures.free} free · ${figures.requested} requested · ${figures.allocatable} allocatable · ${figures.total} total`;
}

export function nodeStateWords(node: GpuNodeSummary): string[] {
  const words = [node.ready ? 'Ready' : 'NotReady'];
  if (node.cordoned) words.push('cordoned');
  if (node.tainted) words.push('tainted');
  return words;
}

/** " · 63% util" when DCGM data exists, else nothing: utilisation sits next to allocation. */
function utilisationSuffix(utilisation: NodeUtilisation | undefined): string {
  const text = formatUtilisation(utilisation);
  return text ? ` · ${text}` : '';
}

export function describeProduct(product: GpuProductSummary, utilisation?: NodeUtilisation): string {
  return `${formatFigures(product)}${utilisationSuffix(utilisation)} · ${plural(product.nodeNames.length, 'node')}`;
}

export function describeGpuNode(node: GpuNodeSummary, utilisation?: NodeUtilisation): string {
  return `${formatFigures(node)}${utilisationSuffix(utilisation)} · ${nodeStateWords(node).join(', ')}`;
}

export function gpuNodeTooltip(node: GpuNodeSummary, utilisation?: NodeUtilisation): string {
  const lines = [`${node.name}: ${nodeStateWords(node).join(', ')}`];
  for (const device of node.devices) {
    lines.push(
      `${device.resource} (${device.product}): ${device.free} free, ${device.requested} requested, ${device.allocatable} allocatable, ${device.total} total`,
    );
  }
  if (node.memoryMiB) lines.push(`GPU memory: ${Math.round(node.memoryMiB / 1024)} GiB each`);
  if (node.taints.length > 0) lines.push(`Taints: ${node.taints.join(', ')}`);
  const utilisationLine = utilisationTooltipLine(utilisation);
  if (utilisationLine) lines.push(utilisationLine);
  return lines.join('\n');
}

export function productTooltip(product: GpuProductSummary, utilisation?: NodeUtilisation): string {
  const lines = [
    product.product,
    formatFigures(product),
    `${product.schedulableFree} free on nodes that take new GPU pods`,
  ];
  if (product.memoryMiB) lines.push(`GPU memory: ${Math.round(product.memoryMiB / 1024)} GiB each`);
  const utilisationLine = utilisationTooltipLine(utilisation);
  if (utilisationLine) lines.push(utilisationLine);
  return lines.join('\n');
}

export function statusBarText(
  contextName: string,
  namespace: string,
  totals: GpuTotals | undefined,
  reconnecting = false,
): string {
  const gpus =
    totals && totals.total > 0
      ? `  $(circuit-board) ${totals.schedulableFree}/${totals.allocatable} GPUs free`
      : '';
  return `${reconnecting ? '$(sync~spin)' : '$(server-environment)'} ${contextName} / ${namespace}${gpus}${reconnecting ? ' (reconnecting)' : ''}`;
}
