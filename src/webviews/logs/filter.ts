/**
 * Filtering and search over log lines: plain text (case-insensitive unless asked) or a regular
 * expression. A bad regex is reported, not thrown, so the view can say what is wrong.
 */
export interface TextQuery {
  readonly text: string;
  readonly regex: boolean;
  readonly caseSensitive: boolean;
}

export interface CompiledQuery {
  /** undefined when the query is empty (everything matches). */
  readonly pattern?: RegExp;
  /** Set when the regex does not compile. */
  readonly error?: string;
}

export interface MatchRange {
  readonly start: number;
  readonly end: number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compileQuery(query: TextQuery): CompiledQuery {
  if (query.text === '') return {};
  const flags = query.caseSensitive ? 'g' : 'gi';
  if (!query.regex) return { pattern: new RegExp(escapeRegExp(query.text), flags) };
  try {
    return { pattern: new RegExp(query.text, flags) };
  } catch (error) {
    return { error: `Invalid regular expression: ${(error as Error).message}` };
  }
}

export function lineMatches(compiled: CompiledQuery, line: string): boolean {
  if (!compiled.pattern) return compiled.error === undefined;
  compiled.pattern.lastIndex = 0;
  return compiled.pattern.test(line);
}

/** Every non-empty match in the line (for highlighting), at most `limit` of them. */
export function matchRanges(compiled: CompiledQuery, line: string, limit = 200): MatchRange[] {
  const pattern = compiled.pattern;
  if (!pattern) return [];
  const ranges: MatchRange[] = [];
  pattern.lastIndex = 0;
  for (let match = pattern.exec(line); match && ranges.length < limit; match = pattern.exec(line)) {
    if (match[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    ranges.push({ start: match.index, end: match.index + match[0].length });
  }
  return ranges;
}

/** Indexes (into `lines`) of the lines that match, in order. */
export function findMatchingLines(
  compiled: CompiledQuery,
  lines: ArrayLike<string>,
  from = 0,
): number[] {
  const result: number[] = [];
  if (!compiled.pattern) return result;
  for (let index = from; index < lines.length; index++) {
    if (lineMatches(compiled, lines[index])) result.push(index);
  }
  return result;
}

/** Which match to go to next from `current` (wraps around); -1 when there are none. */
export function nextMatch(count: number, current: number, direction: 1 | -1): number {
  if (count === 0) return -1;
  if (current < 0) return direction === 1 ? 0 : count - 1;
  return (current + direction + count) % count;
}
