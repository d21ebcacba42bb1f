/**
 * The virtualised log list: only the rows in view (plus a small margin) exist in the DOM, so a
 * 1,000,000-line log scrolls as smoothly as a 100-line one. Rows have a fixed height; the full
 * height comes from a spacer element.
 *
 * Why not xterm.js: a log viewer needs filtering (hide non-matching rows), per-pod badges and
 * regex search over the whole buffer; xterm.js renders a terminal grid with none of those, adds
 * ~280 KB, and would need a dependency we do not ship. This list plus LineStore (block-joined
 * search: ~15 ms CPU for 1,000,000 lines, bench/logFollow.ts) keeps the whole bundle at ~72 KB
 * minified including uPlot.
 */
import { parseAnsi, type AnsiStyle } from '../../logs/model/ansi';
import { compileQuery, lineMatches, matchRanges, type CompiledQuery, type MatchRange } from '../../logs/model/filter';
import { LineStore, type StoredLine } from '../../logs/model/lineStore';
import { stripAnsi } from '../../logs/model/ansi';
import { clear, el } from '../common/dom';
import type { WireLine } from './protocol';

export const ROW_HEIGHT = 18;
const OVERSCAN = 20;

export interface ViewLine extends StoredLine {
  readonly source: number;
  readonly timestamp: string;
}

export interface ListOptions {
  readonly showTimestamps: boolean;
  readonly showSources: boolean;
  readonly sourceLabel: (source: number) => string;
  readonly sourceColour: (source: number) => string;
}

function styleRun(span: HTMLElement, style: AnsiStyle): void {
  const fg = style.inverse ? style.bg : style.fg;
  const bg = style.inverse ? style.fg : style.bg;
  // 16 base colours follow the theme's terminal palette; 256-colour and truecolour are literal.
  if (typeof fg === 'number' && fg < 16) span.classList.add(`ansi-fg-${fg}`);
  else if (fg !== undefined) span.style.color = typeof fg === 'number' ? xterm256(fg) : fg;
  if (typeof bg === 'number' && bg < 16) span.classList.add(`ansi-bg-${bg}`);
  else if (bg !== undefined) span.style.backgroundColor = typeof bg === 'number' ? xterm256(bg) : bg;
  if (style.bold) span.classList.add('ansi-bold');
  if (style.dim) span.classList.add('ansi-dim');
  if (style.italic) span.classList.add('ansi-italic');
  if (style.underline) span.classList.add('ansi-underline');
}

function xterm256(index: number): string {
  if (index >= 232) {
    const level = 8 + (index - 232) * 10;
    return `rgb(${level},${level},${level})`;
  }
  const cube = index - 16;
  const step = (value: number) => (value === 0 ? 0 : 55 + value * 40);
  return `rgb(${step(Math.floor(cube / 36))},${step(Math.floor(cube / 6) % 6)},${step(cube % 6)})`;
}

/** Appends the line's text as styled spans, marking search matches. */
function renderText(parent: HTMLElement, text: string, highlights: readonly MatchRange[], currentHighlight: boolean): void {
  const { runs } = parseAnsi(text);
  let offset = 0;
  for (const run of runs) {
    const end = offset + run.text.length;
    let cursor = offset;
    for (const range of highlights) {
      if (range.end <= cursor || range.start >= end) continue;
      if (range.start > cursor) parent.append(styled(run.text.slice(cursor - offset, range.start - offset), run.style));
      const mark = styled(run.text.slice(Math.max(range.start, cursor) - offset, Math.min(range.end, end) - offset), run.style);
      mark.classList.add(currentHighlight ? 'match-current' : 'match');
      parent.append(mark);
      cursor = Math.min(range.end, end);
    }
    if (cursor < end) parent.append(styled(run.text.slice(cursor - offset), run.style));
    offset = end;
  }
}

function styled(text: string, style: AnsiStyle): HTMLElement {
  const span = el('span', {}, text);
  styleRun(span, style);
  return span;
}

export class LogList {
  readonly store: LineStore<ViewLine>;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;
  private filter: CompiledQuery = {};
  /** Sequence numbers passing the filter (undefined: no filter, every line shows). */
  private filtered: number[] | undefined;
  private filteredHead = 0;
  private search: CompiledQuery = {};
  private matches: number[] = [];
  private matchesHead = 0;
  private currentMatch = -1;
  private stickToBottom = true;
  private renderQueued = false;
  private options: ListOptions;
  onScrollStateChange: (stuck: boolean) => void = () => undefined;

  constructor(private readonly viewport: HTMLElement, capacity: number, options: ListOptions) {
    this.store = new LineStore<ViewLine>(capacity);
    this.options = options;
    this.spacer = el('div', { class: 'spacer' });
    this.rows = el('div', { class: 'rows', role: 'log', 'aria-live': 'off' });
    viewport.append(this.spacer, this.rows);
    viewport.addEventListener('scroll', () => {
      const stuck = viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - ROW_HEIGHT;
      if (stuck !== this.stickToBottom) {
        this.stickToBottom = stuck;
        this.onScrollStateChange(stuck);
      }
      this.queueRender();
    }, { passive: true });
    new ResizeObserver(() => this.queueRender()).observe(viewport);
  }

  get following(): boolean {
    return this.stickToBottom;
  }

  setOptions(options: ListOptions): void {
    this.options = options;
    this.queueRender();
  }

  scrollToBottom(): void {
    this.stickToBottom = true;
    this.onScrollStateChange(true);
    this.viewport.scrollTop = this.viewport.scrollHeight;
    this.queueRender();
  }

  clearAll(): void {
    this.store.clear();
    this.filtered = this.filter.pattern ? [] : undefined;
    this.filteredHead = 0;
    this.matches = [];
    this.matchesHead = 0;
    this.currentMatch = -1;
    this.queueRender();
  }

  append(lines: readonly WireLine[]): void {
    const rowsBefore = this.rowCount();
    const oldestBefore = this.store.oldestSequence;
    for (const line of lines) {
      const plain = stripAnsi(line.x);
      const sequence = this.store.push({ text: line.x, plain, source: line.s, timestamp: line.t });
      const passesFilter = !this.filtered || lineMatches(this.filter, plain);
      if (this.filtered && passesFilter) this.filtered.push(sequence);
      if (this.search.pattern && passesFilter && lineMatches(this.search, plain)) this.matches.push(sequence);
    }
    const dropped = this.store.oldestSequence - oldestBefore;
    if (dropped > 0) this.trimDropped();
    if (!this.stickToBottom && dropped > 0 && !this.filtered) {
      // Keep the lines the user is reading in place while old ones fall off the top.
      this.viewport.scrollTop = Math.max(0, this.viewport.scrollTop - dropped * ROW_HEIGHT);
    }
    if (this.rowCount() !== rowsBefore || dropped > 0) this.queueRender();
  }

  private trimDropped(): void {
    const oldest = this.store.oldestSequence;
    if (this.filtered) {
      while (this.filteredHead < this.filtered.length && this.filtered[this.filteredHead] < oldest) this.filteredHead++;
      if (this.filteredHead > 65536) {
        this.filtered = this.filtered.slice(this.filteredHead);
        this.filteredHead = 0;
      }
    }
    let droppedMatches = 0;
    while (this.matchesHead < this.matches.length && this.matches[this.matchesHead] < oldest) {
      this.matchesHead++;
      droppedMatches++;
    }
    if (this.currentMatch >= 0) this.currentMatch = Math.max(-1, this.currentMatch - droppedMatches);
    if (this.matchesHead > 65536) {
      this.matches = this.matches.slice(this.matchesHead);
      this.matchesHead = 0;
    }
  }

  /** Shows only lines matching the query; returns the regex error, if any. */
  setFilter(text: string, regex: boolean, caseSensitive: boolean): string | undefined {
    this.filter = compileQuery({ text, regex, caseSensitive });
    if (this.filter.pattern) {
      this.filtered = this.store.search(this.filter);
      this.filteredHead = 0;
    } else {
      this.filtered = undefined;
    }
    this.refreshMatches();
    if (this.stickToBottom) this.scrollToBottom();
    this.queueRender();
    return this.filter.error;
  }

  /** Highlights matches; returns the error (bad regex) and the number of matches. */
  setSearch(text: string, regex: boolean, caseSensitive: boolean): { error?: string; count: number; elapsedMs: number } {
    const started = performance.now();
    this.search = compileQuery({ text, regex, caseSensitive });
    this.refreshMatches();
    this.queueRender();
    return { error: this.search.error, count: this.matchCount(), elapsedMs: performance.now() - started };
  }

  private refreshMatches(): void {
    const found = this.search.pattern ? this.store.search(this.search) : [];
    this.matches = this.filter.pattern ? found.filter((sequence) => lineMatches(this.filter, this.store.get(sequence)?.plain ?? '')) : found;
    this.matchesHead = 0;
    this.currentMatch = -1;
  }

  matchCount(): number {
    return this.matches.length - this.matchesHead;
  }

  currentMatchIndex(): number {
    return this.currentMatch;
  }

  /** Moves to the next/previous match, scrolls it into view; returns its index or -1. */
  gotoMatch(direction: 1 | -1): number {
    const count = this.matchCount();
    if (count === 0) return -1;
    this.currentMatch = this.currentMatch < 0 ? (direction === 1 ? 0 : count - 1) : (this.currentMatch + direction + count) % count;
    const sequence = this.matches[this.matchesHead + this.currentMatch];
    const row = this.rowOf(sequence);
    if (row >= 0) {
      this.stickToBottom = false;
      this.onScrollStateChange(false);
      this.viewport.scrollTop = Math.max(0, row * ROW_HEIGHT - this.viewport.clientHeight / 2);
    }
    this.queueRender();
    return this.currentMatch;
  }

  private rowCount(): number {
    return this.filtered ? this.filtered.length - this.filteredHead : this.store.size;
  }

  private sequenceAt(row: number): number {
    return this.filtered ? this.filtered[this.filteredHead + row] : this.store.oldestSequence + row;
  }

  private rowOf(sequence: number): number {
    if (!this.filtered) return sequence - this.store.oldestSequence;
    let low = this.filteredHead;
    let high = this.filtered.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const value = this.filtered[middle];
      if (value === sequence) return middle - this.filteredHead;
      if (value < sequence) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  /** Renders the rows in view. Returns how many rows exist in the DOM. */
  render(): number {
    const count = this.rowCount();
    this.spacer.style.height = `${count * ROW_HEIGHT}px`;
    if (this.stickToBottom) this.viewport.scrollTop = this.viewport.scrollHeight;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(count, Math.ceil((this.viewport.scrollTop + this.viewport.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    this.rows.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    clear(this.rows);
    const currentSequence = this.currentMatch >= 0 ? this.matches[this.matchesHead + this.currentMatch] : -1;
    const fragment = document.createDocumentFragment();
    for (let row = first; row < last; row++) {
      const sequence = this.sequenceAt(row);
      const line = this.store.get(sequence);
      if (!line) continue;
      const element = el('div', { class: 'row' });
      if (this.options.showSources) {
        const badge = el('span', { class: 'source', title: this.options.sourceLabel(line.source) }, this.options.sourceLabel(line.source));
        badge.style.color = this.options.sourceColour(line.source);
        element.append(badge);
      }
      if (this.options.showTimestamps) element.append(el('span', { class: 'timestamp' }, line.timestamp));
      const text = el('span', { class: 'text' });
      renderText(text, line.text, this.search.pattern ? matchRanges(this.search, line.plain) : [], sequence === currentSequence);
      element.append(text);
      fragment.append(element);
    }
    this.rows.append(fragment);
    return last - first;
  }
}
