import * as assert from 'node:assert/strict';
import {
  compileQuery,
  findMatchingLines,
  lineMatches,
  matchRanges,
  nextMatch,
} from '../../../../src/webviews/logs/filter';
import { LineStore } from '../../../../src/webviews/logs/lineStore';

describe('filter and search', () => {
  it('matches plain text case-insensitively and regexes as given', () => {
    const text = compileQuery({ text: 'error', regex: false, caseSensitive: false });
    assert.ok(lineMatches(text, 'An ERROR (x.y)'));
    const literal = compileQuery({ text: 'x.y', regex: false, caseSensitive: true });
    assert.ok(!lineMatches(literal, 'xzy'));
    const regex = compileQuery({ text: 'loss=\\d+', regex: true, caseSensitive: true });
    assert.deepEqual(matchRanges(regex, 'loss=12 loss=3 Loss=4'), [
      { start: 0, end: 7 },
      { start: 8, end: 14 },
    ]);
    assert.deepEqual(findMatchingLines(regex, ['a', 'loss=1', 'b', 'loss=2']), [1, 3]);
  });
  it('reports an invalid regex instead of throwing', () => {
    const compiled = compileQuery({ text: '(', regex: true, caseSensitive: false });
    assert.match(compiled.error ?? '', /Invalid regular expression/);
    assert.equal(lineMatches(compiled, '('), false);
  });
  it('does not loop on empty matches and wraps next/prev', () => {
    assert.deepEqual(
      matchRanges(compileQuery({ text: 'a*', regex: true, caseSensitive: false }), 'baab'),
      [{ start: 1, end: 3 }],
    );
    assert.equal(nextMatch(3, 2, 1), 0);
    assert.equal(nextMatch(3, 0, -1), 2);
    assert.equal(nextMatch(0, 0, 1), -1);
  });
});

describe('LineStore', () => {
  const line = (text: string) => ({ text, plain: text });

  it('keeps at most its capacity and finds lines by sequence', () => {
    const store = new LineStore<{ text: string; plain: string }>(5000);
    for (let index = 0; index < 10_000; index++) store.push(line(`line ${index}`));
    assert.equal(store.size, 5000);
    assert.equal(store.oldestSequence, 5000);
    assert.equal(store.get(4999), undefined);
    assert.equal(store.get(5000)?.text, 'line 5000');
    assert.equal(store.get(9999)?.text, 'line 9999');
    assert.deepEqual(
      store.search(
        compileQuery({
          text: 'line 4999$|line 5001$|line 9998$',
          regex: true,
          caseSensitive: true,
        }),
      ),
      [5001, 9998],
    );
    store.clear();
    assert.equal(store.size, 0);
    assert.equal(store.get(9999), undefined);
  });

  it('does not match across line boundaries and reports one hit per line', () => {
    const store = new LineStore<{ text: string; plain: string }>(10_000);
    for (let index = 0; index < 5000; index++)
      store.push(line(index === 10 ? 'end a' : index === 11 ? 'b start b b' : 'x'));
    assert.deepEqual(
      store.search(compileQuery({ text: 'a\\sb', regex: true, caseSensitive: true })),
      [],
    );
    assert.deepEqual(
      store.search(compileQuery({ text: 'b', regex: false, caseSensitive: true })),
      [11],
    );
  });

  // Its speed is a benchmark figure (npm run bench -- logFollow), not a timed test.
  it('finds the one matching line among 1,000,000, case-insensitively and literally', () => {
    const store = new LineStore<{ text: string; plain: string }>(1_000_000);
    for (let index = 0; index < 1_000_000; index++)
      store.push(line(`{'loss': ${index}, 'learning_rate': 5e-05, 'epoch': 1.0}`));
    const compiled = compileQuery({ text: "'LOSS': 999999,", regex: false, caseSensitive: false });
    assert.deepEqual(store.search(compiled), [999_999]);
    assert.deepEqual(
      store.search(compileQuery({ text: "'loss': 123456,", regex: false, caseSensitive: false })),
      [123_456],
    );
    assert.deepEqual(
      store.search(compileQuery({ text: "'loss': 1.0", regex: false, caseSensitive: false })),
      [],
      'a dot is literal, not any character',
    );
  });
});
