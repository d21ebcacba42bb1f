/**
 * GPU utilisation next to allocation in the GPU Capacity view: per-product aggregation and change
 * detection on the displayed figures. Pure; utilisationPoller.ts reads the figures.
 */

export interface NodeUtilisation {
  /** Mean utilisation of the node's GPUs, percent. */
  readonly utilisation: number;
  readonly gpus: number;
}

export type UtilisationByNode = ReadonlyMap<string, NodeUtilisation>;

/** GPU-weighted mean over the nodes that report; undefined when none does. */
export function productUtilisation(nodeNames: readonly string[], byNode: UtilisationByNode): NodeUtilisation | undefined {
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

export function utilisationTooltipLine(utilisation: NodeUtilisation | undefined): string | undefined {
  return utilisation && `GPU utilisation: ${formatUtilisation(utilisation)?.replace(' util', '')} (mean of ${utilisation.gpus} GPU${utilisation.gpus === 1 ? '' : 's'}, DCGM exporter)`;
}

/** The rows whose displayed figure differs between two readings: only those need a refresh. */
export function changedUtilisationRows(
  previous: UtilisationByNode,
  current: UtilisationByNode,
  products: readonly { readonly product: string; readonly nodeNames: readonly string[] }[],
): { nodes: string[]; products: string[] } {
  const nodes = [...new Set([...previous.keys(), ...current.keys()])].filter((name) => formatUtilisation(previous.get(name)) !== formatUtilisation(current.get(name)));
  const changedProducts = products
    .filter(({ nodeNames }) => formatUtilisation(productUtilisation(nodeNames, previous)) !== formatUtilisation(productUtilisation(nodeNames, current)))
    .map(({ product }) => product);
  return { nodes, products: changedProducts };
}

/** Where the figures come from; `D` is whatever discovery found (the exporter endpoints). */
export interface UtilisationSource<D> {
  /** Finds the exporter; undefined when the cluster runs none (then nothing is read). */
  discover(signal: AbortSignal): Promise<D | undefined>;
  read(discovery: D, signal: AbortSignal): Promise<UtilisationByNode>;
}
