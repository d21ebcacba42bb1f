import * as assert from 'node:assert/strict';
import { parseDevPodFile } from '../../src/devPods/model/devPodFile';
import { parseJobFile } from '../../src/jobs/model/jobFile';
import { parseEndpointFile } from '../../src/serving/model/endpointFile';
import { loadYamlSafely } from '../../src/cluster/safeYaml';

/** A safety bound, not a benchmark: any file under 64 KiB is parsed or refused well within it. */
const BOUND_MS = 1000;
/** A problem message a person can read; the bombs once produced hundreds of millions of characters. */
const MAX_MESSAGE_CHARS = 2000;

/** Nine levels of nine aliases each: 9^9 (387 million) strings when expanded. */
function billionLaughs(prefix: string): string {
  const lines = [`${prefix}`, 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < 9; level++)
    lines.push(
      `l${level}: &l${level} [${Array.from({ length: 9 }, () => `*l${level - 1}`).join(',')}]`,
    );
  lines.push(
    'gpu: { product: *l8, count: 1 }',
    'idleMinutes: *l8',
    'command: *l8',
    'env: { A: *l8 }',
    'model: { local: *l8 }',
  );
  return lines.join('\n');
}

const bombs: Record<string, string> = {
  'nested aliases': billionLaughs('name: lol'),
  '20,000 unknown keys': [
    'name: a',
    ...Array.from({ length: 20_000 }, (_, index) => `k${index}: 1`),
  ].join('\n'),
  'a recursive alias':
    'name: a\nimage: x\ncommand: python t.py\nidleMinutes: &i [*i]\ngpus: &g [*g]\nworkers: &w [*w]\nmodel: { local: m }\n',
  'a recursive mapping alias': 'name: a\ngpu: &g { product: *g, count: 1 }\nenv: &e { A: *e }\n',
  'aliased long scalars': [
    's: &s "' + 'x'.repeat(30_000) + '"',
    `name: [${Array.from({ length: 3_000 }, () => '*s').join(',')}]`,
  ].join('\n'),
  'deep nesting': `name: ${'['.repeat(30_000)}${']'.repeat(30_000)}`,
  'one 60 KiB value': `name: ${'a'.repeat(60 * 1024)}\nimage: ${'b'.repeat(1000)}\n`,
  'many short lines with issues': Array.from(
    { length: 6_000 },
    (_, index) => `${'  '.repeat(index % 5)}k${index}: [`,
  ).join('\n'),
  'merge keys': `base: &b { x: 1 }\n${Array.from({ length: 3_000 }, (_, index) => `m${index}: { <<: *b }`).join('\n')}\nname: a\n`,
};

function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

/** Each parser's problems as text; a KubeMlError is an answer, any other throw is a defect. */
const parsers: Record<string, (text: string) => string[]> = {
  'devpod.yaml': (text) =>
    parseDevPodFile(text, {
      namespace: 'ml',
      idleMinutes: 60,
      restrictedPodSecurity: true,
    }).issues.map((issue) => issue.message),
  'job.yaml': (text) => {
    try {
      parseJobFile(text);
      return [];
    } catch (error) {
      assert.equal(
        (error as { kind?: string }).kind,
        'invalidInput',
        `a raw ${(error as Error).name} escaped: ${(error as Error).message.slice(0, 200)}`,
      );
      return [(error as Error).message];
    }
  },
  'endpoint.yaml': (text) => parseEndpointFile(text).problems,
};

describe('security: hostile YAML files are parsed or refused quickly', () => {
  for (const [bomb, text] of Object.entries(bombs)) {
    for (const [file, parse] of Object.entries(parsers)) {
      it(`${file} with ${bomb} (${Math.round(text.length / 1024)} KiB)`, () => {
        const { value: problems, ms } = timed(() => parse(text));
        assert.ok(ms < BOUND_MS, `took ${Math.round(ms)} ms`);
        assert.ok(problems.length > 0, 'a hostile file must not be accepted');
        assert.ok(problems.length <= 51, `${problems.length} problems`);
        for (const problem of problems)
          assert.ok(
            problem.length < MAX_MESSAGE_CHARS,
            `a message of ${problem.length} characters`,
          );
      });
    }
  }

  it('names the alias as the reason a reused list is refused', () => {
    assert.match(
      loadYamlSafely(bombs['nested aliases']!).problem ?? '',
      /reuses a list or mapping through an alias/,
    );
    assert.match(loadYamlSafely(bombs['a recursive alias']!).problem ?? '', /alias/);
  });

  it('still accepts scalar aliases and ordinary files', () => {
    const loaded = loadYamlSafely('image: &i pytorch\nother: *i\n');
    assert.deepEqual(loaded.document, { image: 'pytorch', other: 'pytorch' });
    const devPod = parseDevPodFile('name: box\ngpu: { count: 1 }\n', {
      namespace: 'ml',
      idleMinutes: 60,
      restrictedPodSecurity: true,
    });
    assert.equal(devPod.spec?.name, 'box');
  });
});
