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

/**
 * The last `max` redraws of a '\r' line, oldest first (the metrics parser wants each progress
 * update), found from the end so a line of a million redraws costs only the ones returned.
 */
export function lastCarriageReturnSegments(line: string, max: number): string[] {
  if (line.indexOf('\r') < 0) return [line];
  const segments: string[] = [];
  let end = line.length;
  while (segments.length < max && end > 0) {
    const start = line.lastIndexOf('\r', end - 1) + 1;
    if (end > start) segments.push(line.slice(start, end));
    end = start - 1;
  }
  return segments.reverse();
}
