// `up --nodes N`: adds N simulated H100 nodes in concurrent batches, for scale benchmarks.
import * as k8s from '@kubernetes/client-node';
import { POOL_LABEL, scaleNode } from './fixtures';

export interface ScaleResult {
  added: number;
  seconds: number;
  totalNodes: number;
}

export async function addScaleNodes(
  kubeConfig: k8s.KubeConfig,
  count: number,
  onProgress: (done: number, total: number) => void,
  concurrency = 32,
): Promise<ScaleResult> {
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const existing = await core.listNode({ labelSelector: `${POOL_LABEL}=scale-h100` });
  const taken = new Set(existing.items.map((node) => node.metadata?.name));
  const names: number[] = [];
  for (let index = 0; names.length < count; index += 1) {
    if (!taken.has(`scale-h100-${index}`)) names.push(index);
  }
  const started = Date.now();
  let next = 0;
  let done = 0;
  const reportEvery = Math.max(1, Math.floor(count / 20));
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const index = names[next++];
      await core.createNode({ body: scaleNode(index) });
      done += 1;
      if (done % reportEvery === 0 || done === count) onProgress(done, count);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = (Date.now() - started) / 1000;
  const page = await core.listNode({ limit: 1 });
  return {
    added: count,
    seconds,
    totalNodes: page.items.length + (page.metadata?.remainingItemCount ?? 0),
  };
}
