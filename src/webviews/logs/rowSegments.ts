/**
 * What one log row shows, as a flat list of text segments with their CSS classes and literal
 * colours: ANSI styles and search highlights merged. Pure, so the virtual list can compare a
 * row's new segments with the nodes it already has and touch only what differs.
 */
import { parseAnsi, type AnsiStyle } from '../../cluster/logs/ansi';
import type { MatchRange } from './filter';

export interface RowSegment {
  readonly text: string;
  /** Space-separated classes ('' for unstyled text, which the list renders as a bare text node). */
  readonly className: string;
  /** Literal colours for 256-colour and truecolour codes (the 16 base colours are classes). */
  readonly colour?: string;
  readonly background?: string;
}

/** The segments of a line (raw text, may hold ANSI) with `highlights` marked as matches. */
export function rowSegments(
  text: string,
  highlights: readonly MatchRange[],
  currentHighlight: boolean,
): RowSegment[] {
  const segments: RowSegment[] = [];
  const matchClass = currentHighlight ? 'match-current' : 'match';
  let offset = 0;
  for (const run of parseAnsi(text).runs) {
    const end = offset + run.text.length;
    let cursor = offset;
    for (const range of highlights) {
      if (range.end <= cursor || range.start >= end) continue;
      if (range.start > cursor)
        segments.push(
          styledSegment(run.text.slice(cursor - offset, range.start - offset), run.style),
        );
      segments.push(
        styledSegment(
          run.text.slice(Math.max(range.start, cursor) - offset, Math.min(range.end, end) - offset),
          run.style,
          matchClass,
        ),
      );
      cursor = Math.min(range.end, end);
    }
    if (cursor < end) segments.push(styledSegment(run.text.slice(cursor - offset), run.style));
    offset = end;
  }
  return segments;
}

function styledSegment(text: string, style: AnsiStyle, extraClass?: string): RowSegment {
  const classes: string[] = [];
  const fg = style.inverse ? style.bg : style.fg;
  const bg = style.inverse ? style.fg : style.bg;
  let colour: string | undefined;
  let background: string | undefined;
  // 16 base colours follow the theme's terminal palette; 256-colour and truecolour are literal.
  if (typeof fg === 'number' && fg < 16) classes.push(`ansi-fg-${fg}`);
  else if (fg !== undefined) colour = typeof fg === 'number' ? xterm256(fg) : fg;
  if (typeof bg === 'number' && bg < 16) classes.push(`ansi-bg-${bg}`);
  else if (bg !== undefined) background = typeof bg === 'number' ? xterm256(bg) : bg;
  if (style.bold) classes.push('ansi-bold');
  if (style.dim) classes.push('ansi-dim');
  if (style.italic) classes.push('ansi-italic');
  if (style.underline) classes.push('ansi-underline');
  if (extraClass) classes.push(extraClass);
  const segment: { -readonly [K in keyof RowSegment]: RowSegment[K] } = {
    text,
    className: classes.join(' '),
  };
  if (colour !== undefined) segment.colour = colour;
  if (background !== undefined) segment.background = background;
  return segment;
}

/** The xterm 256-colour palette above the 16 base colours: a 6x6x6 cube, then 24 greys. */
export function xterm256(index: number): string {
  if (index >= 232) {
    const level = 8 + (index - 232) * 10;
    return `rgb(${level},${level},${level})`;
  }
  const cube = index - 16;
  const step = (value: number) => (value === 0 ? 0 : 55 + value * 40);
  return `rgb(${step(Math.floor(cube / 36))},${step(Math.floor(cube / 6) % 6)},${step(cube % 6)})`;
}
