import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { alignedSeries, metricNames, SERIES_COLOURS } from './chartData';
import { connect } from '../common/vscodeApi';
import type { CompareViewState, HostToView, RunCurves, ViewToHost } from './protocol';

const channel = connect<ViewToHost, HostToView, CompareViewState>();
let state: CompareViewState = channel.getState() ?? {};
let runs: RunCurves[] = [];
let chart: uPlot | undefined;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  properties: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

const root = document.getElementById('root') ?? document.body;
const metricSelect = element('select', { title: 'Metric' });
const logScale = element('input', {
  type: 'checkbox',
  checked: state.logScale ?? false,
  id: 'log-scale',
});
const refresh = element('button', { textContent: 'Reload logs' });
const status = element('span', { className: 'status', role: 'status' });
const chartHost = element('div', { id: 'chart' });
const notes = element('ul', { className: 'notes' });
root.append(
  element(
    'div',
    { className: 'toolbar' },
    element('label', {}, 'Metric ', metricSelect),
    element('label', {}, logScale, ' log scale'),
    refresh,
    status,
  ),
  chartHost,
  notes,
);

function saveState(next: CompareViewState): void {
  state = { ...state, ...next };
  channel.setState(state);
}

function cssColour(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function draw(): void {
  chart?.destroy();
  chart = undefined;
  const metric = metricSelect.value;
  if (!metric) {
    status.textContent = runs.length ? 'No training metrics in these runs\u2019 logs yet.' : '';
    return;
  }
  const { steps, values } = alignedSeries(runs, metric);
  const axisColour = cssColour('--vscode-foreground', '#ccc');
  const gridColour = cssColour('--vscode-editorWidget-border', '#444');
  const axis = {
    stroke: axisColour,
    grid: { stroke: gridColour, width: 1 },
    ticks: { stroke: gridColour },
  };
  const options: uPlot.Options = {
    title: metric,
    width: Math.max(320, chartHost.clientWidth || window.innerWidth - 32),
    height: Math.max(240, window.innerHeight - 160),
    scales: { x: { time: false }, y: { distr: state.logScale ? 3 : 1 } },
    axes: [
      { ...axis, label: 'step' },
      { ...axis, label: metric },
    ],
    series: [
      { label: 'step' },
      ...runs.map((run, index) => ({
        label: run.run,
        stroke: SERIES_COLOURS[index % SERIES_COLOURS.length],
        width: 2,
        spanGaps: true,
      })),
    ],
  };
  chart = new uPlot(options, [steps, ...values] as uPlot.AlignedData, chartHost);
  status.textContent = `${runs.length} runs, ${steps.length} steps`;
}

function showRuns(next: RunCurves[]): void {
  runs = next;
  const names = metricNames(runs);
  metricSelect.replaceChildren(
    ...names.map((name) => element('option', { value: name, textContent: name })),
  );
  metricSelect.value =
    state.metric && names.includes(state.metric) ? state.metric : (names[0] ?? '');
  notes.replaceChildren(
    ...runs
      .filter((run) => run.note)
      .map((run) => element('li', { textContent: `${run.run}: ${run.note}` })),
  );
  draw();
}

metricSelect.addEventListener('change', () => {
  saveState({ metric: metricSelect.value });
  draw();
});
logScale.addEventListener('change', () => {
  saveState({ logScale: logScale.checked });
  draw();
});
refresh.addEventListener('click', () => channel.post({ type: 'refresh' }));
window.addEventListener('resize', () =>
  chart?.setSize({
    width: Math.max(320, chartHost.clientWidth),
    height: Math.max(240, window.innerHeight - 160),
  }),
);
channel.onMessage((message) => {
  switch (message.type) {
    case 'loading':
      status.className = 'status';
      status.textContent = `Reading logs of ${message.runs.join(', ')}\u2026`;
      break;
    case 'curves':
      status.className = 'status';
      showRuns(message.runs);
      break;
    case 'error':
      status.className = 'error';
      status.textContent = message.message;
      break;
  }
});
channel.post({ type: 'ready' });
