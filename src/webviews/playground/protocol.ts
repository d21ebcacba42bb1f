/**
 * Typed messages between the Playground panel (extension host) and its webview. The webview never
 * talks to the network: the host sends requests through a managed port-forward and relays tokens.
 */
import type { LatencyFigures } from '../../serving/model/latency';
import type {
  ChatMessage,
  PlaygroundMode,
  SamplingParameters,
} from '../../serving/model/playgroundRequest';

export type { ChatMessage, LatencyFigures, PlaygroundMode, SamplingParameters };

export interface EndpointChoice {
  /** "<namespace>/<name>" */
  readonly id: string;
  readonly label: string;
  readonly state: string;
  readonly openAiCompatible: boolean;
}

/** One side of the playground: which endpoint and model, with which parameters. */
export interface LaneSettings {
  readonly endpointId: string;
  readonly model: string;
  readonly parameters: SamplingParameters;
}

export interface LaneRequest extends LaneSettings {
  /** Earlier turns of this lane's conversation plus the new user message. */
  readonly messages: readonly ChatMessage[];
}

export interface HistoryLane extends LaneSettings {
  readonly answer: string;
  readonly figures?: LatencyFigures;
  readonly error?: string;
}

export interface HistoryEntry {
  readonly id: string;
  /** ISO time. */
  readonly at: string;
  readonly mode: PlaygroundMode;
  readonly systemPrompt: string;
  readonly prompt: string;
  readonly lanes: readonly HistoryLane[];
}

export type HostToView =
  | {
      readonly type: 'init';
      readonly endpoints: readonly EndpointChoice[];
      readonly preselected?: string;
      readonly history: readonly HistoryEntry[];
      readonly defaults: SamplingParameters;
    }
  | { readonly type: 'endpoints'; readonly endpoints: readonly EndpointChoice[] }
  | {
      readonly type: 'models';
      readonly endpointId: string;
      readonly models: readonly string[];
      readonly error?: string;
    }
  | {
      readonly type: 'status';
      readonly runId: string;
      readonly lane: number;
      readonly message: string;
    }
  | { readonly type: 'token'; readonly runId: string; readonly lane: number; readonly text: string }
  | {
      readonly type: 'done';
      readonly runId: string;
      readonly lane: number;
      readonly figures: LatencyFigures;
      readonly finishReason?: string;
    }
  | {
      readonly type: 'failed';
      readonly runId: string;
      readonly lane: number;
      readonly message: string;
    }
  | { readonly type: 'history'; readonly history: readonly HistoryEntry[] };

export type ViewToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'loadModels'; readonly endpointId: string }
  | {
      readonly type: 'send';
      readonly runId: string;
      readonly mode: PlaygroundMode;
      readonly systemPrompt: string;
      readonly prompt: string;
      readonly lanes: readonly LaneRequest[];
    }
  | { readonly type: 'stop'; readonly runId: string }
  | {
      readonly type: 'copySnippet';
      readonly format: 'curl' | 'python';
      readonly mode: PlaygroundMode;
      readonly systemPrompt: string;
      readonly lane: LaneRequest;
    }
  | { readonly type: 'clearHistory' };
