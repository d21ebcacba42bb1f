/**
 * The webview side of the typed message channel: `acquireVsCodeApi` may be called once, so this
 * module owns it and offers typed post/receive and persisted UI state.
 */
interface VsCodeApi<State> {
  postMessage(message: unknown): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

export interface Channel<ToHost, FromHost, State> {
  post(message: ToHost): void;
  onMessage(handler: (message: FromHost) => void): void;
  getState(): State | undefined;
  setState(state: State): void;
}

export function connect<ToHost, FromHost, State>(): Channel<ToHost, FromHost, State> {
  const api = acquireVsCodeApi<State>();
  return {
    post: (message) => api.postMessage(message),
    onMessage: (handler) =>
      window.addEventListener('message', (event: MessageEvent<FromHost>) => handler(event.data)),
    getState: () => api.getState(),
    setState: (state) => api.setState(state),
  };
}
