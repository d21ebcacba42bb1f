/**
 * Search and Go to File for kubeml:// workspaces. VS Code's Search view needs proposed APIs
 * (TextSearchProvider/FileSearchProvider) for a custom scheme, so we run grep and find in the
 * container instead. This module builds their argv (every user value is its own argv entry,
 * after "--") and parses their output; it never touches the cluster.
 */

export interface SearchQuery {
  readonly pattern: string;
  /** Extended regular expression (grep -E) instead of literal text (grep -F). */
  readonly isRegex: boolean;
  readonly caseSensitive: boolean;
}

export interface SearchLimits {
  /** Matches kept per file (grep -m). */
  readonly perFile: number;
  /** Matches kept overall; the container stops grep once this many lines came out. */
  readonly total: number;
}

export const DEFAULT_SEARCH_LIMITS: SearchLimits = { perFile: 20, total: 1000 };
export const DEFAULT_FILE_LIMIT = 5000;

/** Folders nobody wants in results, and that are the slowest to walk. */
export const EXCLUDED_FOLDERS = [
  '.git',
  'node_modules',
  '__pycache__',
  '.venv',
  '.mypy_cache',
] as const;

export interface SearchMatch {
  /** Absolute path in the container. */
  readonly path: string;
  /** Path relative to the searched folder, for display. */
  readonly relativePath: string;
  /** 1-based line number. */
  readonly line: number;
  readonly text: string;
}

export interface SearchResult {
  readonly matches: SearchMatch[];
  /** True when a limit cut the results short. */
  readonly truncated: boolean;
}

/**
 * Wraps a command in a fixed sh script: "$1" is the record limit, the rest is the command's argv.
 * head stops the command once the limit is reached; the command's own exit code goes to stderr
 * so a grep error (a bad regex) is not hidden by the pipe. grep records end in a newline, find's
 * (-printf '%P\0') in a NUL.
 */
export function limitedRunArguments(
  limit: number,
  argv: readonly string[],
  recordSeparator: 'newline' | 'nul',
): string[] {
  const head = recordSeparator === 'nul' ? 'head -z -n "$limit"' : 'head -n "$limit"';
  const script = `limit=$1; shift\n{ "$@"; echo "kubeml-exit:$?" >&2; } | ${head}`;
  return ['sh', '-c', script, `kubeml-${argv[0]}`, String(limit), ...argv];
}

/** The grep argv for `query` under `root` (an absolute, normalized container path). */
export function grepArguments(
  root: string,
  query: SearchQuery,
  limits: SearchLimits = DEFAULT_SEARCH_LIMITS,
): string[] {
  return [
    'grep',
    '-r', // recursive, without following symlinked folders (they may loop)
    '-n',
    '-I', // skip binary files
    '-H',
    '--null', // NUL after the file name: names may contain ':' or spaces
    '--color=never',
    '-m',
    String(limits.perFile),
    ...EXCLUDED_FOLDERS.map((folder) => `--exclude-dir=${folder}`),
    query.isRegex ? '-E' : '-F',
    ...(query.caseSensitive ? [] : ['-i']),
    '--',
    query.pattern,
    root,
  ];
}

/** The find argv listing regular files under `root`, NUL-terminated and relative to it. */
export function findArguments(root: string): string[] {
  const prune = EXCLUDED_FOLDERS.flatMap((folder, index) => [
    ...(index > 0 ? ['-o'] : []),
    '-name',
    folder,
  ]);
  return [
    'find',
    root,
    '-mindepth',
    '1',
    '(',
    '-type',
    'd',
    '(',
    ...prune,
    ')',
    ')',
    '-prune',
    '-o',
    '-type',
    'f',
    '-printf',
    '%P\\0',
  ];
}

function relativeTo(root: string, path: string): string {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/**
 * Parses `grep -rnH --null` output ("path\0line:text\n" per match). Walking record by record
 * keeps names that contain newlines or colons intact; a truncated last record is dropped.
 */
export function parseGrepOutput(output: string, root: string): SearchMatch[] {
  const matches: SearchMatch[] = [];
  let position = 0;
  while (position < output.length) {
    const nul = output.indexOf('\0', position);
    if (nul < 0) break;
    const colon = output.indexOf(':', nul + 1);
    const end = output.indexOf('\n', nul + 1);
    if (colon < 0 || end < 0 || colon > end) break;
    const path = output.slice(position, nul);
    const line = Number.parseInt(output.slice(nul + 1, colon), 10);
    if (Number.isInteger(line) && line > 0) {
      matches.push({
        path,
        relativePath: relativeTo(root, path),
        line,
        text: output.slice(colon + 1, end),
      });
    }
    position = end + 1;
  }
  return matches;
}

/** Parses `find -printf '%P\0'` output into relative paths, sorted for a stable pick list. */
export function parseFindOutput(output: string): string[] {
  return output
    .split('\0')
    .filter((path) => path.length > 0)
    .sort((a, b) => a.localeCompare(b));
}

export type LimitedRunOutcome =
  | { readonly kind: 'ok'; readonly truncated: boolean }
  | { readonly kind: 'failed'; readonly message: string };

/**
 * Reads how the limited run ended from its stderr. grep exits 0 (matches), 1 (none) or 2 (error:
 * bad regex, or an unreadable file next to real matches); find exits 1 on any error, such as a
 * missing folder or one unreadable subfolder. A code above 128 means head closed the pipe: the
 * limit was reached. Errors next to results still give the results.
 */
export function limitedRunOutcome(
  stderr: string,
  records: number,
  limit: number,
  command: 'grep' | 'find' = 'grep',
): LimitedRunOutcome {
  const exitLine = /kubeml-exit:(\d+)/.exec(stderr);
  const exitCode = exitLine ? Number.parseInt(exitLine[1], 10) : 141;
  const truncated = records >= limit || exitCode > 128;
  const problems = stderr
    .split('\n')
    .filter((line) => line.length > 0 && !line.startsWith('kubeml-exit:'))
    .join('\n');
  const nothingFound = command === 'grep' && exitCode === 1;
  if (exitCode === 0 || nothingFound || truncated || records > 0) return { kind: 'ok', truncated };
  return { kind: 'failed', message: problems || `exit code ${exitCode}` };
}

/** Where `query` matches in `text` (JavaScript's reading of the regex; grep -E agrees on common ones). */
export function matchRanges(text: string, query: SearchQuery): [number, number][] {
  if (query.pattern.length === 0) return [];
  const ranges: [number, number][] = [];
  if (!query.isRegex) {
    const haystack = query.caseSensitive ? text : text.toLowerCase();
    const needle = query.caseSensitive ? query.pattern : query.pattern.toLowerCase();
    if (haystack.length !== text.length) return [];
    for (
      let start = haystack.indexOf(needle);
      start >= 0;
      start = haystack.indexOf(needle, start + needle.length)
    ) {
      ranges.push([start, start + needle.length]);
    }
    return ranges;
  }
  let expression: RegExp;
  try {
    expression = new RegExp(query.pattern, query.caseSensitive ? 'g' : 'gi');
  } catch {
    return [];
  }
  for (const match of text.matchAll(expression)) {
    if (match[0].length === 0) continue;
    ranges.push([match.index, match.index + match[0].length]);
  }
  return ranges;
}

export interface LinePreview {
  readonly text: string;
  /** The match ranges within `text`. */
  readonly ranges: [number, number][];
}

/** A one-line preview: leading indentation dropped, long lines windowed around the first match. */
export function linePreview(
  text: string,
  ranges: readonly [number, number][],
  maxLength = 160,
): LinePreview {
  const indentation = text.length - text.trimStart().length;
  let start = indentation;
  const first = ranges[0];
  if (first && first[0] - start > maxLength / 3)
    start = Math.max(indentation, first[0] - Math.floor(maxLength / 3));
  const end = Math.min(text.length, start + maxLength);
  const prefix = start > indentation ? '…' : '';
  const suffix = end < text.length ? '…' : '';
  const shifted = ranges
    .filter(([from, to]) => from >= start && to <= end)
    .map(([from, to]): [number, number] => [
      from - start + prefix.length,
      to - start + prefix.length,
    ]);
  return { text: `${prefix}${text.slice(start, end)}${suffix}`, ranges: shifted };
}

/** Shows the matched parts of a preview as «match» (QuickPick labels take no highlight ranges in the stable API). */
export function markMatches(preview: LinePreview): string {
  let marked = '';
  let position = 0;
  for (const [from, to] of preview.ranges) {
    marked += `${preview.text.slice(position, from)}«${preview.text.slice(from, to)}»`;
    position = to;
  }
  return marked + preview.text.slice(position);
}
