import * as assert from 'node:assert/strict';
import { parseAnsi, stripAnsi } from '../../../../src/cluster/logs/ansi';
import {
  lastCarriageReturnSegments,
  resolveCarriageReturns,
} from '../../../../src/cluster/logs/carriageReturn';
import {
  CUT_LINE_MARK,
  LineSplitter,
  compareTimestamps,
  floorToSecond,
  parseTimestampedLine,
} from '../../../../src/cluster/logs/logLine';
import { ResumeDeduplicator } from '../../../../src/cluster/logs/resume';

describe('ANSI parsing', () => {
  it('turns SGR codes into styled runs and carries the style across lines', () => {
    const { runs, endStyle } = parseAnsi('\x1b[1;31mERROR\x1b[0m plain \x1b[38;5;208morange');
    assert.deepEqual(runs, [
      { text: 'ERROR', style: { bold: true, fg: 1 } },
      { text: ' plain ', style: {} },
      { text: 'orange', style: { fg: 208 } },
    ]);
    assert.deepEqual(endStyle, { fg: 208 });
    assert.deepEqual(parseAnsi('next', endStyle).runs, [{ text: 'next', style: { fg: 208 } }]);
  });
  it('reads truecolour and bright colours, drops cursor escapes', () => {
    assert.deepEqual(parseAnsi('\x1b[38;2;255;0;16mx\x1b[94my\x1b[2K\x1b[1Az').runs, [
      { text: 'x', style: { fg: '#ff0010' } },
      { text: 'y', style: { fg: 12 } },
      { text: 'z', style: { fg: 12 } },
    ]);
    assert.equal(stripAnsi('\x1b[32mok\x1b[0m\x1b]0;title\x07!'), 'ok!');
  });
  it('survives truncated sequences', () => {
    assert.doesNotThrow(() => parseAnsi('\x1b[38;5m broken \x1b['));
  });
});

describe('carriage returns', () => {
  it('keeps what a terminal would show for a tqdm line', () => {
    assert.equal(
      resolveCarriageReturns(
        '  0%|          | 0/10\r 50%|█████     | 5/10\r100%|██████████| 10/10',
      ),
      '100%|██████████| 10/10',
    );
    assert.equal(resolveCarriageReturns('abcdef\rXY'), 'XYcdef');
    assert.equal(resolveCarriageReturns('windows line\r'), 'windows line');
    assert.deepEqual(lastCarriageReturnSegments('a\rb\r', 10), ['a', 'b']);
    assert.deepEqual(lastCarriageReturnSegments('\ra\r\rb\rc', 2), ['b', 'c']);
  });
});

describe('timestamped lines', () => {
  it('splits the RFC 3339 timestamp from the text', () => {
    assert.deepEqual(parseTimestampedLine('2026-11-29T18:22:15.123456789Z hello world'), {
      timestamp: '2026-11-29T18:22:15.123456789Z',
      text: 'hello world',
    });
    assert.deepEqual(parseTimestampedLine('no timestamp'), { timestamp: '', text: 'no timestamp' });
  });
  it('orders timestamps with fractions of different length', () => {
    assert.equal(compareTimestamps('2026-01-01T00:00:01Z', '2026-01-01T00:00:01.5Z'), -1);
    assert.equal(compareTimestamps('2026-01-01T00:00:01.50Z', '2026-01-01T00:00:01.5Z'), 0);
    assert.equal(compareTimestamps('2026-01-01T00:00:02Z', '2026-01-01T00:00:01.999999999Z'), 1);
    assert.equal(floorToSecond('2026-01-01T00:00:01.999Z'), '2026-01-01T00:00:01Z');
  });
  it('holds an incomplete line until its newline arrives', () => {
    const splitter = new LineSplitter();
    assert.deepEqual(splitter.push('a\nb'), ['a']);
    assert.deepEqual(splitter.push('c\nd\n'), ['bc', 'd']);
    assert.equal(splitter.flush(), undefined);
    splitter.push('tail');
    assert.equal(splitter.flush(), 'tail');
  });

  it('cuts an over-long line into marked pieces carrying its timestamp, losing nothing', () => {
    const stamp = '2026-01-01T00:00:01.000000000Z';
    const body = Array.from({ length: 200 }, (_, index) => `w${index}`).join(' ');
    const whole = `${stamp} ${body}`;
    const pieces = new LineSplitter(300).push(`${whole}\nnext\n`);
    assert.equal(pieces[pieces.length - 1], 'next');
    const cut = pieces.slice(0, -1);
    assert.ok(cut.length > 1 && cut.every((piece) => piece.length <= 300));
    assert.ok(cut.slice(1).every((piece) => piece.startsWith(`${stamp} ${CUT_LINE_MARK}`)));
    assert.equal(
      cut[0] +
        cut
          .slice(1)
          .map((piece) => piece.slice(stamp.length + 1 + CUT_LINE_MARK.length))
          .join(''),
      whole,
    );
    // A resumed stream delivers the same line in other chunks: the same pieces.
    const again = new LineSplitter(300);
    const rechunked = [...whole].reduce<string[]>(
      (lines, character) => [...lines, ...again.push(character)],
      [],
    );
    assert.deepEqual([...rechunked, ...again.push('\n')], cut);
  });

  it('cuts a progress line after a redraw', () => {
    const redraws = Array.from({ length: 40 }, (_, index) => ` ${index}%|bar| ${index}/40`).join(
      '\r',
    );
    const pieces = new LineSplitter(200).push(`${redraws}\n`);
    assert.ok(pieces.length > 1);
    for (const piece of pieces.slice(0, -1)) assert.ok(piece.endsWith('\r'), piece);
  });
});

describe('ResumeDeduplicator', () => {
  const line = (second: number, fraction: string, text: string) => ({
    timestamp: `2026-01-01T00:00:0${second}.${fraction}Z`,
    text,
  });

  it('drops the overlap a sinceTime reconnect resends and keeps everything new', () => {
    const dedup = new ResumeDeduplicator();
    const first = [line(1, '1', 'a'), line(2, '1', 'b'), line(2, '5', 'c'), line(2, '5', 'c')];
    assert.deepEqual(
      first.map((item) => dedup.accept(item)),
      [true, true, true, true],
    );
    assert.equal(dedup.sinceTime(), '2026-01-01T00:00:02Z');
    dedup.beginResume();
    const resent = [
      line(2, '1', 'b'),
      line(2, '5', 'c'),
      line(2, '5', 'c'),
      line(2, '7', 'd'),
      line(3, '0', 'e'),
    ];
    assert.deepEqual(
      resent.map((item) => dedup.accept(item)),
      [false, false, false, true, true],
    );
  });

  it('drops a full replay when the server ignores sinceTime', () => {
    const dedup = new ResumeDeduplicator();
    const lines = [line(1, '1', 'a'), line(1, '2', 'b'), line(2, '1', 'c')];
    lines.forEach((item) => dedup.accept(item));
    dedup.beginResume();
    assert.deepEqual(
      [...lines, line(3, '1', 'd')].map((item) => dedup.accept(item)),
      [false, false, false, true],
    );
  });

  it('keeps a same-timestamp line it never delivered', () => {
    const dedup = new ResumeDeduplicator();
    dedup.accept(line(1, '1', 'a'));
    dedup.beginResume();
    assert.equal(dedup.accept(line(1, '1', 'a')), false);
    assert.equal(dedup.accept(line(1, '1', 'a2')), true);
  });
});
