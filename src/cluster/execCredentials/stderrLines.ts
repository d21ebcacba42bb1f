import { displayText } from './displayText';

/** Longest line passed on; the rest of a longer line is dropped (a prompt is never that long). */
export const MAX_LINE_CHARS = 2000;
/** Lines kept for an error message (the tail of what the plugin said). */
export const KEPT_LINES = 40;

/**
 * Splits a plugin's stderr into display-safe lines as the chunks arrive, so a prompt reaches the
 * user while the plugin waits. Memory is bounded: one partial line and the last KEPT_LINES lines.
 */
export class StderrLines {
  private partial = '';
  private partialTruncated = false;
  private readonly kept: string[] = [];

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    let start = 0;
    for (
      let newline = chunk.indexOf('\n', start);
      newline >= 0;
      newline = chunk.indexOf('\n', start)
    ) {
      this.append(chunk.slice(start, newline));
      this.finishLine();
      start = newline + 1;
    }
    this.append(chunk.slice(start));
  }

  /** The plugin closed stderr: a last line without a newline still counts. */
  end(): void {
    if (this.partial.length > 0 || this.partialTruncated) {
      this.finishLine();
    }
  }

  /** The last lines, oldest first. */
  tail(): readonly string[] {
    return this.kept;
  }

  private append(text: string): void {
    const room = MAX_LINE_CHARS - this.partial.length;
    if (text.length > room) {
      this.partialTruncated = true;
    }
    this.partial += text.slice(0, Math.max(0, room));
  }

  private finishLine(): void {
    // A carriage return redraws the line (spinners, progress): what stays visible is its last part.
    let end = this.partial.length;
    while (end > 0 && this.partial[end - 1] === '\r') end--;
    const drawn = this.partial.slice(0, end);
    const line = displayText(drawn.slice(drawn.lastIndexOf('\r') + 1)).trimEnd();
    const shown = this.partialTruncated ? `${line}…` : line;
    this.partial = '';
    this.partialTruncated = false;
    if (shown.length === 0) {
      return;
    }
    this.kept.push(shown);
    if (this.kept.length > KEPT_LINES) {
      this.kept.shift();
    }
    this.onLine(shown);
  }
}
