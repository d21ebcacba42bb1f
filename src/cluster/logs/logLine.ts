/**
 * One line of a pod log as the API server sends it with `timestamps=true`:
 * `2026-11-29T18:22:15.123456789Z text`. The timestamp is what makes resuming exact.
 */
export interface TimestampedLine {
  /** RFC 3339 with nanoseconds, exactly as the server wrote it ('' when the line had none). */
  readonly timestamp: string;
  readonly text: string;
}

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) ?/;

export function parseTimestampedLine(raw: string): TimestampedLine {
  // Fast path for what the kubelet writes (UTC, nanoseconds): no regex on the hot path.
  const space = raw.indexOf(' ');
  if (
    space >= 20 &&
    raw.charCodeAt(space - 1) === 90 /* Z */ &&
    raw.charCodeAt(4) === 45 &&
    raw.charCodeAt(10) === 84 /* T */ &&
    raw.charCodeAt(13) === 58
  ) {
    return { timestamp: raw.slice(0, space), text: raw.slice(space + 1) };
  }
  const match = TIMESTAMP.exec(raw);
  return match
    ? { timestamp: match[1], text: raw.slice(match[0].length) }
    : { timestamp: '', text: raw };
}

/**
 * Orders RFC 3339 timestamps to the nanosecond. Plain string comparison fails when fractions
 * have different lengths ("…:15Z" vs "…:15.5Z"), so compare seconds, then padded fractions.
 */
export function compareTimestamps(left: string, right: string): number {
  // Same-length UTC stamps (the kubelet always writes 9 fraction digits) order as strings.
  if (left.length === right.length && left.endsWith('Z') && right.endsWith('Z'))
    return left === right ? 0 : left < right ? -1 : 1;
  const [leftSeconds, leftFraction] = splitTimestamp(left);
  const [rightSeconds, rightFraction] = splitTimestamp(right);
  if (leftSeconds !== rightSeconds) return leftSeconds < rightSeconds ? -1 : 1;
  return leftFraction === rightFraction ? 0 : leftFraction < rightFraction ? -1 : 1;
}

function splitTimestamp(timestamp: string): [number, string] {
  const match = /^(.*?:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(timestamp);
  if (!match) return [Number.NaN, ''];
  const seconds = Date.parse(`${match[1]}${match[3]}`) / 1000;
  return [seconds, (match[2] ?? '').padEnd(9, '0')];
}

/** The whole second a timestamp falls in, as RFC 3339 (what sinceTime is compared against). */
export function floorToSecond(timestamp: string): string {
  if (
    timestamp.length >= 20 &&
    timestamp.endsWith('Z') &&
    (timestamp.charCodeAt(19) === 46 /* . */ || timestamp.length === 20)
  )
    return `${timestamp.slice(0, 19)}Z`;
  const millis = Date.parse(timestamp);
  if (Number.isNaN(millis)) return timestamp;
  return new Date(Math.floor(millis / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Longest line kept whole. Longer ones (tqdm lines of thousands of redraws, payload dumps) are
 * cut into pieces of at most this many characters, so no line costs the host or the view more
 * than a bounded amount; nothing is dropped.
 */
export const MAX_LINE_CHARS = 64 * 1024;
/** Starts each further piece of a cut line, after the line's own timestamp. */
export const CUT_LINE_MARK = '[continued] ';

/**
 * Splits a chunked byte stream into lines; holds an incomplete last line until its '\n' comes.
 * Each chunk is scanned once, whatever the length of the pending line. A line longer than
 * `maxLineChars` is cut (after its last '\r' in the second half, so progress redraws stay
 * whole) and each further piece carries the line's timestamp and CUT_LINE_MARK: the cut points
 * depend only on the line, so a resumed stream cuts a resent line the same way.
 */
export class LineSplitter {
  private pending: string[] = [];
  /** Characters in `pending` plus `prefix`. */
  private pendingChars = 0;
  /** Timestamp and mark that begin the next piece of a cut line ('' at a line's start). */
  private prefix = '';

  constructor(private readonly maxLineChars = MAX_LINE_CHARS) {}

  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline >= 0; newline = chunk.indexOf('\n', start)) {
      this.append(chunk.slice(start, newline), lines);
      const line = this.takePending();
      if (line !== undefined) lines.push(line);
      start = newline + 1;
    }
    this.append(chunk.slice(start), lines);
    return lines;
  }

  /** The unterminated rest, when the stream ended mid-line. */
  flush(): string | undefined {
    const rest = this.takePending();
    return rest === '' ? undefined : rest;
  }

  /** The pending line; undefined when it is only the mark of a piece that never came. */
  private takePending(): string | undefined {
    const text = this.pending.join('');
    const line = this.prefix !== '' && text === '' ? undefined : this.prefix + text;
    this.pending = [];
    this.pendingChars = 0;
    this.prefix = '';
    return line;
  }

  private append(text: string, lines: string[]): void {
    let offset = 0;
    while (this.pendingChars + (text.length - offset) > this.maxLineChars) {
      const taken = this.maxLineChars - this.pendingChars;
      const full = this.prefix + this.pending.join('') + text.slice(offset, offset + taken);
      offset += taken;
      const lastReturn = full.lastIndexOf('\r');
      const cut = lastReturn >= this.maxLineChars / 2 ? lastReturn + 1 : full.length;
      const head = full.slice(0, cut);
      lines.push(head);
      const timestamp = parseTimestampedLine(head).timestamp;
      this.prefix = `${timestamp ? `${timestamp} ` : ''}${CUT_LINE_MARK}`;
      const leftover = full.slice(cut);
      this.pending = leftover ? [leftover] : [];
      this.pendingChars = this.prefix.length + leftover.length;
    }
    if (offset < text.length) {
      this.pending.push(offset === 0 ? text : text.slice(offset));
      this.pendingChars += text.length - offset;
    }
  }
}
