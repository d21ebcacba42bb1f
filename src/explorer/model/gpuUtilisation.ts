/**
 * GPU utilisation next to allocation in the GPU Capacity view: per-product aggregation and change
 * detection on the displayed figures. Pure; utilisationPoller.ts reads the figures.
 */
import type { NodeUtilisation, UtilisationByNode } from '../../cluster/gpu/poolUtilisation';

/** GPU-weighted mean over the nodes that report; undefined when none does. */
export function productUtilisation(
  nodeNames: readonly string[],
  byNode: UtilisationByNode,
): NodeUtilisation | undefined {
  let weighted = 0;
  let gpus = 0;
  for (const name of nodeNames) {
    const node = byNode.get(name);
    if (!node || node.gpus <= 0) continue;
    weighted += node.utilisation * node.gpus;
    gpus += node.gpus;
  }
  return gpus > 0 ? { utilisation: weighted / gpus, gpus } : undefined;
}

/** "63% util", the figure rows show; undefined without data. */
export function formatUtilisation(utilisation: NodeUtilisation | undefined): string | undefined {
  return utilisation && `${Math.round(Math.min(100, Math.max(0, utilisation.utilisation)))}% util`;
}

export function utilisationTooltipLine(
  utilisation: NodeUtilisation | undefined,
): string | undefined {
  return (
    utilisation &&
    `GPU utilisation: ${formatUtilisation(utilisation)?.replace(' util', '')} (mean of ${utilisation.gpus} GPU${utilisation.gpus === 1 ? '' : 's'}, DCGM exporter)`
  );
}

/** The rows whose displayed figure differs between two readings: only those need a refresh. */
export function changedUtilisationRows(
  previous: UtilisationByNode,
  current: UtilisationByNode,
  products: readonly { readonly product: string; readonly nodeNames: readonly string[] }[],
): { nodes: string[]; products: string[] } {
  const nodes = [...new Set([...previous.keys(), ...current.keys()])].filter(
    (name) => formatUtilisation(previous.get(name)) !== formatUtilisation(current.get(name)),
  );
  const changedProducts = products
    .filter(
      ({ nodeNames }) =>
        formatUtilisation(productUtilisation(nodeNames, previous)) !==
        formatUtilisation(productUtilisation(nodeNames, current)),
    )
    .map(({ product }) => product);
  return { nodes, products: changedProducts };
}
