import * as assert from 'node:assert/strict';
import {
  defaultResourcesFor,
  validateDevPodName,
  validateDevPodSpec,
  validateCpu,
  validateMemory,
  validateGpuCount,
  validateIdleMinutes,
} from '../../../src/devPods/model/spec';
import { resolveImage, IMAGE_PRESETS } from '../../../src/devPods/model/presets';
import { spec } from './fixtures';

describe('devPods/model/spec', () => {
  describe('validateDevPodName', () => {
    it('accepts a DNS-1123 label', () => {
      assert.equal(validateDevPodName('llm-dev-2'), undefined);
    });
    it('names the DNS-1123 rule and the broken part for upper case', () => {
      const message = validateDevPodName('My-Pod');
      assert.match(message ?? '', /upper-case/);
      assert.match(message ?? '', /DNS-1123 label/);
      assert.match(message ?? '', /"my-pod"/);
    });
    it('rejects underscores, leading dashes, empty and too long names', () => {
      assert.match(validateDevPodName('a_b') ?? '', /contains "_"/);
      assert.match(validateDevPodName('-ab') ?? '', /start with a letter or digit/);
      assert.match(validateDevPodName('') ?? '', /empty/);
      assert.match(validateDevPodName('a'.repeat(64)) ?? '', /64 characters long; the limit is 63/);
    });
    it('rejects a name already used in the namespace', () => {
      assert.match(
        validateDevPodName('taken', ['other', 'taken']) ?? '',
        /already exists in this namespace/,
      );
    });
  });

  it('sizes default CPU and memory to the GPU count', () => {
    assert.deepEqual(defaultResourcesFor(0), { cpu: '2', memory: '8Gi' });
    assert.deepEqual(defaultResourcesFor(1), { cpu: '8', memory: '64Gi' });
    assert.deepEqual(defaultResourcesFor(4), { cpu: '32', memory: '256Gi' });
  });

  it('validates quantities with messages that show the expected form', () => {
    assert.equal(validateCpu('500m'), undefined);
    assert.equal(validateCpu('0.5'), undefined);
    assert.match(validateCpu('eight') ?? '', /millicores/);
    assert.match(validateCpu('0') ?? '', /not a CPU quantity/);
    assert.equal(validateMemory('64Gi'), undefined);
    assert.match(validateMemory('64 GB') ?? '', /"64Gi"/);
    assert.match(validateGpuCount(17) ?? '', /0 to 16/);
    assert.match(validateGpuCount(1.5) ?? '', /whole number/);
    assert.match(validateIdleMinutes(-1) ?? '', /0 to turn it off/);
  });

  it('validateDevPodSpec lists every problem in field order', () => {
    const problems = validateDevPodSpec(
      spec({
        name: 'Bad',
        cpu: 'x',
        memory: 'y',
        workspace: { size: '10Gi', storageClass: 'Fast_SSD' },
      }),
    );
    assert.equal(problems.length, 4);
    assert.match(problems[0], /dev pod name/);
    assert.match(problems[1], /CPU "x"/);
    assert.match(problems[2], /Memory "y"/);
    assert.match(problems[3], /storage class name/);
    assert.deepEqual(validateDevPodSpec(spec()), []);
  });

  it('resolves preset ids to pinned images and keeps custom references', () => {
    assert.equal(IMAGE_PRESETS.length, 5);
    assert.deepEqual(resolveImage('jax'), { image: 'nvcr.io/nvidia/jax:24.04-py3', preset: 'jax' });
    assert.equal(
      resolveImage('huggingface').image.startsWith('huggingface/transformers-pytorch-gpu:'),
      true,
    );
    assert.deepEqual(resolveImage('ghcr.io/acme/x:1'), {
      image: 'ghcr.io/acme/x:1',
      preset: 'custom',
    });
    assert.equal(resolveImage('nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04').preset, 'cuda');
  });
});
