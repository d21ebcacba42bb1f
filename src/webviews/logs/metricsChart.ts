/**
 * Training curves next to the log: one small uPlot chart per picked series (loss and learning
 * rate live on very different scales, so separate charts read better than one shared axis),
 * step on x. uPlot was chosen for size (~50 KB) and speed (draws 100k points in a few ms).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { PRIMARY_METRICS, type MetricSample } from '../../cluster/logs/trainingMetrics';
import { clear, el, seriesColour, themeColour } from '../common/dom';

const DEFAULT_SERIES = ['loss', 'eval_loss', 'learning_rate'];
/**
 * Points kept per series (up to a tenth more between two trims): as many samples as the extension
 * host keeps (LogSession), so memory stays bounded on an endless log.
 */
const MAX_POINTS_PER_SERIES = 100_000;
/**
 * Least time between two redraws. A redraw walks every point of every plotted series (tens of
 * milliseconds for 100,000 points on a busy machine); done per 75 ms batch it stole frames from
 * scrolling, while a curve gains nothing from more than a few updates a second.
 */
const REDRAW_INTERVAL_MS = 500;
/** A redraw waits until the log has not been scrolled for this long (see `busy`). */
const QUIET_MS = 250;

export class MetricsChart {
  /** Per series, points in step order (steps normally arrive in order, so appends stay cheap). */
  private readonly series = new Map<string, { steps: number[]; values: number[] }>();
  private readonly names = new Set<string>();
  private picked: Set<string> | undefined;
  private charts = new Map<string, uPlot>();
  private readonly pickers: HTMLElement;
  private readonly plots: HTMLElement;
  private redrawQueued = false;
  private lastRedrawAt = Number.NEGATIVE_INFINITY;
  /** Hidden charts are not redrawn; showing them redraws once. */
  private visible = false;

  /**
   * `busy(quietMs)` says the log was scrolled within the last quietMs: redraws wait for it to be
   * still, so they do not take frames from scrolling (the curves catch up right after).
   */
  constructor(
    private readonly root: HTMLElement,
    picked: readonly string[] | undefined,
    private readonly onPick: (picked: string[]) => void,
    private readonly busy: (quietMs: number) => boolean = () => false,
  ) {
    this.picked = picked ? new Set(picked) : undefined;
    this.pickers = el('div', {
      class: 'series-pickers',
      role: 'group',
      'aria-label': 'Series to plot',
    });
    this.plots = el('div', { class: 'plots' });
    root.append(this.pickers, this.plots);
    new ResizeObserver(() => this.resize()).observe(root);
  }

  get hasData(): boolean {
    return this.series.size > 0;
  }

  reset(): void {
    this.series.clear();
    this.names.clear();
    for (const chart of this.charts.values()) chart.destroy();
    this.charts.clear();
    clear(this.pickers);
    clear(this.plots);
  }

  add(samples: readonly MetricSample[]): void {
    let newNames = false;
    for (const sample of samples) {
      for (const [name, value] of Object.entries(sample.values)) {
        let points = this.series.get(name);
        if (!points) {
          points = { steps: [], values: [] };
          this.series.set(name, points);
          this.names.add(name);
          newNames = true;
        }
        insertPoint(points, sample.step, value);
        if (points.steps.length > MAX_POINTS_PER_SERIES) dropOldest(points);
      }
    }
    if (newNames) this.renderPickers();
    this.queueRedraw();
  }

  private pickedNames(): string[] {
    const available = [...this.names];
    if (this.picked) return available.filter((name) => this.picked?.has(name));
    const defaults = available.filter((name) => DEFAULT_SERIES.includes(name));
    return defaults.length > 0
      ? defaults
      : available
          .filter((name) => (PRIMARY_METRICS as readonly string[]).includes(name))
          .slice(0, 2);
  }

  private renderPickers(): void {
    clear(this.pickers);
    const picked = new Set(this.pickedNames());
    const ordered = [...this.names].sort(
      (left, right) => rank(left) - rank(right) || left.localeCompare(right),
    );
    for (const name of ordered) {
      const box = el('input', { type: 'checkbox', id: `series-${name}`, 'data-series': name });
      box.checked = picked.has(name);
      box.addEventListener('change', () => {
        const next = new Set(this.pickedNames());
        if (box.checked) next.add(name);
        else next.delete(name);
        this.picked = next;
        this.onPick([...next]);
        this.rebuild();
      });
      this.pickers.append(el('label', { for: `series-${name}` }, box, ` ${name}`));
    }
    this.rebuild();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.queueRedraw();
  }

  private queueRedraw(): void {
    if (this.redrawQueued || !this.visible) return;
    this.redrawQueued = true;
    const wait = Math.max(0, this.lastRedrawAt + REDRAW_INTERVAL_MS - performance.now());
    setTimeout(() => this.redrawWhenQuiet(), wait);
  }

  private redrawWhenQuiet(): void {
    if (this.busy(QUIET_MS)) {
      setTimeout(() => this.redrawWhenQuiet(), QUIET_MS);
      return;
    }
    requestAnimationFrame(() => {
      this.redrawQueued = false;
      this.lastRedrawAt = performance.now();
      if (this.visible) this.redraw();
    });
  }

  private data(name: string): uPlot.AlignedData {
    const points = this.series.get(name);
    return points ? [points.steps, points.values] : [[], []];
  }

  private rebuild(): void {
    for (const chart of this.charts.values()) chart.destroy();
    this.charts.clear();
    clear(this.plots);
    const names = this.pickedNames();
    const width = Math.max(200, this.root.clientWidth - 8);
    const axisColour = themeColour('--vscode-descriptionForeground', '#888');
    const gridColour = themeColour('--vscode-panel-border', '#8884');
    names.forEach((name, index) => {
      const holder = el('div', { class: 'plot', 'data-series': name });
      this.plots.append(holder);
      const options: uPlot.Options = {
        title: name,
        width,
        height: 150,
        scales: { x: { time: false } },
        legend: { show: true },
        cursor: { drag: { x: true, y: false } },
        axes: [
          { stroke: axisColour, grid: { stroke: gridColour, width: 1 }, label: 'step' },
          {
            stroke: axisColour,
            grid: { stroke: gridColour, width: 1 },
            size: 60,
            values: (_plot, ticks) => ticks.map(formatTick),
          },
        ],
        series: [
          { label: 'step' },
          {
            label: name,
            stroke: seriesColour(index),
            width: 1.5,
            spanGaps: true,
            points: { show: false },
          },
        ],
      };
      this.charts.set(name, new uPlot(options, this.data(name), holder));
    });
  }

  private redraw(): void {
    for (const [name, chart] of this.charts) chart.setData(this.data(name));
  }

  private resize(): void {
    const width = Math.max(200, this.root.clientWidth - 8);
    for (const chart of this.charts.values()) chart.setSize({ width, height: 150 });
  }
}

/**
 * Drops the oldest points beyond the cap in one splice per tenth of the cap, not one per sample
 * (a splice moves every point).
 */
function dropOldest(points: { steps: number[]; values: number[] }): void {
  const excess = points.steps.length - MAX_POINTS_PER_SERIES;
  if (excess < MAX_POINTS_PER_SERIES / 10) return;
  points.steps.splice(0, excess);
  points.values.splice(0, excess);
}

/** Keeps steps sorted and unique (a later value for the same step replaces the earlier one). */
function insertPoint(
  points: { steps: number[]; values: number[] },
  step: number,
  value: number,
): void {
  const last = points.steps.length - 1;
  if (last < 0 || step > points.steps[last]) {
    points.steps.push(step);
    points.values.push(value);
    return;
  }
  let low = 0;
  let high = last;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (points.steps[middle] < step) low = middle + 1;
    else high = middle;
  }
  if (points.steps[low] === step) points.values[low] = value;
  else {
    points.steps.splice(low, 0, step);
    points.values.splice(low, 0, value);
  }
}

/** Learning rates live around 1e-5: print them in exponent form instead of "0". */
function formatTick(value: number | null): string {
  if (value === null) return '';
  return value !== 0 && Math.abs(value) < 1e-2
    ? value.toExponential(1)
    : String(Number(value.toPrecision(3)));
}

function rank(name: string): number {
  const index = (PRIMARY_METRICS as readonly string[]).indexOf(name);
  return index < 0 ? PRIMARY_METRICS.length : index;
}
