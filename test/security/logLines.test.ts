import * as assert from 'node:assert/strict';
import { parseAnsi, stripAnsi } from '../../src/cluster/logs/ansi';
import { resolveCarriageReturns } from '../../src/cluster/logs/carriageReturn';
import { LineSplitter, MAX_LINE_CHARS } from '../../src/cluster/logs/logLine';
import { TrainingMetricsParser } from '../../src/cluster/logs/trainingMetrics';
import { curvesFromLog } from '../../src/jobs/model/runCurves';

/** Safety bounds, not benchmarks: each line below once took from 2 s to 50 s. */
const BOUND_MS = 1000;
const TEN_MB = 10 * 1024 * 1024;

function timed(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

/** `unit` repeated, joined by `separator`, to about `chars` characters. */
function flood(unit: string, separator: string, chars: number): string {
  return Array.from(
    { length: Math.ceil(chars / (unit.length + separator.length)) },
    () => unit,
  ).join(separator);
}

const hostileLines: Record<string, string> = {
  "'\\r'-joined loss=1 step redraws": flood('loss=1 step', '\r', TEN_MB),
  "'\\r'-joined bar ends without a closing bracket": flood(
    flood('|x| 1/2 [', '', 4000),
    '\r',
    TEN_MB,
  ),
  "'\\r'-joined Python dicts without a closing brace": flood(
    flood("{'loss': 1, ", '', 4000),
    '\r',
    TEN_MB,
  ),
  "'\\r'-joined step words before long blanks": flood(`step${' '.repeat(3000)}`, '\r', TEN_MB),
  'one 10 MB segment of key=value pairs': flood('loss=1', ' ', TEN_MB),
  "'\\r'-joined unterminated escape sequences": flood('\x1b]0;title', '\r', TEN_MB),
};

describe('security: pathological log lines are handled in bounded time', () => {
  for (const [name, line] of Object.entries(hostileLines)) {
    it(`the training-metrics parser on ${name}`, () => {
      const parser = new TrainingMetricsParser();
      const ms = timed(() => parser.pushAll(line));
      assert.ok(ms < BOUND_MS, `took ${Math.round(ms)} ms`);
    });
  }

  it('the run-curves loader on a log of 10 MB lines', () => {
    const log = [
      hostileLines["'\\r'-joined loss=1 step redraws"],
      hostileLines["'\\r'-joined bar ends without a closing bracket"],
    ].join('\n');
    const ms = timed(() => curvesFromLog('run', 'pod', log));
    assert.ok(ms < 2 * BOUND_MS, `took ${Math.round(ms)} ms`);
  });

  it('still reads the latest redraws of a long progress line', () => {
    const redraws = Array.from(
      { length: 5000 },
      (_, step) =>
        `Epoch 0: ${Math.floor(step / 50)}%|##| ${step}/5000 [00:01<00:02, 4.5it/s, loss=${(step / 1000).toFixed(3)}]`,
    ).join('\r');
    const samples = new TrainingMetricsParser().pushAll(redraws);
    assert.deepEqual(samples[samples.length - 1], { step: 4999, values: { loss: 4.999 } });
  });

  it('the line splitter on a 50 MB line without a newline, cut into marked pieces', () => {
    const splitter = new LineSplitter();
    const chunk = 'x'.repeat(64 * 1024);
    const pieces: string[] = [];
    const ms = timed(() => {
      for (let index = 0; index < 800; index++) pieces.push(...splitter.push(chunk));
      pieces.push(...splitter.push('\n'));
    });
    assert.ok(ms < 2 * BOUND_MS, `took ${Math.round(ms)} ms`);
    assert.ok(pieces.every((piece) => piece.length <= MAX_LINE_CHARS));
    assert.equal(
      pieces.reduce((sum, piece) => sum + piece.replace(/^\[continued\] /, '').length, 0),
      800 * 64 * 1024,
    );
  });

  it('what the view does with a cut line: carriage returns and ANSI', () => {
    const splitter = new LineSplitter();
    const pieces = splitter.push(`${hostileLines["'\\r'-joined unterminated escape sequences"]}\n`);
    const ms = timed(() => {
      for (const piece of pieces) parseAnsi(stripAnsi(resolveCarriageReturns(piece)));
    });
    assert.ok(ms < 2 * BOUND_MS, `took ${Math.round(ms)} ms`);
  });
});
