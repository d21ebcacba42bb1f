/**
 * Progress bars (tqdm, Lightning) redraw themselves with '\r'. Kubernetes stores everything up
 * to '\n' as one log line, so a single line may hold thousands of redraws. What a terminal would
 * show is the text after the last '\r' (overwriting the start of earlier text); we keep that and
 * drop the rest, so a progress bar costs one line instead of flooding the view.
 */
export function resolveCarriageReturns(line: string): string {
  if (line.indexOf('\r') < 0) return line;
  // A trailing '\r' (CRLF endings) overwrites nothing.
  const trimmed = line.replace(/\r+$/, '');
  const segments = trimmed.split('\r');
  let screen = '';
  for (const segment of segments) {
    // A shorter redraw overwrites only the start of the previous one, like a terminal.
    screen = segment.length >= screen.length ? segment : segment + screen.slice(segment.length);
  }
  return screen;
}

/** Every redraw of a '\r' line, oldest first (the metrics parser wants each progress update). */
export function carriageReturnSegments(line: string): string[] {
  return line.indexOf('\r') < 0 ? [line] : line.split('\r').filter((segment) => segment.length > 0);
}
