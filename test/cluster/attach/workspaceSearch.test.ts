import * as assert from 'node:assert/strict';
import { listPodFiles, searchPodFiles } from '../../../src/attach/podSearch';
import type { ExecTarget } from '../../../src/cluster/exec';
import { PodFiles } from '../../../src/cluster/podFiles';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig } from '../sandbox';
import { createLabelledPod } from '../testPods';

describe('remote access: search and Go to File in a dev pod workspace (sandbox)', function () {
  this.timeout(120_000);
  let namespace: string;
  let files: PodFiles;
  let target: ExecTarget;
  let root: string;
  const kubeConfig = sandboxKubeConfig('developer');

  before(async () => {
    namespace = await createTestNamespace('ra-search');
    await createLabelledPod(namespace, 'search-0', 'search');
    target = { namespace, pod: 'search-0', container: 'main' };
    files = new PodFiles(kubeConfig, target);
    root = `${await files.workingDirectory()}/project`;
    const write = (path: string, content: string | Buffer) =>
      files.writeFile(`${root}/${path}`, Buffer.from(content), { create: true, overwrite: true });
    for (const folder of ['', '/src', '/src/my data', '/node_modules', '/.git'])
      await files.createDirectory(`${root}${folder}`);
    await write(
      'src/train.py',
      'import re\nlr = 3e-4\npattern = re.compile(r"(a|b)+[0-9]*$")\nprint("done")\n',
    );
    await write(
      'src/my data/notes with spaces.md',
      '# Notes\nthe (a|b)+ pattern again\nLR schedule: cosine\n',
    );
    // A binary file whose bytes contain the pattern: grep -I must skip it.
    await write(
      'src/weights.bin',
      Buffer.concat([
        Buffer.from([0, 1, 2, 0, 255]),
        Buffer.from('(a|b)+ lr = 3e-4'),
        Buffer.from([0, 0]),
      ]),
    );
    await write('node_modules/dep.js', '// (a|b)+ lr = 3e-4\n');
    await write('.git/config', '(a|b)+\n');
  });
  after(() => deleteTestNamespace(namespace));

  it('finds literal text containing regex special characters, in a file whose path has spaces, skipping binaries and excluded folders', async () => {
    const result = await searchPodFiles(kubeConfig, target, root, {
      pattern: '(a|b)+',
      isRegex: false,
      caseSensitive: true,
    });
    assert.equal(result.truncated, false);
    const found = result.matches.map((match) => `${match.relativePath}:${match.line}`).sort();
    assert.deepEqual(found, ['src/my data/notes with spaces.md:2', 'src/train.py:3']);
    const notes = result.matches.find((match) => match.relativePath.endsWith('.md'));
    assert.equal(notes?.text, 'the (a|b)+ pattern again');
    assert.equal(notes?.path, `${root}/src/my data/notes with spaces.md`);
  });

  it('searches with a regex and case folding, and reports a bad regex as an error', async () => {
    const regex = await searchPodFiles(kubeConfig, target, root, {
      pattern: '^lr[ =:]+.*(e-4|cosine)$',
      isRegex: true,
      caseSensitive: false,
    });
    assert.deepEqual(
      regex.matches.map((match) => `${match.relativePath}:${match.line}:${match.text}`).sort(),
      ['src/my data/notes with spaces.md:3:LR schedule: cosine', 'src/train.py:2:lr = 3e-4'],
    );
    const caseSensitive = await searchPodFiles(kubeConfig, target, root, {
      pattern: 'LR',
      isRegex: false,
      caseSensitive: true,
    });
    assert.deepEqual(
      caseSensitive.matches.map((match) => match.relativePath),
      ['src/my data/notes with spaces.md'],
    );
    await assert.rejects(
      searchPodFiles(kubeConfig, target, root, {
        pattern: 'a(b',
        isRegex: true,
        caseSensitive: true,
      }),
      /Unmatched|unbalanced|parenthes/i,
    );
    assert.deepEqual(
      (
        await searchPodFiles(kubeConfig, target, root, {
          pattern: 'nothing-matches-this',
          isRegex: false,
          caseSensitive: true,
        })
      ).matches,
      [],
    );
  });

  it('a pattern that looks like an option or shell code is searched for literally', async () => {
    await files.writeFile(`${root}/src/odd.txt`, Buffer.from('-rf $(touch /tmp/pwned) `id`\n'), {
      create: true,
      overwrite: true,
    });
    const result = await searchPodFiles(kubeConfig, target, root, {
      pattern: '-rf $(touch /tmp/pwned) `id`',
      isRegex: false,
      caseSensitive: true,
    });
    assert.deepEqual(
      result.matches.map((match) => `${match.relativePath}:${match.line}`),
      ['src/odd.txt:1'],
    );
  });

  it('stops at the overall limit and says the results are cut short', async () => {
    await files.writeFile(`${root}/src/many.txt`, Buffer.from('hit\n'.repeat(50)), {
      create: true,
      overwrite: true,
    });
    const result = await searchPodFiles(
      kubeConfig,
      target,
      `${root}/src`,
      { pattern: 'hit', isRegex: false, caseSensitive: true },
      { perFile: 40, total: 25 },
    );
    assert.equal(result.matches.length, 25);
    assert.equal(result.truncated, true);
    const perFile = await searchPodFiles(
      kubeConfig,
      target,
      `${root}/src`,
      { pattern: 'hit', isRegex: false, caseSensitive: true },
      { perFile: 10, total: 100 },
    );
    assert.equal(perFile.matches.length, 10);
  });

  it('lists files for Go to File, with spaces in names, without .git or node_modules', async () => {
    const listing = await listPodFiles(kubeConfig, target, root);
    assert.equal(listing.truncated, false);
    assert.deepEqual(listing.paths, [
      'src/many.txt',
      'src/my data/notes with spaces.md',
      'src/odd.txt',
      'src/train.py',
      'src/weights.bin',
    ]);
    const capped = await listPodFiles(kubeConfig, target, root, 2);
    assert.equal(capped.paths.length, 2);
    assert.equal(capped.truncated, true);
    await assert.rejects(listPodFiles(kubeConfig, target, `${root}/missing`), /No such file/i);
  });
});
