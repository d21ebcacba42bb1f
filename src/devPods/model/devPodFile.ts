import { DEFAULT_IMAGE_PRESET, presetById, resolveImage } from './presets';
import {
  DEFAULT_WORKSPACE_SIZE,
  defaultResourcesFor,
  validateCpu,
  validateDevPodName,
  validateGpuCount,
  validateIdleMinutes,
  validateImage,
  validateMemory,
  type DevPodSpec,
} from './spec';
import { validateDnsSubdomain } from '../../cluster/names';
import { loadYamlSafely, previewValue } from '../../cluster/safeYaml';

/**
 * `.kubeml/devpod.yaml`: a dev pod definition a team shares. Every problem names its 1-based line
 * so the editor can underline it.
 *
 *   name: llm-finetune
 *   gpu: { product: NVIDIA-H100-80GB-HBM3, count: 2 }   # omit for CPU-only; product optional
 *   image: pytorch            # a preset (pytorch, jax, huggingface, cuda) or any image reference
 *   cpu: "16"                 # optional: defaults sized to the GPU count
 *   memory: 128Gi
 *   workspace: { size: 100Gi, storageClass: fast-ssd }
 *   idleMinutes: 60
 */
export const DEV_POD_FILE = '.kubeml/devpod.yaml';

export interface FileIssue {
  /** 1-based. */
  readonly line: number;
  readonly message: string;
}

export interface FileDefaults {
  readonly namespace: string;
  readonly idleMinutes: number;
  readonly restrictedPodSecurity: boolean;
  readonly storageClass?: string;
}

export type FileParseResult =
  | { readonly spec: DevPodSpec; readonly issues: readonly [] }
  | { readonly spec?: undefined; readonly issues: readonly FileIssue[] };

const TOP_LEVEL_KEYS = ['name', 'gpu', 'image', 'cpu', 'memory', 'workspace', 'idleMinutes'];
const GPU_KEYS = ['product', 'count'];
const WORKSPACE_KEYS = ['size', 'storageClass'];

/** The key a line starts (`  size: 1Gi`, `"gpu":`), found without regular expressions so a long line costs its length once. */
function keyOfLine(line: string): { indent: number; key: string } | undefined {
  let indent = 0;
  while (indent < line.length && (line[indent] === ' ' || line[indent] === '\t')) indent++;
  const first = line[indent];
  if (first === undefined || first === '#' || first === '-') return undefined;
  let key: string;
  let afterKey: number;
  if (first === '"' || first === "'") {
    const close = line.indexOf(first, indent + 1);
    if (close < 0) return undefined;
    key = line.slice(indent + 1, close);
    afterKey = close + 1;
    while (afterKey < line.length && line[afterKey] === ' ') afterKey++;
    if (line[afterKey] !== ':') return undefined;
  } else {
    afterKey = line.indexOf(':', indent);
    if (afterKey < 0) return undefined;
    key = line.slice(indent, afterKey).trimEnd();
    if (key.includes('#')) return undefined;
  }
  const next = line[afterKey + 1];
  return next === undefined || next === ' ' || next === '\t' ? { indent, key } : undefined;
}

/**
 * 1-based line of every block-style key path ("gpu\0count"), built in one pass by indentation:
 * one lookup per problem then costs nothing, however many problems a file has.
 */
export function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const open: { indent: number; path: string }[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const found = keyOfLine(line);
    if (!found) return;
    while (open.length > 0 && open[open.length - 1].indent >= found.indent) open.pop();
    const path = open.length > 0 ? `${open[open.length - 1].path}\0${found.key}` : found.key;
    if (!lines.has(path)) lines.set(path, index + 1);
    open.push({ indent: found.indent, path });
  });
  return lines;
}

/** Line of `path` in an index from keyLines: the nearest written ancestor (flow style), else 1. */
function lineIn(index: ReadonlyMap<string, number>, path: readonly string[]): number {
  for (let length = path.length; length > 0; length--) {
    const line = index.get(path.slice(0, length).join('\0'));
    if (line !== undefined) return line;
  }
  return 1;
}

/**
 * 1-based line of the key at `path` (["gpu", "count"]), found by indentation; the parent's line
 * when the child is written in flow style ({ count: 2 }); 1 when the key is absent.
 */
export function lineOfKey(text: string, path: readonly string[]): number {
  return lineIn(keyLines(text), path);
}

/** More problems than this help nobody: the rest are summarised on the first line. */
const MAX_ISSUES = 50;

function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  return candidates.find(
    (candidate) =>
      candidate.toLowerCase() === lower ||
      candidate.toLowerCase().startsWith(lower.slice(0, 3)) ||
      lower.startsWith(candidate.toLowerCase()),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and validates the file. `existingNames` makes a clash with a dev pod of another definition an error. */
export function parseDevPodFile(
  text: string,
  defaults: FileDefaults,
  existingNames: Iterable<string> = [],
): FileParseResult {
  const loaded = loadYamlSafely(text);
  if (loaded.problem !== undefined) {
    return {
      issues: [
        {
          line: loaded.line ?? 1,
          message:
            loaded.line === undefined
              ? `${DEV_POD_FILE} is refused: ${loaded.problem}.`
              : `YAML syntax error: ${loaded.problem.replace(/^it is not valid YAML: /, '')}.`,
        },
      ],
    };
  }
  const document = loaded.document;
  if (!isRecord(document)) {
    return {
      issues: [
        {
          line: 1,
          message: `${DEV_POD_FILE} must be a mapping with at least "name:" (see the documented example).`,
        },
      ],
    };
  }
  const issues: FileIssue[] = [];
  const index = keyLines(text);
  const at = (path: readonly string[], message: string) =>
    issues.push({ line: lineIn(index, path), message });

  const checkKeys = (
    record: Record<string, unknown>,
    allowed: readonly string[],
    parent: readonly string[],
  ) => {
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) {
        const suggestion = closest(key, allowed);
        at(
          [...parent, key],
          `Unknown key "${[...parent, key].join('.')}"${suggestion ? `; did you mean "${[...parent, suggestion].join('.')}"?` : `; allowed: ${allowed.join(', ')}.`}`,
        );
      }
    }
  };
  checkKeys(document, TOP_LEVEL_KEYS, []);

  const text_ = (key: string, value: unknown): string | undefined => {
    if (value === undefined || value === null) {
      return undefined;
    }
    if (typeof value === 'string' || typeof value === 'number') {
      return String(value);
    }
    at([key], `"${key}" must be a string, got ${Array.isArray(value) ? 'a list' : typeof value}.`);
    return undefined;
  };
  const wholeNumber = (path: string[], value: unknown): number | undefined => {
    if (typeof value === 'number' && Number.isInteger(value)) {
      return value;
    }
    at(path, `"${path.join('.')}" must be a whole number, got ${previewValue(value)}.`);
    return undefined;
  };

  const name = text_('name', document.name);
  if (name === undefined) {
    at(['name'], '"name" is required: the dev pod name (a DNS-1123 label such as "llm-finetune").');
  } else {
    const problem = validateDevPodName(name, existingNames);
    if (problem) at(['name'], problem);
  }

  let gpu: DevPodSpec['gpu'];
  if (document.gpu !== undefined && document.gpu !== null) {
    if (!isRecord(document.gpu)) {
      at(
        ['gpu'],
        '"gpu" must be a mapping such as { product: NVIDIA-H100-80GB-HBM3, count: 2 }; omit it for a CPU-only dev pod.',
      );
    } else {
      checkKeys(document.gpu, GPU_KEYS, ['gpu']);
      const count =
        document.gpu.count === undefined ? 1 : wholeNumber(['gpu', 'count'], document.gpu.count);
      const countProblem = count === undefined ? undefined : validateGpuCount(count);
      if (countProblem) at(['gpu', 'count'], countProblem);
      const product = document.gpu.product;
      if (product !== undefined && (typeof product !== 'string' || product.trim() === '')) {
        at(
          ['gpu', 'product'],
          '"gpu.product" must be a product name as in the node label nvidia.com/gpu.product (e.g. NVIDIA-H100-80GB-HBM3), or omitted for any product.',
        );
      }
      if (count !== undefined && count > 0) {
        gpu = {
          count,
          ...(typeof product === 'string' && product.trim() && product !== 'any'
            ? { product: product.trim() }
            : {}),
        };
      }
    }
  }

  const imageText = text_('image', document.image) ?? DEFAULT_IMAGE_PRESET;
  const imageProblem =
    validateImage(imageText) ??
    (imageText === 'custom'
      ? '"image: custom" needs the image reference itself, e.g. "image: ghcr.io/acme/trainer:1.2".'
      : undefined);
  if (imageProblem) at(['image'], imageProblem);
  const { image, preset } = resolveImage(imageText);

  const defaultsForGpu = defaultResourcesFor(gpu?.count ?? 0);
  const cpu = text_('cpu', document.cpu) ?? defaultsForGpu.cpu;
  const cpuProblem = validateCpu(cpu);
  if (cpuProblem) at(['cpu'], cpuProblem);
  const memory = text_('memory', document.memory) ?? defaultsForGpu.memory;
  const memoryProblem = validateMemory(memory);
  if (memoryProblem) at(['memory'], memoryProblem);

  let size = DEFAULT_WORKSPACE_SIZE;
  let storageClass = defaults.storageClass;
  if (document.workspace !== undefined && document.workspace !== null) {
    if (!isRecord(document.workspace)) {
      at(
        ['workspace'],
        '"workspace" must be a mapping such as { size: 100Gi, storageClass: standard }.',
      );
    } else {
      checkKeys(document.workspace, WORKSPACE_KEYS, ['workspace']);
      if (document.workspace.size !== undefined) {
        size = String(document.workspace.size);
        const sizeProblem = validateMemory(size, 'Workspace size');
        if (sizeProblem) at(['workspace', 'size'], sizeProblem);
      }
      if (document.workspace.storageClass !== undefined) {
        storageClass = String(document.workspace.storageClass);
        const classProblem = validateDnsSubdomain(storageClass, 'storage class name');
        if (classProblem) at(['workspace', 'storageClass'], classProblem);
      }
    }
  }

  let idleMinutes = defaults.idleMinutes;
  if (document.idleMinutes !== undefined) {
    const value = wholeNumber(['idleMinutes'], document.idleMinutes);
    const idleProblem = value === undefined ? undefined : validateIdleMinutes(value);
    if (idleProblem) at(['idleMinutes'], idleProblem);
    idleMinutes = value ?? idleMinutes;
  }

  if (issues.length > 0 || name === undefined) {
    const sorted = issues.sort((a, b) => a.line - b.line);
    if (sorted.length <= MAX_ISSUES) return { issues: sorted };
    return {
      issues: [
        { line: 1, message: `${sorted.length} problems; the first ${MAX_ISSUES} are shown.` },
        ...sorted.slice(0, MAX_ISSUES),
      ],
    };
  }
  return {
    spec: {
      name,
      namespace: defaults.namespace,
      ...(gpu ? { gpu } : {}),
      image,
      imagePreset: presetById(preset)?.id ?? 'custom',
      cpu,
      memory,
      workspace: { size, ...(storageClass ? { storageClass } : {}) },
      idleMinutes,
      restrictedPodSecurity: defaults.restrictedPodSecurity,
    },
    issues: [],
  };
}
