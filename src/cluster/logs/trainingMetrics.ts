/**
 * Training metrics recognised in a log as it streams: Hugging Face Trainer dict lines,
 * PyTorch Lightning / tqdm progress bars with a postfix, JSON lines and `key=value` (or
 * `key: value`) lines. Pure and total: malformed input yields no sample, never an exception.
 */
import { stripAnsi } from './ansi';
import { lastCarriageReturnSegments } from './carriageReturn';

export interface MetricSample {
  step: number;
  values: Record<string, number>;
}

/** Series worth plotting; a record must name at least one of them to count as metrics. */
export const PRIMARY_METRICS = [
  'loss',
  'eval_loss',
  'learning_rate',
  'grad_norm',
  'tokens_per_second',
] as const;
const PRIMARY = new Set<string>(PRIMARY_METRICS);

/** Keys that are bookkeeping, not curves (the step is the x axis). */
const IGNORED_KEY =
  /(^|_)(runtime|samples_per_second|steps_per_second|total_flos)$|^(step|global_step|iteration|iter|it|v_num|batch|batch_idx)$/;
const STEP_KEYS = ['step', 'global_step', 'iteration', 'iter'];

const normalisedNames = new Map<string, string>();

/** Maps the many spellings frameworks use onto one name per metric. */
export function normaliseMetricName(raw: string): string {
  let cached = normalisedNames.get(raw);
  if (cached === undefined) {
    cached = normalise(raw);
    // Names repeat on every line; the cache stays small because a run logs a handful of names.
    if (normalisedNames.size < 10_000) normalisedNames.set(raw, cached);
  }
  return cached;
}

function normalise(raw: string): string {
  let name = raw.trim().toLowerCase().replace(/-/g, '_');
  if (
    /^(tokens?|tok)(\/s|\/sec|_per_sec|_per_second|_s|ps)$/.test(name) ||
    name === 'throughput_tokens' ||
    name === 'train_tokens_per_second'
  ) {
    return 'tokens_per_second';
  }
  name = name.replace(/^(train|training)[/_]/, '').replace(/_step$/, '');
  name = name.replace(/^(eval|val|validation|valid)[/_]/, 'eval_');
  if (name === 'lr') return 'learning_rate';
  if (name === 'gradnorm' || name === 'grad_norm_total') return 'grad_norm';
  return name;
}

function parseNumber(text: string): number | undefined {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

interface RawRecord {
  values: Map<string, number>;
  explicitStep?: number;
}

function recordFrom(entries: Iterable<[string, number]>): RawRecord | undefined {
  const values = new Map<string, number>();
  let explicitStep: number | undefined;
  for (const [rawKey, value] of entries) {
    const lower = rawKey.trim().toLowerCase();
    if (STEP_KEYS.includes(lower) && Number.isInteger(value) && value >= 0) {
      explicitStep = value;
      continue;
    }
    const key = normaliseMetricName(rawKey);
    if (key === '' || IGNORED_KEY.test(key)) continue;
    values.set(key, value);
  }
  if (![...values.keys()].some((key) => PRIMARY.has(key))) return undefined;
  return { values, explicitStep };
}

/** `{'loss': 2.31, 'grad_norm': 1.2, 'learning_rate': 5e-05, 'epoch': 0.1}` (Python repr of a dict). */
const PYTHON_DICT = /\{\s*'[A-Za-z_][\w/]*'\s*:[^{}]*\}/;
const PYTHON_ENTRY = /'([A-Za-z_][\w/]*)'\s*:\s*([^,}]+)/g;

function parsePythonDict(text: string): RawRecord | undefined {
  if (text.indexOf("{'") < 0) return undefined;
  const dict = PYTHON_DICT.exec(text);
  if (!dict) return undefined;
  // The final summary ({'train_runtime': ..., 'train_loss': ...}) is not a point on the curve.
  if (/'train_runtime'/.test(dict[0])) return undefined;
  const entries: [string, number][] = [];
  for (const match of dict[0].matchAll(PYTHON_ENTRY)) {
    const value = parseNumber(match[2].trim());
    if (value !== undefined) entries.push([match[1], value]);
  }
  return recordFrom(entries);
}

function parseJsonLine(text: string): RawRecord | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const entries: [string, number][] = [];
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === 'number' && Number.isFinite(value)) entries.push([key, value]);
    else if (typeof value === 'string') {
      const number = parseNumber(value);
      if (number !== undefined && /loss|lr|learning_rate|grad_norm|tok/i.test(key))
        entries.push([key, number]);
    }
  }
  if (/"train_runtime"/.test(trimmed)) return undefined;
  return recordFrom(entries);
}

/** `step=100 loss=2.3 lr=1e-4 tokens/s=5120` or `Step 100 | loss: 2.31 | lr: 1.0e-04`. */
const KEY_VALUE =
  /(?:^|[\s,|[(])([A-Za-z][\w./-]*)\s*[=:]\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?=$|[\s,|\])])/g;
const STEP_WORD = /\b(?:step|iter(?:ation)?)\s*[#:]?\s*(\d+)(?:\s*\/\s*\d+)?\b/i;

/**
 * Redraws parsed per line: a progress bar redraws many times per step, so the last ones hold
 * the latest values, and a line of a million redraws costs no more than this many.
 */
const MAX_SEGMENTS_PER_LINE = 1024;

/** Cheap test run first: most log lines hold no metric name at all. */
const METRIC_HINT = /loss|lr|learning|grad|tok|throughput/i;

function parseKeyValues(text: string): RawRecord | undefined {
  if (!METRIC_HINT.test(text)) return undefined;
  const entries: [string, number][] = [];
  for (const match of text.matchAll(KEY_VALUE)) {
    const value = parseNumber(match[2]);
    if (value !== undefined) entries.push([match[1], value]);
  }
  if (entries.length === 0) return undefined;
  const record = recordFrom(entries);
  if (record && record.explicitStep === undefined) {
    const step = STEP_WORD.exec(text);
    if (step) record.explicitStep = Number(step[1]);
  }
  return record;
}

/**
 * tqdm / Lightning: `Epoch 2:  45%|████▌     | 45/100 [00:10<00:12, 4.50it/s, v_num=0, loss=1.23]`.
 * Found from the bar's end (`| 45/100 [`) with indexOf for the rest: a single regular
 * expression over the whole segment backtracked quadratically on text like `|x| 1/2 [` repeated.
 */
const BAR_END = /\|\s*(\d+)\/(\d+)\s*\[/g;
const BAR_PREFIX = /(?:Epoch\s+(\d+)\s*:?\s*)?(?:\d{1,3}%\s*)?$/;
/** Room before a bar for "Epoch 12:  45%". */
const BAR_PREFIX_CHARS = 64;

interface Progress {
  readonly epoch?: number;
  readonly done: number;
  readonly total: number;
  readonly postfix?: RawRecord;
}

function parseProgress(text: string): Progress | undefined {
  if (text.indexOf('|') < 0 || text.indexOf('/') < 0) return undefined;
  const close = text.lastIndexOf(']');
  if (close < 0) return undefined;
  for (const match of text.matchAll(BAR_END)) {
    const timingStart = match.index + match[0].length;
    if (timingStart > close) return undefined;
    const barStart = text.lastIndexOf('|', match.index - 1);
    if (barStart < 0) continue;
    const done = Number(match[1]);
    const total = Number(match[2]);
    if (!Number.isFinite(done) || !Number.isFinite(total)) return undefined;
    const epoch = BAR_PREFIX.exec(
      text.slice(Math.max(0, barStart - BAR_PREFIX_CHARS), barStart),
    )?.[1];
    const timing = text.slice(timingStart, text.indexOf(']', timingStart));
    // The postfix follows the timing part: "00:10<00:12, 4.50it/s, loss=1.23, v_num=0".
    const postfix = parseKeyValues(timing.replace(/^[^,]*,[^,]*(,|$)/, ' '));
    return { epoch: epoch === undefined ? undefined : Number(epoch), done, total, postfix };
  }
  return undefined;
}

/**
 * Turns log lines into metric samples. Holds the little state a stream needs: the latest
 * progress-bar position (HF dict lines carry no step) and the last step (to avoid repeats).
 */
export class TrainingMetricsParser {
  private progressStep: number | undefined;
  private lastStep = -1;
  private lastEmitted = '';

  /** The last sample the line holds (a '\r' line may hold many redraws), if any. */
  push(line: string): MetricSample | undefined {
    const samples = this.pushAll(line);
    return samples[samples.length - 1];
  }

  /** Every sample the line holds, oldest first. */
  pushAll(line: string): MetricSample[] {
    if (typeof line !== 'string' || line.length === 0) return [];
    const samples: MetricSample[] = [];
    for (const rawSegment of lastCarriageReturnSegments(line, MAX_SEGMENTS_PER_LINE)) {
      const segment = stripAnsi(rawSegment);
      const sample = this.parseSegment(segment);
      if (sample) samples.push(sample);
    }
    return samples;
  }

  private parseSegment(segment: string): MetricSample | undefined {
    // Very long segments are payloads (tokenised batches, base64), not metric lines.
    if (segment.length > 4096) return undefined;
    const progress = parseProgress(segment);
    if (progress) {
      this.progressStep =
        progress.epoch !== undefined
          ? progress.epoch * progress.total + progress.done
          : progress.done;
    }
    const record =
      parsePythonDict(segment) ??
      parseJsonLine(segment) ??
      (progress ? progress.postfix : parseKeyValues(segment));
    if (!record) return undefined;
    return this.emit(record, progress !== undefined);
  }

  private emit(record: RawRecord, fromProgressBar: boolean): MetricSample | undefined {
    const isEvalOnly = [...record.values.keys()].every(
      (key) => key.startsWith('eval_') || key === 'epoch',
    );
    let step: number;
    if (record.explicitStep !== undefined) step = record.explicitStep;
    else if (this.progressStep !== undefined) step = this.progressStep;
    else step = isEvalOnly ? Math.max(this.lastStep, 0) : this.lastStep + 1;
    const values: Record<string, number> = {};
    for (const [key, value] of record.values) values[key] = value;
    if (fromProgressBar) {
      // Progress bars redraw the same postfix many times: one point per distinct (step, values).
      const fingerprint = `${step}:${JSON.stringify(values)}`;
      if (fingerprint === this.lastEmitted) return undefined;
      this.lastEmitted = fingerprint;
    }
    this.lastStep = Math.max(this.lastStep, step);
    return { step, values };
  }
}
