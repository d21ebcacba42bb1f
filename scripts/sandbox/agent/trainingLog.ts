// The training log every sandbox pod "prints": Hugging Face Trainer-style dict lines on stdout,
// tqdm progress (with carriage returns) and a few warnings on stderr, in the CRI log format that
// kwok's Logs resource serves (`<RFC3339 time> <stream> F <text>`).
import * as fs from 'node:fs';

export const TOTAL_STEPS = 5000;
const STEPS_PER_EPOCH = 1000;

export type LogStream = 'stdout' | 'stderr';

export function criLine(stream: LogStream, text: string, at = new Date()): string {
  return `${at.toISOString()} ${stream} F ${text}\n`;
}

/** Python's repr of a float the way the Trainer prints it (4.9e-05, 2.3104). */
function pyFloat(value: number): string {
  if (value !== 0 && Math.abs(value) < 1e-4) {
    const [mantissa, exponent] = value.toExponential().split('e');
    const exp = Number(exponent);
    return `${Number(Number(mantissa).toPrecision(4))}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(Number(value.toPrecision(5)));
}

function noise(step: number, salt: number): number {
  const x = Math.sin(step * 12.9898 + salt * 78.233) * 43758.5453;
  return x - Math.floor(x) - 0.5;
}

export function trainerMetrics(step: number): {
  loss: number;
  gradNorm: number;
  learningRate: number;
  epoch: number;
} {
  return {
    loss: Math.max(0.05, 2.4 * Math.exp(-step / 900) + 0.35 + noise(step, 1) * 0.08),
    gradNorm: Math.max(0.05, 1.6 * Math.exp(-step / 2000) + 0.3 + noise(step, 2) * 0.2),
    learningRate: 5e-5 * (1 - step / TOTAL_STEPS),
    epoch: step / STEPS_PER_EPOCH,
  };
}

export function trainerDictLine(step: number): string {
  const m = trainerMetrics(step);
  return `{'loss': ${pyFloat(m.loss)}, 'grad_norm': ${pyFloat(m.gradNorm)}, 'learning_rate': ${pyFloat(m.learningRate)}, 'epoch': ${pyFloat(Number(m.epoch.toFixed(2)))}}`;
}

export function evalDictLine(step: number): string {
  const m = trainerMetrics(step);
  return `{'eval_loss': ${pyFloat(m.loss * 1.05)}, 'eval_runtime': 12.48, 'eval_samples_per_second': 80.13, 'eval_steps_per_second': 10.02, 'epoch': ${pyFloat(Number(m.epoch.toFixed(2)))}}`;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function tqdmLine(step: number, itPerSecond: number): string {
  const fraction = step / TOTAL_STEPS;
  const filled = Math.floor(fraction * 10);
  const bar = '█'.repeat(filled) + (filled < 10 ? ' '.repeat(10 - filled) : '');
  const elapsed = step / itPerSecond;
  const remaining = (TOTAL_STEPS - step) / itPerSecond;
  return `\r${String(Math.floor(fraction * 100)).padStart(3)}%|${bar}| ${step}/${TOTAL_STEPS} [${clock(elapsed)}<${clock(remaining)}, ${itPerSecond.toFixed(2)}it/s]`;
}

export function preambleLines(podName: string, gpus: number): Array<[LogStream, string]> {
  return [
    [
      'stderr',
      `/opt/conda/lib/python3.11/site-packages/transformers/training_args.py:1575: FutureWarning: \`evaluation_strategy\` is deprecated, use \`eval_strategy\` instead`,
    ],
    [
      'stdout',
      `[sandbox] ${podName}: training stand-in log (no real GPU; ${gpus} simulated GPU${gpus === 1 ? '' : 's'})`,
    ],
    ['stdout', '***** Running training *****'],
    ['stdout', '  Num examples = 80,000'],
    ['stdout', '  Num Epochs = 5'],
    ['stdout', `  Instantaneous batch size per device = 8`],
    [
      'stdout',
      `  Total train batch size (w. parallel, distributed & accumulation) = ${8 * Math.max(1, gpus)}`,
    ],
    ['stdout', '  Gradient Accumulation steps = 1'],
    ['stdout', `  Total optimization steps = ${TOTAL_STEPS}`],
    ['stdout', '  Number of trainable parameters = 124,439,808'],
  ];
}

export function previousRunLines(): Array<[LogStream, string]> {
  return [
    ['stdout', '***** Running training *****'],
    ['stdout', "{'loss': 2.7514, 'grad_norm': 3.1, 'learning_rate': 5e-05, 'epoch': 0.0}"],
    [
      'stderr',
      'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. (sandbox stand-in for a previous container run)',
    ],
  ];
}

/** Appends the next piece of a pod's training log each tick; one instance per container log file. */
export class TrainingLogWriter {
  private step: number;
  private tick = 0;

  constructor(
    private readonly file: string,
    startStep: number,
  ) {
    this.step = Math.min(startStep, TOTAL_STEPS);
  }

  static create(
    file: string,
    previousFile: string,
    podName: string,
    gpus: number,
    startStep: number,
  ): TrainingLogWriter {
    if (!fs.existsSync(previousFile)) {
      const at = new Date(Date.now() - 60000);
      fs.writeFileSync(
        previousFile,
        previousRunLines()
          .map(([stream, text]) => criLine(stream, text, at))
          .join(''),
      );
    }
    if (!fs.existsSync(file)) {
      fs.writeFileSync(
        file,
        preambleLines(podName, gpus)
          .map(([stream, text]) => criLine(stream, text))
          .join(''),
      );
    }
    return new TrainingLogWriter(file, startStep);
  }

  /** Called about twice a second: a tqdm update every tick, a Trainer dict line every second. */
  advance(): void {
    if (this.step >= TOTAL_STEPS) return;
    this.tick += 1;
    this.step += 5;
    const lines: Array<[LogStream, string]> = [['stderr', tqdmLine(this.step, 10)]];
    if (this.tick % 2 === 0) lines.push(['stdout', trainerDictLine(this.step)]);
    if (this.step % 500 === 0) lines.push(['stdout', evalDictLine(this.step)]);
    if (this.tick % 40 === 0)
      lines.push([
        'stderr',
        `[sandbox] step ${this.step}: checkpointing to ./checkpoint-${this.step}`,
      ]);
    this.append(lines);
  }

  /**
   * The container was killed and started again: the killed instance's log ends with "Killed" and
   * becomes the previous log (replacing the older one); the new instance starts a fresh log at
   * step 0 (the stand-in job does not resume from a checkpoint). Returns the new instance's writer.
   */
  restart(
    previousFile: string,
    podName: string,
    gpus: number,
    now = new Date(),
  ): TrainingLogWriter {
    this.append([['stderr', 'Killed']], now);
    fs.renameSync(this.file, previousFile);
    fs.writeFileSync(
      this.file,
      preambleLines(podName, gpus)
        .map(([stream, text]) => criLine(stream, text, now))
        .join(''),
    );
    return new TrainingLogWriter(this.file, 0);
  }

  finish(exitCode: number): void {
    const lines: Array<[LogStream, string]> =
      exitCode === 0
        ? [
            [
              'stdout',
              `{'train_runtime': ${(this.step / 10).toFixed(1)}, 'train_samples_per_second': 80.1, 'train_steps_per_second': 10.0, 'train_loss': ${pyFloat(trainerMetrics(this.step).loss)}, 'epoch': ${pyFloat(Number((this.step / STEPS_PER_EPOCH).toFixed(2)))}}`,
            ],
            ['stdout', 'Training completed. Saving model checkpoint to ./output'],
          ]
        : [['stderr', `RuntimeError: sandbox training run failed with exit code ${exitCode}`]];
    this.append(lines);
  }

  private append(lines: Array<[LogStream, string]>, now = new Date()): void {
    fs.appendFileSync(
      this.file,
      lines.map(([stream, text]) => criLine(stream, text, now)).join(''),
    );
  }
}
