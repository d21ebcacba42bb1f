import * as assert from 'node:assert/strict';
import { keyLines, lineOfKey, parseDevPodFile } from '../../../src/devPods/model/devPodFile';

const defaults = { namespace: 'ml-team', idleMinutes: 60, restrictedPodSecurity: true };

function issuesOf(text: string, existing: string[] = []) {
  const result = parseDevPodFile(text, defaults, existing);
  assert.equal(result.spec, undefined, 'expected issues');
  return result.issues;
}

describe('devPods/model/devPodFile', () => {
  it('parses a full definition, expanding the image preset', () => {
    const result = parseDevPodFile(
      [
        'name: llm-finetune',
        'gpu:',
        '  product: NVIDIA-H100-80GB-HBM3',
        '  count: 2',
        'image: huggingface',
        'cpu: 16',
        'memory: 128Gi',
        'workspace:',
        '  size: 100Gi',
        '  storageClass: fast-ssd',
        'idleMinutes: 30',
        '',
      ].join('\n'),
      defaults,
    );
    assert.ok(result.spec);
    assert.deepEqual(result.spec, {
      name: 'llm-finetune',
      namespace: 'ml-team',
      gpu: { product: 'NVIDIA-H100-80GB-HBM3', count: 2 },
      image: 'huggingface/transformers-pytorch-gpu:4.41.2',
      imagePreset: 'huggingface',
      cpu: '16',
      memory: '128Gi',
      workspace: { size: '100Gi', storageClass: 'fast-ssd' },
      idleMinutes: 30,
      restrictedPodSecurity: true,
    });
  });

  it('fills defaults: pytorch preset, resources sized to the GPU count, settings idle minutes', () => {
    const result = parseDevPodFile('name: small\ngpu: { count: 1 }\n', {
      ...defaults,
      storageClass: 'standard',
    });
    assert.ok(result.spec);
    assert.equal(result.spec.imagePreset, 'pytorch');
    assert.equal(result.spec.cpu, '8');
    assert.equal(result.spec.memory, '64Gi');
    assert.deepEqual(result.spec.gpu, { count: 1 });
    assert.deepEqual(result.spec.workspace, { size: '50Gi', storageClass: 'standard' });
    assert.equal(result.spec.idleMinutes, 60);
    const cpuOnly = parseDevPodFile('name: cpu-box\n', defaults);
    assert.ok(cpuOnly.spec && cpuOnly.spec.gpu === undefined && cpuOnly.spec.cpu === '2');
  });

  it('reports YAML syntax errors at their line', () => {
    const issues = issuesOf('name: a\ngpu:\n  count: 2\n   product: [x\n');
    assert.equal(issues.length, 1);
    assert.equal(issues[0].line, 4);
    assert.match(issues[0].message, /^YAML syntax error/);
  });

  it('reports each invalid field at its own line', () => {
    const text = [
      '# team definition',
      'name: Bad_Name',
      'gpu:',
      '  product: NVIDIA-H100-80GB-HBM3',
      '  count: 20',
      'cpu: lots',
      'memory: 10 GB',
      'workspace:',
      '  size: big',
      'idleMinutes: soon',
    ].join('\n');
    const issues = issuesOf(text);
    assert.deepEqual(
      issues.map((issue) => issue.line),
      [2, 5, 6, 7, 9, 10],
    );
    assert.match(issues[0].message, /DNS-1123 label/);
    assert.match(issues[1].message, /0 to 16/);
    assert.match(issues[2].message, /CPU "lots"/);
    assert.match(issues[3].message, /Memory "10 GB"/);
    assert.match(issues[4].message, /Workspace size "big"/);
    assert.match(issues[5].message, /"idleMinutes" must be a whole number/);
  });

  it('flags unknown keys with a suggestion, at their line', () => {
    const issues = issuesOf('name: a\ngpus: 2\nworkspace:\n  sizes: 10Gi\n');
    assert.deepEqual(
      issues.map((issue) => [issue.line, issue.message]),
      [
        [2, 'Unknown key "gpus"; did you mean "gpu"?'],
        [4, 'Unknown key "workspace.sizes"; did you mean "workspace.size"?'],
      ],
    );
  });

  it('requires a name, a mapping and an image reference for custom', () => {
    assert.match(issuesOf('gpu: { count: 1 }\n')[0].message, /"name" is required/);
    assert.match(issuesOf('- a\n- b\n')[0].message, /must be a mapping/);
    const custom = issuesOf('name: a\nimage: custom\n');
    assert.equal(custom[0].line, 2);
    assert.match(custom[0].message, /needs the image reference/);
  });

  it('rejects a name that another dev pod in the namespace uses', () => {
    assert.match(issuesOf('name: taken\n', ['taken'])[0].message, /already exists/);
  });

  it('lineOfKey follows indentation and falls back to the parent for flow style', () => {
    const text = 'name: a\nworkspace:\n  size: 1Gi\ngpu: { count: 2 }\nsize: top\n';
    assert.equal(lineOfKey(text, ['workspace', 'size']), 3);
    assert.equal(lineOfKey(text, ['gpu', 'count']), 4);
    assert.equal(lineOfKey(text, ['size']), 5);
    assert.equal(lineOfKey(text, ['missing']), 1);
  });

  it('indexes every key line in one pass, quoted keys and values with colons included', () => {
    const text = 'name: a\n"gpu":\n  count: 2\nimage: ghcr.io/x:1\n# note: x\nurl: http://x\n';
    const index = keyLines(text);
    assert.equal(index.get('gpu\0count'), 3);
    assert.equal(index.get('image'), 4);
    assert.equal(index.has('note'), false);
    assert.equal(index.get('url'), 6);
  });

  it('reports at most 50 problems and says how many there were', () => {
    const text = [
      'name: a',
      'gpu:',
      ...Array.from({ length: 400 }, (_, index) => `  k${index}: 1`),
    ].join('\n');
    const issues = issuesOf(text);
    assert.equal(issues.length, 51);
    assert.match(issues[0].message, /^400 problems; the first 50 are shown/);
    assert.equal(issues[1].line, 3);
  });
});
