/** Messages between the Compare Runs panel (extension host) and its webview. */

/** One metric of one run: parallel arrays, steps ascending. */
export interface MetricSeries {
  readonly steps: number[];
  readonly values: number[];
}

/** The curves parsed from one run's logs. */
export interface RunCurves {
  readonly run: string;
  /** Which pod the curves come from (rank 0 logs the metrics). */
  readonly source: string;
  readonly metrics: Record<string, MetricSeries>;
  /** Why a run has no curves, shown in place of its series. */
  readonly note?: string;
}

export type HostToView =
  | { readonly type: 'curves'; readonly runs: RunCurves[] }
  | { readonly type: 'loading'; readonly runs: string[] }
  | { readonly type: 'error'; readonly message: string };

export type ViewToHost = { readonly type: 'ready' } | { readonly type: 'refresh' };

/** The state the webview keeps across hide/show through setState. */
export interface CompareViewState {
  readonly metric?: string;
  readonly logScale?: boolean;
}
