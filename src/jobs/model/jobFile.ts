import * as yaml from 'js-yaml';
import { KubeMlError } from '../../cluster/errors';
import { loadYamlSafely, previewValue } from '../../cluster/safeYaml';
import {
  assertValidJobSpec,
  defaultJobSpec,
  type JobSpec,
  type RuntimePreference,
} from './jobSpec';

/** Path of the shareable job definition, relative to the workspace folder. */
export const JOB_FILE_PATH = '.kubeml/job.yaml';

/** The code source as a file names it; a dev pod's claim and mount are looked up at submit time. */
export type CodeRequest =
  | { readonly kind: 'devPodVolume'; readonly devPod: string }
  | { readonly kind: 'packedFolder'; readonly path: string }
  | { readonly kind: 'image' };

export interface JobFile {
  readonly spec: JobSpec;
  readonly code: CodeRequest;
}

const RUNTIMES: readonly RuntimePreference[] = [
  'auto',
  'job',
  'indexedJob',
  'pytorchJob',
  'trainJob',
  'rayJob',
];
const KNOWN_KEYS = new Set([
  'name',
  'image',
  'command',
  'args',
  'gpusPerWorker',
  'workers',
  'gpuProduct',
  'cpu',
  'memory',
  'code',
  'runtime',
  'queue',
  'env',
  'podAnnotations',
  'backoffLimit',
  'activeDeadlineSeconds',
  'masterPort',
  'restrictedPodSecurity',
]);

/** Splits a command line into words, honouring '...' and "..." (no variables, no globbing). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < line.length; index++) {
    const character = line[index]!;
    if (quote) {
      if (character === quote) {
        quote = undefined;
      } else if (character === '\\' && quote === '"' && index + 1 < line.length) {
        current += line[++index];
      } else {
        current += character;
      }
    } else if (character === '"' || character === "'") {
      quote = character;
      inWord = true;
    } else if (/\s/.test(character)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else if (character === '\\' && index + 1 < line.length) {
      current += line[++index];
      inWord = true;
    } else {
      current += character;
      inWord = true;
    }
  }
  if (quote) {
    throw new KubeMlError(
      'invalidInput',
      `The command line has an unclosed ${quote} quote: ${line}`,
      'Close the quote and try again.',
    );
  }
  if (inWord) words.push(current);
  return words;
}

function fail(problem: string): never {
  throw new KubeMlError(
    'invalidInput',
    `${JOB_FILE_PATH} is invalid: ${problem}`,
    'Fix the file and run it again; "Run Training Job" can save a valid example.',
  );
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return splitCommandLine(value);
  if (
    Array.isArray(value) &&
    value.every((item) => ['string', 'number', 'boolean'].includes(typeof item))
  ) {
    return value.map(String);
  }
  return fail(`"${field}" must be a list of strings or one command line.`);
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    fail(`"${field}" must be a mapping of names to values.`);
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, String(item)]),
  );
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return fail(`"${field}" must be a string.`);
}

function optionalNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) return Number(value);
  return fail(`"${field}" must be a number.`);
}

function codeRequest(value: unknown): CodeRequest {
  if (value === undefined || value === null) return { kind: 'packedFolder', path: '.' };
  if (typeof value !== 'object' || Array.isArray(value))
    fail('"code" must be a mapping with "source": devPodVolume, folder or image.');
  const code = value as Record<string, unknown>;
  switch (code.source) {
    case 'devPodVolume':
      if (typeof code.devPod !== 'string' || !code.devPod)
        fail('"code.devPod" must name the dev pod whose workspace volume holds the code.');
      return { kind: 'devPodVolume', devPod: code.devPod as string };
    case 'folder':
      return {
        kind: 'packedFolder',
        path: typeof code.path === 'string' && code.path ? code.path : '.',
      };
    case 'image':
      return { kind: 'image' };
    default:
      return fail(
        `"code.source" is ${previewValue(code.source)}; use devPodVolume, folder or image.`,
      );
  }
}

/**
 * Parses and validates `.kubeml/job.yaml`. A dev-pod code source gets placeholder claim/mount
 * values (resolved at submit time); every other field is checked here.
 */
export function parseJobFile(text: string): JobFile {
  const { document, problem } = loadYamlSafely(text);
  if (problem !== undefined) fail(problem);
  if (!document || typeof document !== 'object' || Array.isArray(document))
    fail('it must be a YAML mapping with at least name, image and command.');
  const raw = document as Record<string, unknown>;
  const unknownKeys = Object.keys(raw).filter((key) => !KNOWN_KEYS.has(key));
  if (unknownKeys.length > 0)
    fail(
      `unknown field(s) ${unknownKeys
        .slice(0, 5)
        .map((key) => previewValue(key))
        .join(
          ', ',
        )}${unknownKeys.length > 5 ? ` and ${unknownKeys.length - 5} more` : ''}; known fields: ${[...KNOWN_KEYS].join(', ')}.`,
    );
  const name = optionalString(raw.name, 'name');
  const image = optionalString(raw.image, 'image');
  const command = stringList(raw.command, 'command');
  if (!name || !image || command.length === 0) fail('"name", "image" and "command" are required.');
  const runtime = (raw.runtime ?? 'auto') as RuntimePreference;
  if (!RUNTIMES.includes(runtime))
    fail(`"runtime" is ${previewValue(raw.runtime)}; use one of ${RUNTIMES.join(', ')}.`);
  if (raw.restrictedPodSecurity !== undefined && typeof raw.restrictedPodSecurity !== 'boolean')
    fail('"restrictedPodSecurity" must be true or false.');
  const code = codeRequest(raw.code);
  const spec = defaultJobSpec({
    name: name as string,
    image: image as string,
    command,
    args: stringList(raw.args, 'args'),
    gpusPerWorker: optionalNumber(raw.gpusPerWorker, 'gpusPerWorker') ?? 0,
    workers: optionalNumber(raw.workers, 'workers') ?? 1,
    gpuProduct: optionalString(raw.gpuProduct, 'gpuProduct'),
    cpu: optionalString(raw.cpu, 'cpu'),
    memory: optionalString(raw.memory, 'memory'),
    runtime,
    queue: optionalString(raw.queue, 'queue'),
    env: stringMap(raw.env, 'env'),
    podAnnotations: stringMap(raw.podAnnotations, 'podAnnotations'),
    backoffLimit: optionalNumber(raw.backoffLimit, 'backoffLimit') ?? 0,
    activeDeadlineSeconds: optionalNumber(raw.activeDeadlineSeconds, 'activeDeadlineSeconds'),
    masterPort: optionalNumber(raw.masterPort, 'masterPort'),
    restrictedPodSecurity: (raw.restrictedPodSecurity as boolean | undefined) ?? true,
    code:
      code.kind === 'devPodVolume'
        ? {
            kind: 'devPodVolume',
            devPod: code.devPod,
            claimName: 'resolved-at-submit',
            mountPath: '/workspace',
          }
        : code.kind === 'packedFolder'
          ? { kind: 'packedFolder', localPath: code.path }
          : { kind: 'image' },
  });
  assertValidJobSpec(spec, JOB_FILE_PATH);
  return { spec, code };
}

/** The YAML a user can commit to share the run definition (no cluster-specific claim names). */
export function serializeJobFile(spec: JobSpec, code: CodeRequest): string {
  const document: Record<string, unknown> = {
    name: spec.name,
    image: spec.image,
    command: [...spec.command],
    args: [...spec.args],
    gpusPerWorker: spec.gpusPerWorker,
    workers: spec.workers,
    gpuProduct: spec.gpuProduct,
    cpu: spec.cpu,
    memory: spec.memory,
    code:
      code.kind === 'devPodVolume'
        ? { source: 'devPodVolume', devPod: code.devPod }
        : code.kind === 'packedFolder'
          ? { source: 'folder', path: code.path }
          : { source: 'image' },
    runtime: spec.runtime,
    queue: spec.queue,
    env: Object.keys(spec.env).length ? { ...spec.env } : undefined,
    podAnnotations: Object.keys(spec.podAnnotations).length
      ? { ...spec.podAnnotations }
      : undefined,
    backoffLimit: spec.backoffLimit,
    activeDeadlineSeconds: spec.activeDeadlineSeconds,
    masterPort: spec.masterPort,
    restrictedPodSecurity: spec.restrictedPodSecurity,
  };
  const defined = Object.fromEntries(
    Object.entries(document).filter(([, value]) => value !== undefined),
  );
  return `# Kube ML training job: run it with "Kube ML: Run Training Job from .kubeml/job.yaml".\n${yaml.dump(defined, { lineWidth: 120 })}`;
}

/**
 * Splits one typed command line into the command (the program plus, for Python, the script or
 * `-m module`) and its arguments, so the arguments can be edited on their own at re-run.
 */
export function commandAndArgs(line: string): { command: string[]; args: string[] } {
  const words = splitCommandLine(line);
  const program = words[0] ?? '';
  const take = /^python[0-9.]*$/.test(program) ? (words[1] === '-m' ? 3 : 2) : 1;
  return { command: words.slice(0, Math.min(take, words.length)), args: words.slice(take) };
}
