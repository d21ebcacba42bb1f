/** GPU metrics webview: where the numbers come from, current values per GPU, and charts over time. */
import '../common/theme.css';
import 'uplot/dist/uPlot.min.css';
import './gpuMetrics.css';
import uPlot from 'uplot';
import { connect } from '../common/vscodeApi';
import { clear, el, seriesColour, themeColour } from '../common/dom';
import type { GpuReading, GpuSnapshot } from '../../cluster/gpu/sample';
import type { ViewToHost, HostToView } from './protocol';

const channel = connect<ViewToHost, HostToView, Record<string, never>>();

interface Metric {
  readonly key: 'utilisation' | 'memoryUsedMiB' | 'powerWatts' | 'temperatureC';
  readonly title: string;
  readonly unit: string;
}

const METRICS: readonly Metric[] = [
  { key: 'utilisation', title: 'Utilisation', unit: '%' },
  { key: 'memoryUsedMiB', title: 'Memory used', unit: 'MiB' },
  { key: 'powerWatts', title: 'Power', unit: 'W' },
  { key: 'temperatureC', title: 'Temperature', unit: '°C' },
];

const title = el('strong', {});
const polling = el('span', { class: 'muted', 'aria-live': 'polite' });
const source = el(
  'div',
  { class: 'banner info source', role: 'status' },
  'Waiting for the first sample…',
);
const problems = el('div', { class: 'problems' });
const table = el('table', { class: 'gpus', 'aria-label': 'Current GPU readings' });
const charts = el('div', { class: 'charts' });
document
  .getElementById('root')
  ?.append(el('div', { class: 'toolbar' }, title, polling), source, problems, table, charts);

let snapshots: GpuSnapshot[] = [];
let windowMinutes = 5;
const plots = new Map<string, uPlot>();
let plotKeys = '';

function gpuKey(reading: GpuReading): string {
  return `${reading.node ?? ''}#${reading.gpu}`;
}

function gpuLabel(reading: GpuReading, multiNode: boolean): string {
  return `${multiNode && reading.node ? `${reading.node} ` : ''}GPU ${reading.gpu}`;
}

function format(value: number | undefined, digits = 0): string {
  return value === undefined ? 'n/a' : value.toFixed(digits);
}

function renderTable(latest: GpuSnapshot): void {
  const multiNode = new Set(latest.gpus.map((gpu) => gpu.node)).size > 1;
  const header = el(
    'tr',
    {},
    ...['GPU', 'Model', 'Utilisation', 'Memory', 'Power', 'Temp', 'Pod'].map((text) =>
      el('th', {}, text),
    ),
  );
  const rows = latest.gpus.map((gpu) =>
    el(
      'tr',
      { 'data-gpu': gpu.gpu },
      el('td', {}, gpuLabel(gpu, multiNode)),
      el('td', {}, gpu.name ?? ''),
      el('td', { class: 'number' }, `${format(gpu.utilisation)} %`),
      el(
        'td',
        { class: 'number' },
        `${format(gpu.memoryUsedMiB)} / ${format(gpu.memoryTotalMiB)} MiB`,
      ),
      el('td', { class: 'number' }, `${format(gpu.powerWatts, 1)} W`),
      el('td', { class: 'number' }, `${format(gpu.temperatureC)} °C`),
      el('td', {}, gpu.pod ? `${gpu.namespace}/${gpu.pod}` : ''),
    ),
  );
  table.replaceChildren(header, ...rows);
}

function buildPlots(gpus: readonly GpuReading[]): void {
  for (const plot of plots.values()) plot.destroy();
  plots.clear();
  clear(charts);
  const multiNode = new Set(gpus.map((gpu) => gpu.node)).size > 1;
  const axisColour = themeColour('--vscode-descriptionForeground', '#888');
  const gridColour = themeColour('--vscode-panel-border', '#8884');
  const width = Math.max(260, Math.floor((charts.clientWidth || 600) / 2) - 16);
  for (const metric of METRICS) {
    const holder = el('div', { class: 'chart', 'data-metric': metric.key });
    charts.append(holder);
    const options: uPlot.Options = {
      title: `${metric.title} (${metric.unit})`,
      width,
      height: 170,
      // The x axis always spans the whole window, so the first samples do not fill the chart.
      scales: {
        x: { time: true, range: (_plot, _min, max) => [max - windowMinutes * 60, max] },
        y: metric.key === 'utilisation' ? { range: [0, 100] } : { auto: true },
      },
      axes: [
        { stroke: axisColour, grid: { stroke: gridColour, width: 1 } },
        { stroke: axisColour, grid: { stroke: gridColour, width: 1 }, size: 55 },
      ],
      series: [
        {},
        ...gpus.map((gpu, index) => ({
          label: gpuLabel(gpu, multiNode),
          stroke: seriesColour(index),
          width: 1.5,
          spanGaps: false,
          points: { size: 4 },
        })),
      ], // uPlot draws points only while they are sparse
    };
    plots.set(metric.key, new uPlot(options, dataFor(metric, gpus), holder));
  }
}

function dataFor(metric: Metric, gpus: readonly GpuReading[]): uPlot.AlignedData {
  const times = snapshots.map((snapshot) => snapshot.time / 1000);
  const columns = gpus.map((gpu) => {
    const key = gpuKey(gpu);
    return snapshots.map(
      (snapshot) =>
        snapshot.gpus.find((candidate) => gpuKey(candidate) === key)?.[metric.key] ?? null,
    );
  });
  return [times, ...columns];
}

function render(): void {
  const latest = snapshots[snapshots.length - 1];
  if (!latest) return;
  source.textContent = `Source: ${latest.sourceDescription} · last ${windowMinutes} minutes`;
  source.dataset.source = latest.source;
  charts.dataset.samples = String(snapshots.length);
  renderTable(latest);
  const keys = latest.gpus.map(gpuKey).join(',');
  if (keys !== plotKeys) {
    plotKeys = keys;
    buildPlots(latest.gpus);
    return;
  }
  for (const metric of METRICS) plots.get(metric.key)?.setData(dataFor(metric, latest.gpus));
}

channel.onMessage((message) => {
  switch (message.type) {
    case 'init':
      title.textContent = message.title;
      windowMinutes = message.windowMinutes;
      snapshots = [];
      clear(problems);
      break;
    case 'snapshots': {
      snapshots.push(...message.snapshots);
      const oldest = (snapshots[snapshots.length - 1]?.time ?? 0) - windowMinutes * 60_000;
      snapshots = snapshots.filter((snapshot) => snapshot.time >= oldest);
      if (message.snapshots.length > 0) clear(problems);
      render();
      break;
    }
    case 'problem':
      problems.append(el('div', { class: 'banner warning' }, message.message));
      while (problems.childElementCount > 4) problems.firstElementChild?.remove();
      break;
    case 'polling':
      polling.textContent = message.active ? 'sampling while visible' : 'paused';
      break;
  }
});

new ResizeObserver(() => {
  const width = Math.max(260, Math.floor(charts.clientWidth / 2) - 16);
  for (const plot of plots.values()) plot.setSize({ width, height: 170 });
}).observe(charts);

channel.post({ type: 'ready' });
