import * as assert from 'node:assert/strict';
import {
  KEPT_LINES,
  MAX_LINE_CHARS,
  StderrLines,
} from '../../../../src/cluster/execCredentials/stderrLines';

describe('StderrLines', () => {
  it('splits chunks into display-safe lines as they arrive, a redrawn line by its last drawing', () => {
    const seen: string[] = [];
    const lines = new StderrLines((line) => seen.push(line));
    lines.push('\x1b[32mOpen https://example.test/dev');
    assert.deepEqual(seen, [], 'no line until its end');
    lines.push('ice\x1b[0m\r\n\n\tcode: AB\x07CD-1234\nWaiting.\rWaiting..\rWaiting...');
    assert.deepEqual(seen, ['Open https://example.test/device', ' code: ABCD-1234']);
    lines.end();
    assert.deepEqual(seen.at(-1), 'Waiting...');
  });

  it('bounds a line and the lines kept', () => {
    const seen: string[] = [];
    const lines = new StderrLines((line) => seen.push(line));
    lines.push('x'.repeat(MAX_LINE_CHARS * 3));
    lines.push('y'.repeat(MAX_LINE_CHARS) + '\n');
    assert.equal(seen[0], `${'x'.repeat(MAX_LINE_CHARS)}…`);
    for (let index = 0; index < KEPT_LINES * 2; index++) lines.push(`line ${index}\n`);
    assert.equal(lines.tail().length, KEPT_LINES);
    assert.equal(lines.tail().at(-1), `line ${KEPT_LINES * 2 - 1}`);
  });
});
