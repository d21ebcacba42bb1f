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
import { compileQuery, lineMatches, matchRanges, type CompiledQuery } from './filter';
import { LineStore, type StoredLine } from './lineStore';
import { stripAnsi } from '../../cluster/logs/ansi';
import { planRows } from './rowRecycling';
import { rowSegments } from './rowSegments';
import { el } from '../common/dom';
import { RowView } from './rowView';
import type { WireLine } from './protocol';

export const ROW_HEIGHT = 18;
/**
 * Rows drawn beyond each edge of the view, so a scroll the compositor performs before the next
 * render does not show an empty strip. Each one is drawn on every full repaint, so keep it small.
 */
const OVERSCAN = 8;

export interface ViewLine extends StoredLine {
  readonly source: number;
  readonly timestamp: string;
}

export interface ListOptions {
  readonly showTimestamps: boolean;
  readonly showSources: boolean;
  readonly sourceLabel: (source: number) => string;
  /** A CSS colour for the pod badge (a var() of a theme colour follows theme changes by itself). */
  readonly sourceColour: (source: number) => string;
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
  /** Bumped whenever every row must be rewritten (options, search, current match changed). */
  private contentVersion = 0;
  /** Row elements in DOM order. */
  private rowViews: RowView[] = [];
  /** The spacer's height (rows x ROW_HEIGHT) as last rendered, and the first row drawn. */
  private contentHeight = 0;
  private renderedFirst = -1;
  /** scrollTop as the last render left it: a different one means someone scrolled since. */
  private renderedScrollTop = 0;
  /** Rows dropped off the top since the last render, whose height the view must scroll back by. */
  private rowsDroppedAbove = 0;
  private scrolledAt = Number.NEGATIVE_INFINITY;
  private readonly onScroll = () => this.queueRender();
  private readonly resizeObserver = new ResizeObserver(() => this.queueRender());
  private disposed = false;
  onScrollStateChange: (stuck: boolean) => void = () => undefined;

  constructor(
    private readonly viewport: HTMLElement,
    capacity: number,
    options: ListOptions,
  ) {
    this.store = new LineStore<ViewLine>(capacity);
    this.options = options;
    this.spacer = el('div', { class: 'spacer' });
    this.rows = el('div', { class: 'rows', role: 'log', 'aria-live': 'off' });
    viewport.append(this.spacer, this.rows);
    // Whether a scroll left or reached the bottom is decided in render, which reads the position
    // anyway: reading it here, at the start of a frame, would force a layout of whatever the
    // messages since the last frame changed.
    viewport.addEventListener('scroll', this.onScroll, { passive: true });
    this.resizeObserver.observe(viewport);
  }

  /** Stops listening to the viewport, so a list that replaces this one owns its scrolling alone. */
  dispose(): void {
    this.disposed = true;
    this.viewport.removeEventListener('scroll', this.onScroll);
    this.resizeObserver.disconnect();
  }

  get following(): boolean {
    return this.stickToBottom;
  }

  /** Someone scrolled the list in the last `withinMs`: other work should wait for smoother frames. */
  scrolledWithin(withinMs: number): boolean {
    return performance.now() - this.scrolledAt < withinMs;
  }

  setOptions(options: ListOptions): void {
    this.options = options;
    this.contentVersion++;
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
    this.contentVersion++;
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
      if (this.search.pattern && passesFilter && lineMatches(this.search, plain))
        this.matches.push(sequence);
    }
    const dropped = this.store.oldestSequence - oldestBefore;
    // Render keeps the lines the user is reading in place while old ones fall off the top.
    if (dropped > 0) this.rowsDroppedAbove += this.trimDropped(dropped);
    if (this.rowCount() !== rowsBefore || dropped > 0) this.queueRender();
  }

  /** Forgets filter and search entries of dropped lines; returns how many rows left the list. */
  private trimDropped(droppedLines: number): number {
    const oldest = this.store.oldestSequence;
    let droppedRows = droppedLines;
    if (this.filtered) {
      const headBefore = this.filteredHead;
      while (this.filteredHead < this.filtered.length && this.filtered[this.filteredHead] < oldest)
        this.filteredHead++;
      droppedRows = this.filteredHead - headBefore;
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
    if (this.currentMatch >= 0)
      this.currentMatch = Math.max(-1, this.currentMatch - droppedMatches);
    if (this.matchesHead > 65536) {
      this.matches = this.matches.slice(this.matchesHead);
      this.matchesHead = 0;
    }
    return droppedRows;
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
  setSearch(
    text: string,
    regex: boolean,
    caseSensitive: boolean,
  ): { error?: string; count: number; elapsedMs: number } {
    const started = performance.now();
    this.search = compileQuery({ text, regex, caseSensitive });
    this.refreshMatches();
    this.queueRender();
    return {
      error: this.search.error,
      count: this.matchCount(),
      elapsedMs: performance.now() - started,
    };
  }

  private refreshMatches(): void {
    const found = this.search.pattern ? this.store.search(this.search) : [];
    this.matches = this.filter.pattern
      ? found.filter((sequence) => lineMatches(this.filter, this.store.get(sequence)?.plain ?? ''))
      : found;
    this.matchesHead = 0;
    this.currentMatch = -1;
    this.contentVersion++;
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
    this.currentMatch =
      this.currentMatch < 0
        ? direction === 1
          ? 0
          : count - 1
        : (this.currentMatch + direction + count) % count;
    this.contentVersion++;
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
    if (this.renderQueued || this.disposed) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      if (!this.disposed) this.render();
    });
  }

  /**
   * Renders the rows in view. Reads the scroll position and size first and writes after, so a
   * frame lays out once; rows still in view keep their elements, rows scrolled in reuse the
   * elements of rows scrolled out. Returns how many rows exist in the DOM.
   */
  render(): number {
    const count = this.rowCount();
    const scrollTop = this.viewport.scrollTop;
    const viewportHeight = this.viewport.clientHeight;
    if (scrollTop !== this.renderedScrollTop) {
      // Someone scrolled since the last render (the user, a script, the browser clamping after a
      // resize): follow new lines if and only if that left the view at the bottom.
      this.scrolledAt = performance.now();
      const stuck = scrollTop + viewportHeight >= this.contentHeight - ROW_HEIGHT;
      if (stuck !== this.stickToBottom) {
        this.stickToBottom = stuck;
        this.onScrollStateChange(stuck);
      }
    }
    const shift = this.rowsDroppedAbove * ROW_HEIGHT;
    this.rowsDroppedAbove = 0;
    const contentHeight = count * ROW_HEIGHT;
    const bottom = Math.max(0, contentHeight - viewportHeight);
    const top = this.stickToBottom ? bottom : Math.min(Math.max(0, scrollTop - shift), bottom);
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(count, Math.ceil((top + viewportHeight) / ROW_HEIGHT) + OVERSCAN);
    if (contentHeight !== this.contentHeight) {
      this.contentHeight = contentHeight;
      this.spacer.style.height = `${contentHeight}px`;
    }
    const sequences: number[] = [];
    const lines: ViewLine[] = [];
    for (let row = first; row < last; row++) {
      const sequence = this.sequenceAt(row);
      const line = this.store.get(sequence);
      if (!line) continue;
      sequences.push(sequence);
      lines.push(line);
    }
    this.placeRows(sequences, lines);
    if (first !== this.renderedFirst) {
      this.renderedFirst = first;
      this.rows.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    }
    if (Math.abs(scrollTop - top) >= 1) {
      this.viewport.scrollTop = top;
      // Read back as the browser clamped it (layout is clean right after the write).
      this.renderedScrollTop = this.viewport.scrollTop;
      // The list shrank under the view (a filter) and pulled it to the bottom: that follows too.
      if (!this.stickToBottom && top === bottom && top < scrollTop) {
        this.stickToBottom = true;
        this.onScrollStateChange(true);
      }
    } else {
      this.renderedScrollTop = scrollTop;
    }
    return sequences.length;
  }

  private placeRows(sequences: readonly number[], lines: readonly ViewLine[]): void {
    const plan = planRows(
      this.rowViews.map((view) => view.sequence),
      sequences,
    );
    this.rowViews.forEach((view, slot) => {
      if (!plan.staysInPlace[slot]) view.element.remove();
    });
    const currentSequence =
      this.currentMatch >= 0 ? this.matches[this.matchesHead + this.currentMatch] : -1;
    const layout = {
      showSources: this.options.showSources,
      showTimestamps: this.options.showTimestamps,
    };
    const views = plan.rows.map((assignment, index) => {
      const view = assignment.slot === undefined ? new RowView() : this.rowViews[assignment.slot];
      if (assignment.refill || view.version !== this.contentVersion) {
        const line = lines[index];
        view.sequence = sequences[index];
        view.version = this.contentVersion;
        view.write(layout, {
          sourceLabel: layout.showSources ? this.options.sourceLabel(line.source) : '',
          sourceColour: layout.showSources ? this.options.sourceColour(line.source) : '',
          timestamp: line.timestamp,
          segments: rowSegments(
            line.text,
            this.search.pattern ? matchRanges(this.search, line.plain) : [],
            view.sequence === currentSequence,
          ),
        });
      }
      return view;
    });
    // Elements that stayed are already in order; moved and new ones go in between.
    let cursor = this.rows.firstChild;
    for (const view of views) {
      if (view.element === cursor) cursor = cursor.nextSibling;
      else this.rows.insertBefore(view.element, cursor);
    }
    this.rowViews = views;
  }
}
