/** Log viewer webview: toolbar, status banner, virtualised log list and training curves. */
import '../common/theme.css';
import './logs.css';
import { connect } from '../common/vscodeApi';
import { el, SERIES_COLOUR_VARIABLES } from '../common/dom';
import { LogList } from './logList';
import { MetricsChart } from './metricsChart';
import type {
  ContainerChoice,
  FollowStateName,
  HostToView,
  LogSource,
  ViewToHost,
  WireLine,
} from './protocol';

/** UI choices kept across the panel being hidden and shown (the lines come back from the host). */
interface ViewState {
  filter: string;
  filterRegex: boolean;
  search: string;
  searchRegex: boolean;
  caseSensitive: boolean;
  timestamps: boolean;
  chartVisible: boolean;
  series?: string[];
}

const channel = connect<ViewToHost, HostToView, ViewState>();
const state: ViewState = {
  filter: '',
  filterRegex: false,
  search: '',
  searchRegex: false,
  caseSensitive: false,
  timestamps: false,
  chartVisible: true,
  ...channel.getState(),
};
const saveState = () => channel.setState(state);

let sources: LogSource[] = [];
let containers: ContainerChoice[] = [];
const statuses = new Map<string, { state: FollowStateName; message: string }>();
let firstLineShownAt: number | undefined;

function toggle(
  label: string,
  title: string,
  pressed: boolean,
  onChange: (pressed: boolean) => void,
): HTMLButtonElement {
  const button = el(
    'button',
    { class: 'secondary toggle', title, 'aria-pressed': String(pressed), 'aria-label': title },
    label,
  );
  button.addEventListener('click', () => {
    const next = button.getAttribute('aria-pressed') !== 'true';
    button.setAttribute('aria-pressed', String(next));
    onChange(next);
  });
  return button;
}

const title = el('strong', { class: 'title' });
const containerSelect = el('select', {
  'aria-label': 'Container',
  title: 'Container (init containers first)',
});
const previousBox = el('input', { type: 'checkbox', id: 'previous' });
const previousLabel = el(
  'label',
  {
    for: 'previous',
    title: 'Show the previous instance of the container (before its last restart)',
  },
  previousBox,
  ' previous',
);
const filterInput = el('input', {
  type: 'text',
  placeholder: 'Filter',
  'aria-label': 'Filter lines',
  value: state.filter,
});
const filterRegex = toggle('.*', 'Filter is a regular expression', state.filterRegex, (pressed) => {
  state.filterRegex = pressed;
  applyFilter();
});
const streamSelect = el(
  'select',
  {
    'aria-label': 'Stream',
    disabled: 'true',
    title:
      'The Kubernetes log API merges stdout and stderr into one stream, so they cannot be told apart here.',
  },
  el('option', {}, 'stdout+stderr'),
);
const searchInput = el('input', {
  type: 'text',
  placeholder: 'Search',
  'aria-label': 'Search',
  value: state.search,
});
const searchRegex = toggle('.*', 'Search is a regular expression', state.searchRegex, (pressed) => {
  state.searchRegex = pressed;
  applySearch();
});
const caseToggle = toggle(
  'Aa',
  'Match case (filter and search)',
  state.caseSensitive,
  (pressed) => {
    state.caseSensitive = pressed;
    applyFilter();
  },
);
const previousMatch = el(
  'button',
  { class: 'secondary', title: 'Previous match (Shift+Enter)', 'aria-label': 'Previous match' },
  '↑',
);
const nextMatch = el(
  'button',
  { class: 'secondary', title: 'Next match (Enter)', 'aria-label': 'Next match' },
  '↓',
);
const matchInfo = el('span', { class: 'muted match-info', 'aria-live': 'polite' });
const timestampsToggle = toggle('Timestamps', 'Show timestamps', state.timestamps, (pressed) => {
  state.timestamps = pressed;
  saveState();
  list.setOptions(listOptions());
});
const chartToggle = toggle('Chart', 'Show training curves', state.chartVisible, (pressed) => {
  state.chartVisible = pressed;
  saveState();
  updateChartVisibility();
});
const saveButton = el(
  'button',
  { title: 'Save everything streamed so far (not only the lines in memory) to a file' },
  'Save…',
);
const toolbar = el(
  'div',
  { class: 'toolbar' },
  title,
  containerSelect,
  previousLabel,
  filterInput,
  filterRegex,
  caseToggle,
  streamSelect,
  searchInput,
  searchRegex,
  previousMatch,
  nextMatch,
  matchInfo,
  timestampsToggle,
  chartToggle,
  saveButton,
);
const banner = el(
  'div',
  { class: 'banner info', role: 'status', 'aria-live': 'polite' },
  'Connecting…',
);
const viewport = el('div', { class: 'viewport', tabindex: '0', 'aria-label': 'Log lines' });
const followButton = el(
  'button',
  { class: 'follow-button hidden', title: 'Scroll to the end and follow new lines' },
  '↓ Follow',
);
const progressStrip = el('div', {
  class: 'progress-strip hidden',
  'aria-label': 'Latest progress bars',
  'aria-live': 'off',
});
const logPane = el('div', { class: 'log-pane' }, viewport, followButton);
const chartPane = el('div', { class: 'chart-pane hidden', 'aria-label': 'Training curves' });
const main = el('div', { class: 'main' }, logPane, chartPane);
const footer = el('div', { class: 'footer muted' });
document.getElementById('root')?.append(toolbar, banner, main, progressStrip, footer);
const progressBySource = new Map<number, string>();

/** tqdm redraws replace each other in one strip per pod instead of flooding the log. */
function showProgress(lines: readonly WireLine[]): void {
  for (const line of lines) progressBySource.set(line.s, line.x.trim());
  progressStrip.replaceChildren(
    ...[...progressBySource].map(([source, text]) =>
      el(
        'div',
        { class: 'progress-line' },
        sources.length > 1 ? `${sources[source]?.pod ?? '?'}: ${text}` : text,
      ),
    ),
  );
  progressStrip.classList.toggle('hidden', progressBySource.size === 0);
}

function listOptions() {
  return {
    showTimestamps: state.timestamps,
    showSources: sources.length > 1,
    sourceLabel: (index: number) => sources[index]?.pod ?? '?',
    // The theme variable itself, not its current value: no style read per row, and the badge
    // follows a theme change without a re-render.
    sourceColour: (index: number) =>
      `var(${SERIES_COLOUR_VARIABLES[(sources[index]?.colour ?? index) % SERIES_COLOUR_VARIABLES.length]}, var(--vscode-foreground))`,
  };
}

let maxLines = 100_000;
let list = new LogList(viewport, maxLines, listOptions());
list.onScrollStateChange = onScrollState;
const chart = new MetricsChart(
  chartPane,
  state.series,
  (picked) => {
    state.series = picked;
    saveState();
  },
  (quietMs) => list.scrolledWithin(quietMs),
);

function onScrollState(stuck: boolean): void {
  followButton.classList.toggle('hidden', stuck);
}
followButton.addEventListener('click', () => list.scrollToBottom());

function updateChartVisibility(): void {
  const visible = state.chartVisible && chart.hasData;
  if (chartPane.classList.contains('hidden') === visible) {
    chartPane.classList.toggle('hidden', !visible);
    chart.setVisible(visible);
  }
  chartToggle.disabled = !chart.hasData;
  const toggleTitle = chart.hasData
    ? 'Show training curves'
    : 'No training metrics recognised in this log';
  if (chartToggle.title !== toggleTitle) chartToggle.title = toggleTitle;
}

function applyFilter(): void {
  state.filter = filterInput.value;
  saveState();
  const error = list.setFilter(state.filter, state.filterRegex, state.caseSensitive);
  filterInput.classList.toggle('invalid', error !== undefined);
  filterInput.title = error ?? 'Show only lines that match';
  applySearch();
}

function applySearch(): void {
  state.search = searchInput.value;
  saveState();
  const result = list.setSearch(state.search, state.searchRegex, state.caseSensitive);
  searchInput.classList.toggle('invalid', result.error !== undefined);
  searchInput.title = result.error ?? 'Search (highlights matches)';
  searchInput.dataset.elapsedMs = result.elapsedMs.toFixed(1);
  updateMatchInfo();
}

function updateMatchInfo(): void {
  const count = list.matchCount();
  const current = list.currentMatchIndex();
  matchInfo.textContent =
    state.search === ''
      ? ''
      : count === 0
        ? 'No matches'
        : `${current < 0 ? '–' : current + 1} of ${count}`;
}

function goto(direction: 1 | -1): void {
  list.gotoMatch(direction);
  updateMatchInfo();
}

let filterTimer: ReturnType<typeof setTimeout> | undefined;
filterInput.addEventListener('input', () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(applyFilter, 150);
});
let searchTimer: ReturnType<typeof setTimeout> | undefined;
searchInput.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(applySearch, 150);
});
searchInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') goto(event.shiftKey ? -1 : 1);
});
previousMatch.addEventListener('click', () => goto(-1));
nextMatch.addEventListener('click', () => goto(1));
saveButton.addEventListener('click', () => channel.post({ type: 'save' }));
containerSelect.addEventListener('change', selectContainer);
previousBox.addEventListener('change', selectContainer);

function selectContainer(): void {
  channel.post({
    type: 'selectContainer',
    container: containerSelect.value,
    previous: previousBox.checked,
  });
}

function renderContainers(selected: string, previous: boolean): void {
  containerSelect.replaceChildren(
    ...containers.map((choice) => {
      const option = el(
        'option',
        { value: choice.name },
        choice.kind === 'init' ? `init: ${choice.name}` : choice.name,
      );
      option.selected = choice.name === selected;
      return option;
    }),
  );
  const choice = containers.find((candidate) => candidate.name === selected);
  previousBox.checked = previous;
  previousBox.disabled = !previous && !choice?.hasPrevious;
  previousLabel.title = previousBox.disabled
    ? 'This container has not restarted: there is no previous instance'
    : 'Show the previous instance of the container (before its last restart)';
}

/** One line summarising every pod's stream; problems first. */
let reconnectedTimer: ReturnType<typeof setTimeout> | undefined;
function renderStatus(): void {
  const entries = [...statuses.entries()];
  const reconnecting = entries.find(
    ([, status]) => status.state === 'reconnecting' || status.state === 'connecting',
  );
  const reconnected = entries.find(([, status]) => status.state === 'reconnected');
  const ended = entries.filter(([, status]) => status.state === 'ended');
  const prefix = (source: string) => (entries.length > 1 ? `${source}: ` : '');
  if (reconnecting) {
    banner.className = `banner ${reconnecting[1].state === 'reconnecting' ? 'warning' : 'info'}`;
    banner.textContent = `${reconnecting[1].state === 'reconnecting' ? '⟳ reconnecting… ' : ''}${prefix(reconnecting[0])}${reconnecting[1].message}`;
  } else if (reconnected) {
    banner.className = 'banner ok';
    banner.textContent = `✓ reconnected: ${prefix(reconnected[0])}${reconnected[1].message}`;
    clearTimeout(reconnectedTimer);
    reconnectedTimer = setTimeout(() => {
      for (const [key, status] of statuses)
        if (status.state === 'reconnected')
          statuses.set(key, { state: 'following', message: 'Following live.' });
      renderStatus();
    }, 5000);
  } else if (ended.length > 0) {
    banner.className = 'banner info';
    banner.textContent = ended
      .map(([source, status]) => `${prefix(source)}${status.message}`)
      .join(' · ');
  } else {
    banner.className = 'banner info';
    banner.textContent =
      entries.length > 1
        ? `Following ${entries.length} pods, merged and colour-coded.`
        : (entries[0]?.[1].message ?? '');
  }
}

/** One formatter for every footer update: toLocaleString builds a new one per call (~1 ms each). */
const lineCount = new Intl.NumberFormat();
function renderFooter(dropped: number): void {
  const held = list.store.size;
  const text = `${lineCount.format(held)} lines in view${dropped > 0 ? ` · ${lineCount.format(dropped)} older lines dropped (keeps the last ${lineCount.format(maxLines)}; Save keeps everything)` : ''}`;
  if (footer.textContent !== text) footer.textContent = text;
}

channel.onMessage((message) => {
  switch (message.type) {
    case 'init':
      title.textContent = message.title;
      containers = [...message.containers];
      renderContainers(message.container, message.previous);
      if (message.maxLines !== maxLines) {
        maxLines = message.maxLines;
        list.dispose();
        viewport.replaceChildren();
        list = new LogList(viewport, maxLines, listOptions());
        list.onScrollStateChange = onScrollState;
        list.setFilter(state.filter, state.filterRegex, state.caseSensitive);
        list.setSearch(state.search, state.searchRegex, state.caseSensitive);
      }
      break;
    case 'reset':
      list.clearAll();
      progressBySource.clear();
      showProgress([]);
      chart.reset();
      statuses.clear();
      updateChartVisibility();
      break;
    case 'sources':
      sources = [...message.sources];
      list.setOptions(listOptions());
      break;
    case 'lines': {
      const progressLines = message.lines.filter((line) => line.p);
      if (progressLines.length > 0) showProgress(progressLines);
      list.append(
        progressLines.length > 0 ? message.lines.filter((line) => !line.p) : message.lines,
      );
      renderFooter(message.dropped);
      if (state.search) updateMatchInfo();
      firstLineShownAt ??= message.lines.length > 0 ? Date.now() : undefined;
      channel.post({ type: 'rendered', lines: list.store.nextSequence, firstLineShownAt });
      break;
    }
    case 'metrics':
      chart.add(message.samples);
      updateChartVisibility();
      break;
    case 'status':
      statuses.set(message.source, { state: message.state, message: message.message });
      renderStatus();
      break;
    case 'saved':
      banner.className = 'banner ok';
      banner.textContent = `Saved ${message.lines.toLocaleString()} lines to ${message.path}`;
      break;
  }
});

applyFilter();
updateChartVisibility();
channel.post({ type: 'ready' });
