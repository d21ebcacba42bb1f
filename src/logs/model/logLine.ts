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
  if (space >= 20 && raw.charCodeAt(space - 1) === 90 /* Z */ && raw.charCodeAt(4) === 45 && raw.charCodeAt(10) === 84 /* T */ && raw.charCodeAt(13) === 58) {
    return { timestamp: raw.slice(0, space), text: raw.slice(space + 1) };
  }
  const match = TIMESTAMP.exec(raw);
  return match ? { timestamp: match[1], text: raw.slice(match[0].length) } : { timestamp: '', text: raw };
}

/**
 * Orders RFC 3339 timestamps to the nanosecond. Plain string comparison fails when fractions
 * have different lengths ("…:15Z" vs "…:15.5Z"), so compare seconds, then padded fractions.
 */
export function compareTimestamps(left: string, right: string): number {
  // Same-length UTC stamps (the kubelet always writes 9 fraction digits) order as strings.
  if (left.length === right.length && left.endsWith('Z') && right.endsWith('Z')) return left === right ? 0 : left < right ? -1 : 1;
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
  if (timestamp.length >= 20 && timestamp.endsWith('Z') && (timestamp.charCodeAt(19) === 46 /* . */ || timestamp.length === 20)) return `${timestamp.slice(0, 19)}Z`;
  const millis = Date.parse(timestamp);
  if (Number.isNaN(millis)) return timestamp;
  return new Date(Math.floor(millis / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Splits a chunked byte stream into lines; holds an incomplete last line until its '\n' comes.
 */
export class LineSplitter {
  private pending = '';

  push(chunk: string): string[] {
    const text = this.pending + chunk;
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    return lines;
  }

  /** The unterminated rest, when the stream ended mid-line. */
  flush(): string | undefined {
    const rest = this.pending;
    this.pending = '';
    return rest.length > 0 ? rest : undefined;
  }
}
