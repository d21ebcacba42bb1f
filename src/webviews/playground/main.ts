import './style.css';
import { connect } from '../common/vscodeApi';
import type {
  ChatMessage,
  EndpointChoice,
  HistoryEntry,
  HostToView,
  LaneRequest,
  LatencyFigures,
  PlaygroundMode,
  SamplingParameters,
  ViewToHost,
} from './protocol';

interface LaneState {
  endpointId: string;
  model: string;
  parameters: SamplingParameters;
  /** Finished turns of this lane's chat. */
  transcript: ChatMessage[];
}

interface SavedState {
  mode: PlaygroundMode;
  compare: boolean;
  systemPrompt: string;
  prompt: string;
  lanes: LaneState[];
}

const channel = connect<ViewToHost, HostToView, SavedState>();

const FALLBACK_PARAMETERS: SamplingParameters = {
  temperature: 0.7,
  maxTokens: 256,
  topP: 1,
  stop: [],
};

let endpoints: readonly EndpointChoice[] = [];
let history: readonly HistoryEntry[] = [];
const modelsByEndpoint = new Map<string, readonly string[]>();
const state: SavedState = channel.getState() ?? {
  mode: 'chat',
  compare: false,
  systemPrompt: '',
  prompt: '',
  lanes: [],
};
let runId: string | undefined;
let running = 0;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

function save(): void {
  channel.setState(state);
}

function post(message: ViewToHost): void {
  channel.post(message);
}

function formatFigures(figures: LatencyFigures): string {
  const parts = [
    figures.ttftMs === undefined ? 'no tokens' : `TTFT ${Math.round(figures.ttftMs)} ms`,
  ];
  if (figures.tokensPerSecond !== undefined)
    parts.push(`${figures.tokensPerSecond.toFixed(1)} tokens/s`);
  parts.push(
    `${figures.completionTokens} tokens${figures.tokensFromServer ? '' : ' (chunks)'}`,
    `${(figures.totalMs / 1000).toFixed(2)} s total`,
  );
  return parts.join(' · ');
}

// ---- layout -------------------------------------------------------------------------------------

const root = document.getElementById('root') ?? document.body;
const modeSelect = element(
  'select',
  { 'aria-label': 'Mode' },
  element('option', { value: 'chat' }, 'Chat'),
  element('option', { value: 'completion' }, 'Completion'),
);
const compareBox = element('input', { type: 'checkbox', id: 'compare' });
const clearButton = element('button', { type: 'button', class: 'secondary' }, 'New conversation');
const toolbar = element(
  'div',
  { class: 'toolbar' },
  element('label', {}, 'Mode ', modeSelect),
  element('label', { for: 'compare' }, compareBox, ' Compare side by side'),
  clearButton,
);
const lanesBox = element('div', { class: 'lanes' });
const systemPrompt = element('textarea', {
  rows: '2',
  placeholder: 'System prompt (optional)',
  'aria-label': 'System prompt',
});
const promptBox = element('textarea', {
  rows: '4',
  placeholder: 'Prompt: Ctrl+Enter sends',
  'aria-label': 'Prompt',
});
const sendButton = element('button', { type: 'button' }, 'Send');
const stopButton = element('button', { type: 'button', class: 'secondary' }, 'Stop');
const composer = element(
  'div',
  { class: 'composer' },
  systemPrompt,
  promptBox,
  element('div', { class: 'actions' }, sendButton, stopButton),
);
const historyList = element('ol', { class: 'history-list' });
const clearHistoryButton = element(
  'button',
  { type: 'button', class: 'secondary' },
  'Clear history',
);
const historyBox = element(
  'details',
  { class: 'history' },
  element('summary', {}, 'History (this workspace)'),
  historyList,
  clearHistoryButton,
);
root.append(toolbar, lanesBox, composer, historyBox);

interface LaneView {
  readonly box: HTMLElement;
  readonly transcript: HTMLElement;
  readonly figures: HTMLElement;
  answer?: HTMLElement;
}
let laneViews: LaneView[] = [];

function numberInput(
  label: string,
  value: number,
  attributes: Record<string, string>,
  onChange: (value: number) => void,
): HTMLElement {
  const input = element('input', {
    type: 'number',
    value: String(value),
    ...attributes,
    'aria-label': label,
  });
  input.addEventListener('change', () => {
    const parsed = Number(input.value);
    if (Number.isFinite(parsed)) onChange(parsed);
  });
  return element('label', {}, `${label} `, input);
}

function endpointOptions(select: HTMLSelectElement, selected: string): void {
  select.replaceChildren(
    ...endpoints.map((endpoint) => {
      const option = element(
        'option',
        { value: endpoint.id },
        `${endpoint.label} (${endpoint.state})${endpoint.openAiCompatible ? '' : ' - not OpenAI-compatible'}`,
      );
      option.selected = endpoint.id === selected;
      return option;
    }),
  );
  if (endpoints.length === 0)
    select.append(element('option', { value: '' }, 'No endpoints: deploy a model first'));
}

function modelOptions(select: HTMLSelectElement, lane: LaneState): void {
  const models = modelsByEndpoint.get(lane.endpointId) ?? [];
  if (models.length > 0 && !models.includes(lane.model)) lane.model = models[0];
  select.replaceChildren(
    ...(models.length > 0 ? models : [lane.model || '(loading models)']).map((model) => {
      const option = element('option', { value: model }, model);
      option.selected = model === lane.model;
      return option;
    }),
  );
}

function renderMessage(role: string, text: string): HTMLElement {
  return element(
    'div',
    { class: `message ${role}` },
    element('span', { class: 'role' }, role),
    element('div', { class: 'text' }, text),
  );
}

function renderLanes(): void {
  const count = state.compare ? 2 : 1;
  while (state.lanes.length < count) {
    const template = state.lanes[0];
    state.lanes.push({
      endpointId: template?.endpointId ?? endpoints[0]?.id ?? '',
      model: template?.model ?? '',
      parameters: { ...(template?.parameters ?? FALLBACK_PARAMETERS) },
      transcript: [],
    });
  }
  laneViews = [];
  lanesBox.replaceChildren();
  lanesBox.classList.toggle('compare', state.compare);
  state.lanes.slice(0, count).forEach((lane, index) => {
    const endpointSelect = element('select', { 'aria-label': `Endpoint ${index + 1}` });
    endpointOptions(endpointSelect, lane.endpointId);
    const modelSelect = element('select', { 'aria-label': `Model ${index + 1}` });
    modelOptions(modelSelect, lane);
    endpointSelect.addEventListener('change', () => {
      lane.endpointId = endpointSelect.value;
      lane.model = '';
      post({ type: 'loadModels', endpointId: lane.endpointId });
      save();
    });
    modelSelect.addEventListener('change', () => {
      lane.model = modelSelect.value;
      save();
    });
    if (lane.endpointId && !modelsByEndpoint.has(lane.endpointId))
      post({ type: 'loadModels', endpointId: lane.endpointId });
    const parameters = element(
      'div',
      { class: 'parameters' },
      numberInput(
        'Temperature',
        lane.parameters.temperature,
        { min: '0', max: '2', step: '0.1' },
        (value) => {
          lane.parameters = { ...lane.parameters, temperature: value };
          save();
        },
      ),
      numberInput('Max tokens', lane.parameters.maxTokens, { min: '1', step: '1' }, (value) => {
        lane.parameters = { ...lane.parameters, maxTokens: Math.round(value) };
        save();
      }),
      numberInput(
        'top_p',
        lane.parameters.topP,
        { min: '0.01', max: '1', step: '0.05' },
        (value) => {
          lane.parameters = { ...lane.parameters, topP: value };
          save();
        },
      ),
    );
    const stopInput = element('input', {
      type: 'text',
      value: lane.parameters.stop.join(', '),
      placeholder: 'comma-separated',
      'aria-label': `Stop sequences ${index + 1}`,
    });
    stopInput.addEventListener('change', () => {
      lane.parameters = {
        ...lane.parameters,
        stop: stopInput.value
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item.length > 0),
      };
      save();
    });
    parameters.append(element('label', {}, 'Stop ', stopInput));
    const transcript = element('div', { class: 'transcript', 'aria-live': 'polite' });
    for (const message of lane.transcript)
      transcript.append(renderMessage(message.role, message.content));
    const figures = element('div', { class: 'figures' });
    const copyCurl = element('button', { type: 'button', class: 'secondary' }, 'Copy as curl');
    const copyPython = element('button', { type: 'button', class: 'secondary' }, 'Copy as Python');
    copyCurl.addEventListener('click', () =>
      post({
        type: 'copySnippet',
        format: 'curl',
        mode: state.mode,
        systemPrompt: state.systemPrompt,
        lane: laneRequest(lane, promptBox.value),
      }),
    );
    copyPython.addEventListener('click', () =>
      post({
        type: 'copySnippet',
        format: 'python',
        mode: state.mode,
        systemPrompt: state.systemPrompt,
        lane: laneRequest(lane, promptBox.value),
      }),
    );
    const box = element(
      'section',
      { class: 'lane', 'aria-label': `Lane ${index + 1}` },
      element('div', { class: 'lane-head' }, endpointSelect, modelSelect),
      parameters,
      transcript,
      figures,
      element('div', { class: 'actions' }, copyCurl, copyPython),
    );
    lanesBox.append(box);
    laneViews.push({ box, transcript, figures });
  });
}

function laneRequest(lane: LaneState, prompt: string): LaneRequest {
  const earlier = state.mode === 'chat' ? lane.transcript : [];
  return {
    endpointId: lane.endpointId,
    model: lane.model,
    parameters: lane.parameters,
    messages: [...earlier, { role: 'user', content: prompt }],
  };
}

function renderHistory(): void {
  historyList.replaceChildren(
    ...history.map((entry) => {
      const button = element(
        'button',
        { type: 'button', class: 'link' },
        `${new Date(entry.at).toLocaleString()} · ${entry.mode} · ${entry.prompt.slice(0, 80)}`,
      );
      button.title = entry.lanes
        .map(
          (lane) =>
            `${lane.endpointId} ${lane.model}: ${lane.figures ? formatFigures(lane.figures) : (lane.error ?? '')}`,
        )
        .join('\n');
      button.addEventListener('click', () => restore(entry));
      return element('li', {}, button);
    }),
  );
}

function restore(entry: HistoryEntry): void {
  state.mode = entry.mode;
  state.systemPrompt = entry.systemPrompt;
  state.prompt = entry.prompt;
  state.compare = entry.lanes.length > 1;
  state.lanes = entry.lanes.map((lane) => ({
    endpointId: lane.endpointId,
    model: lane.model,
    parameters: lane.parameters,
    transcript:
      entry.mode === 'chat'
        ? [
            { role: 'user', content: entry.prompt },
            { role: 'assistant', content: lane.answer },
          ]
        : [],
  }));
  syncInputs();
  renderLanes();
  save();
}

function syncInputs(): void {
  modeSelect.value = state.mode;
  compareBox.checked = state.compare;
  systemPrompt.value = state.systemPrompt;
  promptBox.value = state.prompt;
  updateButtons();
}

function updateButtons(): void {
  sendButton.disabled = running > 0 || endpoints.length === 0;
  stopButton.disabled = running === 0;
}

function send(): void {
  const prompt = promptBox.value;
  if (!prompt.trim() || running > 0) return;
  const count = state.compare ? 2 : 1;
  const lanes = state.lanes.slice(0, count);
  runId = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  running = lanes.length;
  lanes.forEach((_lane, index) => {
    const view = laneViews[index];
    if (state.mode === 'completion') view.transcript.replaceChildren();
    view.transcript.append(renderMessage('user', prompt));
    const answer = renderMessage('assistant', '');
    answer.classList.add('streaming');
    view.answer = answer.querySelector('.text') as HTMLElement;
    view.transcript.append(answer);
    view.figures.textContent = 'Connecting...';
  });
  post({
    type: 'send',
    runId,
    mode: state.mode,
    systemPrompt: state.systemPrompt,
    prompt,
    lanes: lanes.map((lane) => laneRequest(lane, prompt)),
  });
  state.prompt = '';
  promptBox.value = '';
  save();
  updateButtons();
}

function finishLane(lane: number, answerText: string | undefined): void {
  const view = laneViews[lane];
  view.answer?.parentElement?.classList.remove('streaming');
  if (answerText !== undefined && state.mode === 'chat') {
    const user = view.transcript.querySelectorAll('.message.user');
    const last = user[user.length - 1]?.querySelector('.text')?.textContent ?? '';
    state.lanes[lane].transcript.push(
      { role: 'user', content: last },
      { role: 'assistant', content: answerText },
    );
  }
  running = Math.max(0, running - 1);
  updateButtons();
  save();
}

// ---- events ---------------------------------------------------------------------------------------

modeSelect.addEventListener('change', () => {
  state.mode = modeSelect.value as PlaygroundMode;
  save();
});
compareBox.addEventListener('change', () => {
  state.compare = compareBox.checked;
  renderLanes();
  save();
});
clearButton.addEventListener('click', () => {
  for (const lane of state.lanes) lane.transcript = [];
  renderLanes();
  save();
});
systemPrompt.addEventListener('input', () => {
  state.systemPrompt = systemPrompt.value;
  save();
});
promptBox.addEventListener('input', () => {
  state.prompt = promptBox.value;
  save();
});
promptBox.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    send();
  }
});
sendButton.addEventListener('click', send);
stopButton.addEventListener('click', () => {
  if (runId) post({ type: 'stop', runId });
});
clearHistoryButton.addEventListener('click', () => post({ type: 'clearHistory' }));

channel.onMessage((message) => {
  switch (message.type) {
    case 'init':
      endpoints = message.endpoints;
      history = message.history;
      if (state.lanes.length === 0 || message.preselected) {
        const first = message.preselected ?? endpoints[0]?.id ?? '';
        state.lanes = [
          { endpointId: first, model: '', parameters: { ...message.defaults }, transcript: [] },
          ...state.lanes.slice(1),
        ];
      }
      syncInputs();
      renderLanes();
      renderHistory();
      save();
      break;
    case 'endpoints':
      endpoints = message.endpoints;
      renderLanes();
      updateButtons();
      break;
    case 'models':
      modelsByEndpoint.set(message.endpointId, message.models);
      renderLanes();
      if (message.error)
        laneViews.forEach((view, index) => {
          if (state.lanes[index]?.endpointId === message.endpointId)
            view.figures.textContent = message.error ?? '';
        });
      break;
    case 'status':
      if (message.runId === runId) laneViews[message.lane].figures.textContent = message.message;
      break;
    case 'token':
      if (message.runId === runId) {
        const view = laneViews[message.lane];
        view.answer?.append(message.text);
        view.figures.textContent = 'Streaming...';
        view.transcript.scrollTop = view.transcript.scrollHeight;
      }
      break;
    case 'done':
      if (message.runId === runId) {
        laneViews[message.lane].figures.textContent =
          `${formatFigures(message.figures)}${message.finishReason ? ` · finish: ${message.finishReason}` : ''}`;
        finishLane(message.lane, laneViews[message.lane].answer?.textContent ?? '');
      }
      break;
    case 'failed':
      if (message.runId === runId) {
        const view = laneViews[message.lane];
        view.figures.textContent = message.message;
        view.figures.classList.add('error');
        finishLane(message.lane, undefined);
      }
      break;
    case 'history':
      history = message.history;
      renderHistory();
      break;
  }
});

syncInputs();
post({ type: 'ready' });
