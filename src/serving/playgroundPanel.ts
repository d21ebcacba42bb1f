import * as vscode from 'vscode';
import type { PortForwardHandle } from '../cluster/portForward';
import { podTargetOf } from '../cluster/podResolver';
import { startPortForward } from '../cluster/portForward';
import { KubeMlError } from '../cluster/errors';
import type { Services } from '../common/services';
import { PanelHost, type ReadyMessage } from '../common/panelHost';
import type {
  EndpointChoice,
  HistoryEntry,
  HistoryLane,
  HostToView,
  LaneRequest,
  ViewToHost,
} from '../webviews/playground/protocol';
import type { EndpointInfo, EndpointStore } from './endpointStore';
import {
  buildCompletionRequest,
  curlSnippet,
  DEFAULT_PARAMETERS,
  pythonSnippet,
  validateParameters,
  type PlaygroundMode,
} from './model/playgroundRequest';
import { readApiKey } from './apiKey';
import { listModels, streamCompletion } from './openAiClient';

const HISTORY_KEY = 'kubeMl.playground.history';
const HISTORY_LIMIT = 50;

function choiceOf(endpoint: EndpointInfo): EndpointChoice {
  return {
    id: endpoint.id,
    label: endpoint.name,
    state:
      endpoint.phase === 'available'
        ? `${endpoint.ready}/${endpoint.desired} ready`
        : endpoint.phase,
    openAiCompatible: endpoint.openAiCompatible,
  };
}

/**
 * The Playground panel: one per window, reused. HTTP runs here in the extension host through a
 * managed port-forward per endpoint (kept while the panel is open); the webview only renders.
 */
export class PlaygroundPanel implements vscode.Disposable {
  static current: PlaygroundPanel | undefined;

  private readonly host: PanelHost<HostToView, ViewToHost>;
  /** Per endpoint: the forwarded URL and the API key it requires (kept here: the webview never sees it). */
  private readonly forwards = new Map<
    string,
    Promise<{ baseUrl: string; handle?: PortForwardHandle; apiKey?: string }>
  >();
  private readonly runs = new Map<string, AbortController>();

  static show(services: Services, store: EndpointStore, endpointId?: string): PlaygroundPanel {
    if (PlaygroundPanel.current) {
      PlaygroundPanel.current.host.reveal();
      if (endpointId) PlaygroundPanel.current.init(endpointId);
      return PlaygroundPanel.current;
    }
    PlaygroundPanel.current = new PlaygroundPanel(services, store, endpointId);
    return PlaygroundPanel.current;
  }

  private constructor(
    private readonly services: Services,
    private readonly store: EndpointStore,
    private preselected: string | undefined,
  ) {
    this.host = new PanelHost(services.extensionContext.extensionUri, {
      viewType: 'kubeMl.playground',
      title: 'Model Playground',
      bundle: 'playground',
      retainContextWhenHidden: true,
      restore: () => this.init(),
      receive: (message) => void this.receive(message),
    });
    this.host.add(
      store.onDidChange(() => this.post({ type: 'endpoints', endpoints: this.choices() })),
    );
    this.host.add({ dispose: () => this.release() });
  }

  private choices(): EndpointChoice[] {
    return this.store.list().map(choiceOf);
  }

  private history(): HistoryEntry[] {
    return this.services.extensionContext.workspaceState.get<HistoryEntry[]>(HISTORY_KEY, []);
  }

  private post(message: HostToView): void {
    this.host.post(message);
  }

  private init(preselected?: string): void {
    this.preselected = preselected ?? this.preselected;
    this.post({
      type: 'init',
      endpoints: this.choices(),
      preselected: this.preselected,
      history: this.history(),
      defaults: DEFAULT_PARAMETERS,
    });
  }

  private async receive(message: Exclude<ViewToHost, ReadyMessage>): Promise<void> {
    switch (message.type) {
      case 'loadModels':
        try {
          const { baseUrl, apiKey } = await this.baseUrl(message.endpointId);
          this.post({
            type: 'models',
            endpointId: message.endpointId,
            models: await listModels(baseUrl, undefined, apiKey),
          });
        } catch (error) {
          this.post({
            type: 'models',
            endpointId: message.endpointId,
            models: [],
            error: (error as Error).message,
          });
        }
        return;
      case 'send':
        await this.send(
          message.runId,
          message.mode,
          message.systemPrompt,
          message.prompt,
          message.lanes,
        );
        return;
      case 'stop':
        this.runs.get(message.runId)?.abort();
        return;
      case 'copySnippet':
        await this.services.errors.guard('copy the request', async () => {
          const { baseUrl } = await this.baseUrl(message.lane.endpointId);
          const keySecret = this.store.get(message.lane.endpointId)?.spec?.apiKeySecret;
          const plan = buildCompletionRequest({
            mode: message.mode,
            model: message.lane.model,
            systemPrompt: message.systemPrompt,
            messages: message.lane.messages,
            parameters: message.lane.parameters,
          });
          await vscode.env.clipboard.writeText(
            message.format === 'curl'
              ? curlSnippet(baseUrl, plan, keySecret)
              : pythonSnippet(baseUrl, plan, keySecret),
          );
          void vscode.window.showInformationMessage(
            `Copied the request as ${message.format === 'curl' ? 'curl' : 'Python'} (it targets ${baseUrl}, the forwarded port, valid while the playground is open).`,
          );
        });
        return;
      case 'clearHistory':
        await this.services.extensionContext.workspaceState.update(HISTORY_KEY, []);
        this.post({ type: 'history', history: [] });
        return;
    }
  }

  /** The URL the extension host reaches the endpoint at: a managed port-forward to its pods. */
  private baseUrl(
    endpointId: string,
  ): Promise<{ baseUrl: string; handle?: PortForwardHandle; apiKey?: string }> {
    let forward = this.forwards.get(endpointId);
    if (!forward) {
      const endpoint = this.store.get(endpointId);
      if (!endpoint)
        return Promise.reject(
          new KubeMlError(
            'notFound',
            `Endpoint ${endpointId} is not in the Endpoints view any more.`,
            'It was deleted, or the namespace changed.',
          ),
        );
      const session = this.services.connection.requireSession();
      forward = (async () => {
        await session.requireAccess({
          verb: 'create',
          resource: 'pods',
          subresource: 'portforward',
          namespace: endpoint.namespace,
        });
        const keySecret = endpoint.spec?.apiKeySecret;
        const apiKey = keySecret
          ? await readApiKey(session.kubeConfig, endpoint.namespace, keySecret)
          : undefined;
        const handle = await startPortForward(session.kubeConfig, {
          ...podTargetOf(endpoint.workload),
          remotePort: endpoint.containerPort,
          localPort: 0,
        });
        this.services.output.info(
          `Playground: forwarding ${handle.url()} to ${endpoint.id} port ${endpoint.containerPort}.`,
        );
        return { baseUrl: handle.url(), handle, apiKey };
      })();
      forward.catch(() => this.forwards.delete(endpointId));
      this.forwards.set(endpointId, forward);
    }
    return forward;
  }

  private async send(
    runId: string,
    mode: PlaygroundMode,
    systemPrompt: string,
    prompt: string,
    lanes: readonly LaneRequest[],
  ): Promise<void> {
    const abort = new AbortController();
    this.runs.set(runId, abort);
    const results = await Promise.all(
      lanes.map(async (lane, index): Promise<HistoryLane> => {
        try {
          const problems = validateParameters(lane.parameters);
          if (problems.length > 0) throw new KubeMlError('invalidInput', problems.join(' '));
          const endpoint = this.store.get(lane.endpointId);
          if (endpoint && !endpoint.openAiCompatible)
            throw new KubeMlError(
              'invalidInput',
              `${endpoint.name} runs ${endpoint.spec?.runtime ?? 'a runtime'} without an OpenAI-compatible API.`,
              'The playground needs /v1/chat/completions; use vLLM or TGI.',
            );
          this.post({ type: 'status', runId, lane: index, message: 'Opening the port-forward...' });
          const { baseUrl, apiKey } = await this.baseUrl(lane.endpointId);
          this.post({
            type: 'status',
            runId,
            lane: index,
            message: 'Waiting for the first token...',
          });
          const plan = buildCompletionRequest({
            mode,
            model: lane.model,
            systemPrompt,
            messages: lane.messages,
            parameters: lane.parameters,
          });
          const result = await streamCompletion(
            baseUrl,
            plan,
            (text) => this.post({ type: 'token', runId, lane: index, text }),
            abort.signal,
            apiKey,
          );
          this.post({
            type: 'done',
            runId,
            lane: index,
            figures: result.figures,
            finishReason: result.finishReason,
          });
          return {
            endpointId: lane.endpointId,
            model: lane.model,
            parameters: lane.parameters,
            answer: result.text,
            figures: result.figures,
          };
        } catch (error) {
          const message =
            error instanceof KubeMlError
              ? [error.summary, error.hint].filter(Boolean).join(' ')
              : (error as Error).message;
          this.services.output.warn(`Playground request to ${lane.endpointId} failed: ${message}`);
          this.post({ type: 'failed', runId, lane: index, message });
          return {
            endpointId: lane.endpointId,
            model: lane.model,
            parameters: lane.parameters,
            answer: '',
            error: message,
          };
        }
      }),
    );
    this.runs.delete(runId);
    const entry: HistoryEntry = {
      id: runId,
      at: new Date().toISOString(),
      mode,
      systemPrompt,
      prompt,
      lanes: results,
    };
    const history = [entry, ...this.history()].slice(0, HISTORY_LIMIT);
    await this.services.extensionContext.workspaceState.update(HISTORY_KEY, history);
    this.post({ type: 'history', history });
  }

  /** Stops the runs and the port-forwards this panel opened. */
  private release(): void {
    if (PlaygroundPanel.current === this) PlaygroundPanel.current = undefined;
    for (const run of this.runs.values()) run.abort();
    for (const forward of this.forwards.values())
      void forward.then(
        (value) => value.handle?.dispose(),
        () => undefined,
      );
    this.forwards.clear();
  }

  dispose(): void {
    this.host.dispose();
  }
}
