/**
 * One recycled row element of the log list. Rewriting it touches only what differs from what it
 * shows: a segment with the same style keeps its node and gets new text (no style recalculation),
 * unstyled text is a bare text node, and the pod badge and timestamp change only when they differ.
 */
import type { RowSegment } from './rowSegments';

export interface RowLayout {
  readonly showSources: boolean;
  readonly showTimestamps: boolean;
}

export interface RowContent {
  readonly sourceLabel: string;
  /** A CSS colour (may be a var() of a theme colour). */
  readonly sourceColour: string;
  readonly timestamp: string;
  readonly segments: readonly RowSegment[];
}

/** Identifies a segment's node kind and style; '' is a bare text node. */
function styleKey(segment: RowSegment): string {
  return segment.colour === undefined && segment.background === undefined
    ? segment.className
    : `${segment.className}|${segment.colour ?? ''}|${segment.background ?? ''}`;
}

function segmentNode(segment: RowSegment): Node {
  const text = document.createTextNode(segment.text);
  if (styleKey(segment) === '') return text;
  const span = document.createElement('span');
  span.className = segment.className;
  if (segment.colour !== undefined) span.style.color = segment.colour;
  if (segment.background !== undefined) span.style.backgroundColor = segment.background;
  span.append(text);
  return span;
}

/** The text node of a segment's node (itself, or the span's only child). */
function textOf(node: Node): Text {
  return (node.nodeType === Node.TEXT_NODE ? node : node.firstChild) as Text;
}

export class RowView {
  readonly element = document.createElement('div');
  /** Sequence number of the line shown, -1 when none. */
  sequence = -1;
  /** The list's content version (search, options, current match) this row was written with. */
  version = -1;
  private layout: RowLayout | undefined;
  private source: HTMLElement | undefined;
  private sourceColour = '';
  private timestamp: HTMLElement | undefined;
  private text: HTMLElement = document.createElement('span');
  /** styleKey of each child node of `text`, in order. */
  private keys: string[] = [];

  constructor() {
    this.element.className = 'row';
  }

  write(layout: RowLayout, content: RowContent): void {
    if (
      this.layout?.showSources !== layout.showSources ||
      this.layout?.showTimestamps !== layout.showTimestamps
    )
      this.build(layout);
    if (this.source) {
      if (this.source.textContent !== content.sourceLabel) {
        this.source.textContent = content.sourceLabel;
        this.source.title = content.sourceLabel;
      }
      if (this.sourceColour !== content.sourceColour) {
        this.sourceColour = content.sourceColour;
        this.source.style.color = content.sourceColour;
      }
    }
    if (this.timestamp && this.timestamp.textContent !== content.timestamp)
      this.timestamp.textContent = content.timestamp;
    this.writeSegments(content.segments);
  }

  private build(layout: RowLayout): void {
    this.layout = layout;
    this.source = layout.showSources ? document.createElement('span') : undefined;
    if (this.source) this.source.className = 'source';
    this.sourceColour = '';
    this.timestamp = layout.showTimestamps ? document.createElement('span') : undefined;
    if (this.timestamp) this.timestamp.className = 'timestamp';
    this.text = document.createElement('span');
    this.text.className = 'text';
    this.keys = [];
    this.element.replaceChildren(
      ...[this.source, this.timestamp, this.text].filter(
        (node): node is HTMLElement => node !== undefined,
      ),
    );
  }

  private writeSegments(segments: readonly RowSegment[]): void {
    let node = this.text.firstChild;
    let index = 0;
    for (const segment of segments) {
      const key = styleKey(segment);
      if (node && this.keys[index] === key) {
        const text = textOf(node);
        if (text.data !== segment.text) text.data = segment.text;
        node = node.nextSibling;
      } else {
        const fresh = segmentNode(segment);
        if (node) {
          this.text.replaceChild(fresh, node);
          node = fresh.nextSibling;
        } else {
          this.text.append(fresh);
        }
        this.keys[index] = key;
      }
      index++;
    }
    while (node) {
      const next = node.nextSibling;
      node.remove();
      node = next;
    }
    this.keys.length = index;
  }
}
