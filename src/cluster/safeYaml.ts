import * as yaml from 'js-yaml';

/**
 * Loading YAML that a repository ships (`.kubeml/*.yaml`) without trusting it. js-yaml keeps an
 * alias as a shared reference, so a few hundred bytes of nested aliases describe a document of
 * billions of nodes: harmless to load, ruinous to walk, stringify or report on. A recursive
 * alias even makes a cycle. Every document is therefore walked once here, under a budget, and
 * refused (never thrown) when it reuses a collection or exceeds a limit.
 */
export interface YamlLimits {
  /** Characters of input; larger files are refused before parsing. */
  readonly maxTextChars: number;
  /** Mappings, sequences and scalars, counted as they appear in the loaded document. */
  readonly maxNodes: number;
  readonly maxDepth: number;
  readonly maxKeysPerMapping: number;
  readonly maxStringChars: number;
  /** All strings (keys and values) together: aliased scalars count every time they appear. */
  readonly maxTotalStringChars: number;
}

/** Generous for a hand-written definition file, tiny for the extension host. */
export const DEFINITION_FILE_LIMITS: YamlLimits = {
  maxTextChars: 256 * 1024,
  maxNodes: 20_000,
  maxDepth: 32,
  maxKeysPerMapping: 500,
  maxStringChars: 16 * 1024,
  maxTotalStringChars: 512 * 1024,
};

export type SafeYamlResult =
  | { readonly document: unknown; readonly problem?: undefined }
  | { readonly document?: undefined; readonly problem: string; readonly line?: number };

function clip(text: string, maxChars: number): string {
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

/** A short rendering of any value for a message (never the whole value, however large). */
export function previewValue(value: unknown, maxChars = 60): string {
  if (typeof value === 'string') return JSON.stringify(clip(value, maxChars));
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  return clip(String(value), maxChars);
}

/** The document's first limit it breaks, walking each node at most once (so linear in the budget). */
function budgetProblem(document: unknown, limits: YamlLimits): string | undefined {
  const seen = new Set<object>();
  const stack: { value: unknown; depth: number }[] = [{ value: document, depth: 0 }];
  let nodes = 0;
  let totalChars = 0;
  const countString = (text: string): string | undefined => {
    if (text.length > limits.maxStringChars)
      return `a value of ${text.length} characters exceeds the limit of ${limits.maxStringChars}`;
    totalChars += text.length;
    return totalChars > limits.maxTotalStringChars
      ? `its text adds up to more than ${limits.maxTotalStringChars} characters (aliases repeat it)`
      : undefined;
  };
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (++nodes > limits.maxNodes) return `it holds more than ${limits.maxNodes} values`;
    if (typeof value === 'string') {
      const problem = countString(value);
      if (problem) return problem;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (seen.has(value))
      return 'it reuses a list or mapping through an alias (*name); write the values out instead';
    seen.add(value);
    if (depth >= limits.maxDepth) return `it nests deeper than ${limits.maxDepth} levels`;
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > limits.maxKeysPerMapping)
      return `a mapping has ${keys.length} keys, above the limit of ${limits.maxKeysPerMapping}`;
    for (const key of keys) {
      const problem = countString(key);
      if (problem) return problem;
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Parses with the core schema (no merge keys, timestamps or binary tags) and checks the
 * result against `limits`. Never throws: any failure, including the parser's own, is a problem.
 */
export function loadYamlSafely(
  text: string,
  limits: YamlLimits = DEFINITION_FILE_LIMITS,
): SafeYamlResult {
  if (text.length > limits.maxTextChars)
    return {
      problem: `the file has ${text.length} characters, above the limit of ${limits.maxTextChars}`,
    };
  let document: unknown;
  try {
    document = yaml.load(text, { schema: yaml.CORE_SCHEMA });
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark;
    const reason =
      (error as { reason?: string }).reason ??
      (error instanceof Error ? error.message : String(error));
    return {
      problem: `it is not valid YAML: ${clip(reason.split('\n')[0], 200)}`,
      line: mark?.line === undefined ? undefined : mark.line + 1,
    };
  }
  const problem = budgetProblem(document, limits);
  return problem ? { problem } : { document };
}
