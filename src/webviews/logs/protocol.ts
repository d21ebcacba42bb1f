/** Messages between the log panel (extension host) and its webview. Imported by both sides. */
import type { MetricSample } from '../../cluster/logs/trainingMetrics';

/** One pod/container stream merged into the view; lines refer to it by index. */
export interface LogSource {
  readonly pod: string;
  readonly container: string;
  /** Index into the view's colour palette, stable per pod. */
  readonly colour: number;
}

export interface ContainerChoice {
  readonly name: string;
  readonly kind: 'init' | 'main';
  /** Some pod has a terminated previous instance of this container to show. */
  readonly hasPrevious: boolean;
}

/** A line on the wire: t = RFC 3339 timestamp, s = source index, x = text (may hold ANSI). */
export interface WireLine {
  readonly t: string;
  readonly s: number;
  readonly x: string;
  /**
   * A progress-bar redraw (the line began with '\r': tqdm redrawing a line it never ended). The
   * view shows only the latest one per pod, in a progress strip, instead of appending it.
   */
  readonly p?: true;
}

export type FollowStateName =
  'connecting' | 'following' | 'reconnecting' | 'reconnected' | 'ended' | 'error';

export type HostToView =
  | {
      readonly type: 'init';
      readonly title: string;
      readonly maxLines: number;
      readonly containers: readonly ContainerChoice[];
      readonly container: string;
      readonly previous: boolean;
      /** The Kubernetes log API merges stdout and stderr, so the stream filter cannot work. */
      readonly streamsDistinguishable: false;
    }
  | { readonly type: 'sources'; readonly sources: readonly LogSource[] }
  | { readonly type: 'lines'; readonly lines: readonly WireLine[]; readonly dropped: number }
  | { readonly type: 'metrics'; readonly samples: readonly MetricSample[] }
  | {
      readonly type: 'status';
      readonly source: string;
      readonly state: FollowStateName;
      readonly message: string;
    }
  | { readonly type: 'reset' }
  | { readonly type: 'saved'; readonly path: string; readonly lines: number };

export type ViewToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'selectContainer'; readonly container: string; readonly previous: boolean }
  | { readonly type: 'save' }
  /** The webview finished rendering a batch: lets benchmarks measure shown, not just sent. */
  | { readonly type: 'rendered'; readonly lines: number; readonly firstLineShownAt?: number };
