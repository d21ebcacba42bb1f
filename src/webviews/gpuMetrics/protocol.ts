/** Messages between the GPU metrics panel and its webview. Imported by both sides. */
import type { GpuSnapshot } from '../../cluster/gpu/sample';

export type HostToView =
  | {
      readonly type: 'init';
      readonly title: string;
      readonly refreshSeconds: number;
      readonly windowMinutes: number;
    }
  /** Snapshots in time order; on (re)load the whole window is replayed in one message. */
  | { readonly type: 'snapshots'; readonly snapshots: readonly GpuSnapshot[] }
  | { readonly type: 'problem'; readonly message: string; readonly missing?: string }
  | { readonly type: 'polling'; readonly active: boolean };

export type ViewToHost = { readonly type: 'ready' };
