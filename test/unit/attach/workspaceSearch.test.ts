import * as assert from 'node:assert/strict';
import {
  findArguments,
  grepArguments,
  limitedRunArguments,
  limitedRunOutcome,
  linePreview,
  markMatches,
  matchRanges,
  parseFindOutput,
  parseGrepOutput,
} from '../../../src/attach/model/workspaceSearch';

describe('dev pod workspace search parsing', () => {
  it('builds a grep argv with the pattern as one entry after "--", limits and exclusions', () => {
    const argv = grepArguments(
      '/work',
      { pattern: '-rf $(touch x); "a"', isRegex: false, caseSensitive: false },
      { perFile: 7, total: 100 },
    );
    assert.equal(argv[0], 'grep');
    const dashDash = argv.indexOf('--');
    assert.deepEqual(argv.slice(dashDash), ['--', '-rf $(touch x); "a"', '/work']);
    for (const flag of [
      '-r',
      '-n',
      '-I',
      '-H',
      '--null',
      '-F',
      '-i',
      '--exclude-dir=.git',
      '--exclude-dir=node_modules',
    ])
      assert.ok(argv.slice(0, dashDash).includes(flag), flag);
    assert.equal(argv[argv.indexOf('-m') + 1], '7');
    const regex = grepArguments('/work', { pattern: 'a.*b', isRegex: true, caseSensitive: true });
    assert.ok(regex.includes('-E') && !regex.includes('-F') && !regex.includes('-i'));
  });

  it('wraps a command in a fixed script: limit and argv are separate arguments', () => {
    const argv = limitedRunArguments(11, ['grep', '--', 'x; rm -rf /', '/w'], 'newline');
    assert.deepEqual(argv.slice(0, 2), ['sh', '-c']);
    assert.ok(!argv[2].includes('rm -rf'), 'the script never contains input');
    assert.match(argv[2], /head -n "\$limit"/);
    assert.deepEqual(argv.slice(3), ['kubeml-grep', '11', 'grep', '--', 'x; rm -rf /', '/w']);
    assert.match(limitedRunArguments(3, ['find'], 'nul')[2], /head -z -n/);
  });

  it('builds a find argv that prunes excluded folders and prints NUL-terminated relative paths', () => {
    const argv = findArguments('/work');
    assert.deepEqual(argv.slice(0, 2), ['find', '/work']);
    assert.ok(argv.includes('-prune') && argv.includes('node_modules') && argv.includes('.git'));
    assert.deepEqual(argv.slice(-4), ['-type', 'f', '-printf', '%P\\0']);
  });

  it('parses grep --null records, names with colons, spaces and newlines kept whole', () => {
    const output =
      '/work/a b.py\x0012:x = re.compile("(a|b)+")\n/work/dir/c:d.txt\x003:line: with: colons\n/work/odd\nname\x001:hit\n/work/cut\x009:trunc';
    assert.deepEqual(parseGrepOutput(output, '/work'), [
      { path: '/work/a b.py', relativePath: 'a b.py', line: 12, text: 'x = re.compile("(a|b)+")' },
      {
        path: '/work/dir/c:d.txt',
        relativePath: 'dir/c:d.txt',
        line: 3,
        text: 'line: with: colons',
      },
      { path: '/work/odd\nname', relativePath: 'odd\nname', line: 1, text: 'hit' },
    ]);
    assert.deepEqual(parseGrepOutput('/x\x004:\n', '/'), [
      { path: '/x', relativePath: 'x', line: 4, text: '' },
    ]);
  });

  it('parses find output into sorted relative paths', () => {
    assert.deepEqual(parseFindOutput('src/b.py\0a file.txt\0src/a.py\0'), [
      'a file.txt',
      'src/a.py',
      'src/b.py',
    ]);
    assert.deepEqual(parseFindOutput(''), []);
  });

  it('reads how a limited run ended', () => {
    assert.deepEqual(limitedRunOutcome('kubeml-exit:0\n', 3, 11), { kind: 'ok', truncated: false });
    assert.deepEqual(limitedRunOutcome('kubeml-exit:1\n', 0, 11), { kind: 'ok', truncated: false });
    assert.deepEqual(limitedRunOutcome('kubeml-exit:141\n', 11, 11), {
      kind: 'ok',
      truncated: true,
    });
    assert.deepEqual(
      limitedRunOutcome('grep: /w/secret: Permission denied\nkubeml-exit:2\n', 4, 11),
      { kind: 'ok', truncated: false },
    );
    assert.deepEqual(limitedRunOutcome('grep: Unmatched ( or \\(\nkubeml-exit:2\n', 0, 11), {
      kind: 'failed',
      message: 'grep: Unmatched ( or \\(',
    });
    assert.deepEqual(
      limitedRunOutcome("find: '/w/x': No such file or directory\nkubeml-exit:1\n", 0, 11, 'find'),
      { kind: 'failed', message: "find: '/w/x': No such file or directory" },
    );
    assert.deepEqual(
      limitedRunOutcome("find: '/w/locked': Permission denied\nkubeml-exit:1\n", 5, 11, 'find'),
      { kind: 'ok', truncated: false },
    );
  });

  it('finds match ranges for text (case folding) and regexes, and survives an invalid regex', () => {
    assert.deepEqual(
      matchRanges('Foo foo FOO', { pattern: 'foo', isRegex: false, caseSensitive: false }),
      [
        [0, 3],
        [4, 7],
        [8, 11],
      ],
    );
    assert.deepEqual(
      matchRanges('Foo foo', { pattern: 'foo', isRegex: false, caseSensitive: true }),
      [[4, 7]],
    );
    assert.deepEqual(
      matchRanges('a(b)+c', { pattern: '(b)+', isRegex: false, caseSensitive: true }),
      [[1, 5]],
    );
    assert.deepEqual(
      matchRanges('lr=0.001 lr=3e-4', {
        pattern: 'lr=[0-9.e-]+',
        isRegex: true,
        caseSensitive: true,
      }),
      [
        [0, 8],
        [9, 16],
      ],
    );
    assert.deepEqual(matchRanges('abc', { pattern: '(', isRegex: true, caseSensitive: true }), []);
    assert.deepEqual(matchRanges('abc', { pattern: 'x*', isRegex: true, caseSensitive: true }), []);
  });

  it('previews a line without indentation, windows long lines around the match and marks matches', () => {
    const short = linePreview('    return foo(x)', [[11, 14]]);
    assert.deepEqual(short, { text: 'return foo(x)', ranges: [[7, 10]] });
    assert.equal(markMatches(short), 'return «foo»(x)');
    const long = `${'a'.repeat(500)}NEEDLE${'b'.repeat(500)}`;
    const preview = linePreview(long, [[500, 506]], 60);
    assert.ok(preview.text.startsWith('…') && preview.text.endsWith('…'));
    assert.equal(preview.text.length, 62);
    assert.equal(preview.text.slice(preview.ranges[0][0], preview.ranges[0][1]), 'NEEDLE');
  });
});
