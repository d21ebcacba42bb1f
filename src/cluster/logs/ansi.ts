/**
 * ANSI SGR (colour/bold) parsing for log lines. Containers print colour codes (rich, loguru,
 * Lightning); we turn them into styled runs and drop every other escape sequence (cursor moves,
 * erase line) because a log view cannot honour them.
 */

export interface AnsiStyle {
  /** 0-255 palette index or a '#rrggbb' colour. */
  readonly fg?: number | string;
  readonly bg?: number | string;
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly italic?: boolean;
  readonly underline?: boolean;
  readonly inverse?: boolean;
}

export interface StyledRun {
  readonly text: string;
  readonly style: AnsiStyle;
}

// CSI sequences (ESC [ ... final byte), OSC sequences (ESC ] ... BEL/ST) and two-byte escapes.
// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b\[([0-9;?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** The text without any escape sequence. */
export function stripAnsi(text: string): string {
  return text.indexOf('\x1b') < 0 ? text : text.replace(ESCAPE, '');
}

function hex(red: number, green: number, blue: number): string {
  return `#${[red, green, blue].map((value) => Math.max(0, Math.min(255, value)).toString(16).padStart(2, '0')).join('')}`;
}

/** Applies one SGR parameter list to a style; unknown codes are ignored rather than rejected. */
export function applySgr(style: AnsiStyle, parameters: string): AnsiStyle {
  const codes =
    parameters === '' ? [0] : parameters.split(';').map((part) => (part === '' ? 0 : Number(part)));
  let next: { -readonly [K in keyof AnsiStyle]: AnsiStyle[K] } = { ...style };
  for (let index = 0; index < codes.length; index++) {
    const code = codes[index];
    if (!Number.isFinite(code)) continue;
    if (code === 0) next = {};
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 22) {
      next.bold = undefined;
      next.dim = undefined;
    } else if (code === 23) next.italic = undefined;
    else if (code === 24) next.underline = undefined;
    else if (code === 27) next.inverse = undefined;
    else if (code >= 30 && code <= 37) next.fg = code - 30;
    else if (code === 39) next.fg = undefined;
    else if (code >= 40 && code <= 47) next.bg = code - 40;
    else if (code === 49) next.bg = undefined;
    else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
    else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
    else if (code === 38 || code === 48) {
      const mode = codes[index + 1];
      let colour: number | string | undefined;
      if (mode === 5 && index + 2 < codes.length) {
        colour = codes[index + 2];
        index += 2;
      } else if (mode === 2 && index + 4 < codes.length) {
        colour = hex(codes[index + 2], codes[index + 3], codes[index + 4]);
        index += 4;
      } else {
        break;
      }
      if (code === 38) next.fg = colour;
      else next.bg = colour;
    }
  }
  for (const key of Object.keys(next) as (keyof AnsiStyle)[]) {
    if (next[key] === undefined) delete next[key];
  }
  return next;
}

/**
 * Splits a line into styled runs. `initial` is the style in force at the start of the line
 * (colours may span lines); the style at the end is returned so the caller can carry it over.
 */
export function parseAnsi(
  line: string,
  initial: AnsiStyle = {},
): { runs: StyledRun[]; endStyle: AnsiStyle } {
  if (line.indexOf('\x1b') < 0) {
    return { runs: line ? [{ text: line, style: initial }] : [], endStyle: initial };
  }
  const runs: StyledRun[] = [];
  let style = initial;
  let last = 0;
  ESCAPE.lastIndex = 0;
  for (let match = ESCAPE.exec(line); match; match = ESCAPE.exec(line)) {
    if (match.index > last) runs.push({ text: line.slice(last, match.index), style });
    if (match[2] === 'm') style = applySgr(style, match[1]);
    last = ESCAPE.lastIndex;
  }
  if (last < line.length) runs.push({ text: line.slice(last), style });
  return { runs, endStyle: style };
}
